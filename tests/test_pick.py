"""`npf pick`: the inline picker's flows (Pilot), and the command on no terminal and on a pseudo-terminal."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from test_ui_support import settle
from textual.widgets import Input, OptionList

from npf_tui.cli import main
from npf_tui.core.cite.quotes import make_quote
from npf_tui.ui.pick import PickApp

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SIZE = (80, 24)
STYLE = "chicago-author-date"


def make_pick(library, **kwargs) -> PickApp:
    """A picker over the session library with a quick debounce."""
    kwargs.setdefault("debounce", 0.05)
    return PickApp(library=library, **kwargs)


def expected(library, hit, span=None, fmt="plain") -> str:
    """What `npf quote` would print for this passage (or this part of its paragraph)."""
    return make_quote(library.document(hit.doc_id), hit.paragraph, span, style=STYLE, fmt=fmt).formatted


async def typed(pilot, query: str) -> None:
    """Type a query key by key, as a person would, and wait for its hits."""
    await settle(pilot)
    await pilot.press(*query)
    await settle(pilot)


@pytest.mark.asyncio
async def test_typing_a_query_shows_ranked_hits(library):
    app = make_pick(library)
    async with app.run_test(size=SIZE) as pilot:
        await typed(pilot, "Liu Haiqing")
        hits = app.query_one("#pick-hits", OptionList)
        assert hits.display and hits.option_count == len(app.hits) == 2
        assert [h.paragraph for h in app.hits] == [15, 16]
        assert app.focused is app.query_one("#pick-query", Input)  # the query box keeps the keys
        assert "1/2" in str(app.query_one("#pick-status").render())
        await pilot.press("backspace", *"xyzzyq")
        await settle(pilot)
        assert not app.hits and "No passage matches" in str(app.query_one("#pick-status").render())


@pytest.mark.asyncio
async def test_enter_returns_the_quote_with_its_citation(library):
    app = make_pick(library)
    async with app.run_test(size=SIZE) as pilot:
        await typed(pilot, "Liu Haiqing")
        first = app.hits[0]
        await pilot.press("enter")
        await settle(pilot)
    assert app.return_value == expected(library, first)
    assert app.return_value.startswith("“Liu Haiqing (刘海清)” (Rainey 2024, para. 15)\n\nRainey, Jacque. 2024.")


@pytest.mark.asyncio
async def test_pandoc_format_cites_by_key(library):
    """For a pandoc paper (`:r !npf pick -f pandoc`): the blockquote with [@key, para. N], the key given once."""
    app = make_pick(library, fmt="pandoc")
    async with app.run_test(size=SIZE) as pilot:
        await typed(pilot, "Liu Haiqing")
        await pilot.press("enter")
        await settle(pilot)
    assert app.return_value == "> Liu Haiqing (刘海清) [@rainey2024NewCatchPhrase, para. 15]\n"


@pytest.mark.asyncio
async def test_moving_and_a_sentence_returns_just_that_sentence(library):
    app = make_pick(library, query="Liu Haiqing", fmt="markdown")  # the query given on the command line
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert len(app.hits) == 2
        await pilot.press("ctrl+n", "tab")  # straight after the move, as a script or a fast typist sends them
        hit = app.hits[1]
        sentence = app.sentences[app.sentence]
        assert "Liu Haiqing" in sentence.text  # tab starts at the sentence of the first match
        assert "sentence 2/" in str(app.query_one("#pick-status").render())
        await pilot.press("enter")
        await settle(pilot)
    assert app.return_value == expected(library, hit, (sentence.start, sentence.end), fmt="markdown")
    assert app.return_value.startswith(
        "> The person appointed to lead the new institute was Liu Haiqing (刘海清) who was the executive secretary"
        " of CAPS.\n\n— "
    )
    assert "(paragraph 16)" in app.return_value and "Another notable" not in app.return_value


@pytest.mark.asyncio
async def test_sentences_step_both_ways_and_back_to_the_whole_passage(library):
    app = make_pick(library, query="Liu Haiqing")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down", "tab")
        assert app.sentence == 1
        await pilot.press("shift+tab")
        assert app.sentence == 0
        await pilot.press("shift+tab")  # before the first: the whole passage again
        assert app.sentence is None
        await pilot.press("tab", "up")  # another passage is quoted whole
        assert app.sentence is None and app.current_hit is app.hits[0]
        await pilot.press("ctrl+p")  # stays on the first; ctrl+p is no command palette here
        assert app.current_hit is app.hits[0] and app.is_running


@pytest.mark.asyncio
async def test_enter_right_after_typing_quotes_from_what_was_typed(library):
    app = make_pick(library, query="productive forces", debounce=0.5)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        box = app.query_one("#pick-query", Input)
        await pilot.press(*["backspace"] * len(box.value), *"Liu Haiqing", "enter")  # before the debounce ends
        await settle(pilot)
    assert app.return_value is not None and app.return_value.startswith("“Liu Haiqing (刘海清)”")


@pytest.mark.asyncio
async def test_escape_returns_none(library):
    app = make_pick(library)
    async with app.run_test(size=SIZE) as pilot:
        await typed(pilot, "CAPS")
        await pilot.press("escape")
        await settle(pilot)
    assert app.return_value is None and app.return_code == 1 and app.error is None


@pytest.mark.asyncio
async def test_a_library_that_cannot_open_ends_the_picker_with_its_error(tmp_path):
    app = PickApp(tmp_path / "no-such-corpus", tmp_path / "idx")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
    assert app.return_value is None and app.error is not None and app.return_code == app.error.exit_code


def test_without_a_terminal_pick_fails_in_one_line(index_dir, library):
    """No terminal at all (a new session: no /dev/tty; stdin, stdout and stderr pipes): exit 2 at once, no hang."""
    proc = subprocess.run(
        [sys.executable, "-m", "npf_tui.cli", "--corpus", str(DATA), "--index", str(index_dir), "pick", "CAPS"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        start_new_session=True,
        cwd=ROOT,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("npf: error: ") and proc.stderr.count("\n") == 1, proc.stderr


def test_an_unknown_style_fails_before_anything_is_drawn(capsys, index_dir):
    status = main(["--corpus", str(DATA), "--index", str(index_dir), "pick", "--style", "nope", "CAPS"])
    out, err = capsys.readouterr()
    assert status == 2 and out == "" and err.startswith("npf: error: unknown citation style 'nope'")


def _pick_on_a_pty(index_dir, keys: list[tuple[bytes, bytes]], *args: str) -> tuple[int, str, str]:
    """Run `npf pick ARGS` as a shell would in `npf pick > file`: keys and drawing on a pseudo-terminal (80x24),
    stdout a pipe. `keys` are (what must be drawn first, key): each key goes out once its marker has been drawn
    since the previous key — not after a quiet spell, which never comes (the input's cursor blinks and inline
    Textual asks for the cursor position every 0.5 s). Returns (status, stdout, what was drawn)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "npf_tui.cli", "--corpus", str(DATA), "--index", str(index_dir), "pick", *args],
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=slave,
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    os.close(slave)
    drawn = b""
    since = 0
    pending = list(keys)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                drawn += os.read(master, 65536)
            except OSError:
                break
        if pending and pending[0][0] in drawn[since:]:
            since = len(drawn)
            os.write(master, pending.pop(0)[1])
    if proc.poll() is None:  # never hang the suite: a picker still running after the deadline is a failure
        os.killpg(proc.pid, signal.SIGKILL)
    out, _ = proc.communicate(timeout=10)
    os.close(master)
    return proc.returncode, out.decode() if out else "", drawn.decode("utf-8", "replace")


