"""Terminal edge cases and the quotes file: no escape codes without colour, SIGHUP leaves nothing locked, the TUI
survives 40x12, and quotes are appended durably, never truncated, failures reported (issue 7)."""

from __future__ import annotations

import errno
import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from npf_tui.core.cite import clipboard
from npf_tui.core.search.index import write_lock

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


def run_on_pty(args: list[str], env: dict[str, str], timeout: float = 60) -> str:
    """Run `npf args` with its stdout and stderr on a pseudo-terminal (so isatty() is true); all it wrote."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "npf_tui.cli", *args],
        stdout=slave,
        stderr=slave,
        stdin=subprocess.DEVNULL,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    chunks = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    proc.wait(timeout=10)
    os.close(master)
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.fixture(scope="module")
def cli_args(tmp_path_factory):
    """Global options: the bundled corpus with an index in a temporary folder (built once)."""
    from npf_tui.core.search.library import Library

    index = tmp_path_factory.mktemp("term-idx")
    Library.open(DATA, index).close()
    return ["--corpus", str(DATA), "--index", str(index)]


@pytest.mark.parametrize("setting", [{"NO_COLOR": "1"}, pytest.param({"TERM": "dumb"}, marks=pytest.mark.slow)])
def test_no_escape_codes_without_colour(cli_args, setting):
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM")}
    env["TERM"] = "xterm-256color"
    env.update(setting)
    for command in (["search", "新质生产力"], ["docs"], ["show", "1", "--para", "2"]):
        out = run_on_pty([*cli_args, *command], env)
        assert out.strip() and "\x1b" not in out, (command, out[:300])


def test_index_progress_has_no_escape_codes_on_a_dumb_terminal(tmp_path):
    env = {**os.environ, "TERM": "dumb"}
    out = run_on_pty(["--corpus", str(DATA), "--index", str(tmp_path / "idx"), "index", "--rebuild"], env)
    assert "index up to date" in out and "\x1b" not in out


def test_colour_appears_on_a_capable_terminal(cli_args):
    """The control for the test above: on the same pty without NO_COLOR, colour codes are there."""
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env["TERM"] = "xterm-256color"
    assert "\x1b[" in run_on_pty([*cli_args, "search", "新质生产力"], env)


def test_sighup_of_a_writing_cli_leaves_no_held_lock(tmp_path):
    import shutil

    corpus = tmp_path / "corpus"
    shutil.copytree(DATA, corpus)
    index = tmp_path / "idx"
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "npf_tui.cli", "--corpus", str(corpus), "--index", str(index), "index", "--rebuild"],
        stdout=slave,
        stderr=slave,
        stdin=slave,
        start_new_session=True,
    )
    os.close(slave)
    deadline = time.monotonic() + 30
    while not (index / ".lock").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)
    os.close(master)  # the terminal goes away …
    proc.send_signal(signal.SIGHUP)  # … and the session leader is told
    proc.wait(timeout=30)
    started = time.monotonic()
    with write_lock(index, wait=1.0):
        pass
    assert time.monotonic() - started < 0.5


# -- the terminal reader ---------------------------------------------------------------------------------------------
ui_app = pytest.importorskip("npf_tui.ui.app", reason="the terminal reader is not there yet")


@pytest.mark.asyncio
async def test_tui_survives_resizing_to_40x12_and_back(library):
    from textual.widgets import Input

    app = ui_app.NpfApp(library=library, timings=False, debounce=0.05, auto_refresh=False)
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(100):
            await pilot.pause(0.05)
            if app.library is not None:
                break
        query = app.search_screen.query_one("#query", Input)
        query.value = "新质生产力"
        await pilot.press("enter")
        await pilot.pause(0.3)
        for size in [(40, 12), (20, 6), (40, 12), (200, 60), (100, 30), (40, 12)]:
            await pilot.resize_terminal(*size)
            await pilot.pause(0.1)
            assert app.is_running
        await pilot.press("down", "enter")
        await pilot.pause(0.3)
        await pilot.resize_terminal(40, 12)
        await pilot.pause(0.1)
        await pilot.press("j", "j", "k")
        await pilot.resize_terminal(100, 30)
        await pilot.pause(0.1)
        assert app.is_running and app.return_code in (None, 0)


def test_tui_sighup_leaves_no_held_lock(tmp_path):
    import shutil

    corpus = tmp_path / "corpus"
    shutil.copytree(DATA, corpus)
    index = tmp_path / "idx"
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"}
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "npf_tui.cli", "--corpus", str(corpus), "--index", str(index)],
        stdout=slave,
        stderr=slave,
        stdin=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline and not (index / "CURRENT").exists():  # it is building the index
        select.select([master], [], [], 0.1)
        try:
            os.read(master, 65536)
        except OSError:
            break
    assert (index / "CURRENT").exists()
    os.close(master)
    proc.send_signal(signal.SIGHUP)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail("the reader did not exit on SIGHUP")
    started = time.monotonic()
    with write_lock(index, wait=1.0):
        pass
    assert time.monotonic() - started < 0.5
    assert not [p for p in index.iterdir() if p.name.endswith(".tmp")]


# -- the quotes file -------------------------------------------------------------------------------------------------
def test_quotes_are_appended_flushed_and_fsynced(tmp_path, monkeypatch):
    path = tmp_path / "notes" / "quotes.md"
    synced = []
    real_fsync = os.fsync

    def fsync(fd):
        synced.append(os.fstat(fd).st_size)
        return real_fsync(fd)

    monkeypatch.setattr(clipboard.os, "fsync", fsync)
    first = clipboard.copy("First quote.", quotes_file=path, citation="A, 2024", use_pyperclip=False)
    assert first.saved and synced and synced[-1] == path.stat().st_size  # everything written was on disk
    before = path.read_bytes()
    second = clipboard.copy("第二段引文。", quotes_file=path, citation="B, 2024", use_pyperclip=False)
    after = path.read_bytes()
    assert second.saved and after.startswith(before) and "第二段引文" in after.decode("utf-8")
    assert synced[-1] == len(after)


def test_quotes_file_is_never_truncated_even_when_writing_fails(tmp_path, monkeypatch):
    path = tmp_path / "quotes.md"
    path.write_text("# my quotes\n\nprecious old quote\n", encoding="utf-8")
    before = path.read_bytes()

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(clipboard.os, "fsync", full)
    report = clipboard.copy("New quote.", quotes_file=path, use_pyperclip=False)
    assert not report.saved and "No space left on device" in report.save_error
    assert "quotes file not written" in report.summary()
    assert path.read_bytes().startswith(before)  # the old quotes are all still there


def test_unwritable_quotes_file_is_reported_not_raised(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    report = clipboard.copy("Quote.", quotes_file=blocker / "quotes.md", use_pyperclip=False)  # parent is a file
    assert not report.saved and report.save_error and "\n" not in report.summary()


@pytest.mark.slow
def test_concurrent_appends_keep_every_quote(tmp_path):
    path = tmp_path / "quotes.md"
    code = (
        "import sys; from pathlib import Path; from npf_tui.core.cite.clipboard import copy\n"
        "for i in range(40):\n"
        "    copy(f'{sys.argv[1]} quote {i} ' + 'x' * 3000, quotes_file=Path(sys.argv[2]), use_pyperclip=False)\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", code, name, str(path)]) for name in ("alpha", "beta")]
    assert [p.wait(timeout=60) for p in procs] == [0, 0]
    text = path.read_text(encoding="utf-8")
    for name in ("alpha", "beta"):
        for i in range(40):
            assert f"> {name} quote {i} " + "x" * 3000 + "\n" in text