def test_on_a_terminal_only_the_quote_reaches_stdout(index_dir, library):
    keys = [(b"1/2", b"\x0e"), (b"2/2", b"\r")]  # ctrl+n once the hits are shown, enter on the second
    status, out, drawn = _pick_on_a_pty(index_dir, keys, "Liu", "Haiqing")
    assert status == 0, drawn[-2000:]
    assert out == expected(library, library.search("Liu Haiqing").hits[1])
    assert "\x1b" not in out and "Jacque Rainey 2024" in drawn  # the picker drew on the terminal, not on stdout


def test_on_a_terminal_escape_prints_nothing(index_dir, library):
    status, out, _ = _pick_on_a_pty(index_dir, [(b"1/", b"\x1b")], "CAPS")
    assert status == 1 and out == ""


@pytest.mark.asyncio
async def test_no_color_shows_the_chosen_passage_reversed(library, monkeypatch):
    """Under NO_COLOR the highlighted passage is reversed in the terminal's own colours (a background colour alone
    would vanish), as in the reader."""
    from textual.geometry import Region

    monkeypatch.setenv("NO_COLOR", "1")
    app = make_pick(library)
    async with app.run_test(size=SIZE) as pilot:
        assert app.no_color
        await typed(pilot, "Liu Haiqing")
        hits = app.query_one("#pick-hits", OptionList)
        assert hits.highlighted == 0
        first = hits.render_lines(Region(0, 0, hits.size.width, 1))[0]
        assert first.text.strip() and all(seg.style and seg.style.reverse for seg in first if seg.text.strip())
        assert all(seg.style.bgcolor is None or seg.style.bgcolor.is_default for seg in first if seg.style)
