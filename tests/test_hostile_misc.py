"""Hostile sources, the rest: quotes and clipboards carry no controls, the quotes file's header is written once, a
quote --copy that could not be saved says so with exit 1, settings are written through a symlink with their comments,
writers clear killed writers' leftovers, and queries that were silently misread (stray operators, field wildcards,
pinyin typed a syllable at a time)."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from npf_tui.cli import main
from npf_tui.core.cite import clipboard
from npf_tui.core.errors import QuerySyntaxError
from npf_tui.core.search.index import ensure_index
from npf_tui.core.search.library import Library
from npf_tui.core.search.manifest import CURRENT_FILE, MANIFEST, current_generation
from npf_tui.core.settings import Settings, load_settings, save_settings
from npf_tui.core.text.controls import UNSAFE_RE
from npf_tui.core.text.textnorm import normalize

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
#: What a hostile page can hold: OSC 52 (sets the clipboard), the 8-bit CSI, a right-to-left override, and more.
HOSTILE = "Evil \x1b]52;c;ZWNobyBwd25lZA==\x07 then \x9b2J cleared, \u202eesrever\u202c, \x1b[31mred\x1b[0m \x7f\r end"


def _tiny_corpus(folder: Path, docs: dict[str, str]) -> Path:
    """A corpus folder of a few small Markdown documents ({doc_id: paragraph text})."""
    folder.mkdir(parents=True, exist_ok=True)
    for doc_id, text in docs.items():
        (folder / f"{doc_id}.md").write_text(
            f"---\ntitle: {doc_id}\nlanguage: en\n---\n\n{text}\n", encoding="utf-8", newline="\n"
        )
    return folder


# 1. quotes file and clipboards carry no controls ---------------------------------------------------------------
def test_copied_quote_reaches_no_file_or_clipboard_with_a_control(tmp_path):
    quotes = tmp_path / "quotes.md"
    local, terminal, sequences = [], [], []

    def write_osc52(text: str) -> None:
        """What the CLI's writer does (and the TUI's receives): the text, then the sequence sent to the terminal."""
        terminal.append(text)
        sequences.append(clipboard.osc52_sequence(text, env={}))

    report = clipboard.copy(
        HOSTILE,
        quotes_file=quotes,
        citation="Hostile, " + HOSTILE,
        source="doc \x1b]0;title\x07 ¶1",
        write_osc52=write_osc52,
        pyperclip_copy=local.append,
    )
    assert report.saved and report.pyperclip and report.osc52
    body = quotes.read_text(encoding="utf-8")
    assert not UNSAFE_RE.search(body)
    assert "␛]52;c;ZWNobyBwd25lZA==␇" in body and "<U+009B>2J" in body and "<U+202E>" in body  # made visible
    assert not UNSAFE_RE.search(local[0]) and not UNSAFE_RE.search(terminal[0])
    (sequence,) = sequences
    # npf's own sequence is well formed: ESC ] 52 ; c ; base64 BEL, and nothing else is a control.
    assert re.fullmatch(r"\x1b\]52;c;[A-Za-z0-9+/=]+\x07", sequence)
    decoded = base64.b64decode(sequence[len("\x1b]52;c;") : -1]).decode("utf-8")
    assert decoded == local[0] and not UNSAFE_RE.search(decoded) and "esrever" in decoded


def test_osc52_sequence_makes_its_payload_safe_and_stays_well_formed():
    for env in ({}, {"TMUX": "/tmp/t,1,0"}):
        sequence = clipboard.osc52_sequence(HOSTILE, env=env)
        assert re.fullmatch(r"\x1b\]52;c;[A-Za-z0-9+/=]+\x07", sequence)
        assert not UNSAFE_RE.search(base64.b64decode(sequence[7:-1]).decode("utf-8"))
    screen = clipboard.osc52_sequence(HOSTILE, env={"STY": "1.pts"})
    assert re.fullmatch(r"\x1bP\x1b\]52;c;[A-Za-z0-9+/=]+\x07\x1b\\", screen)


def test_append_quote_makes_any_entry_safe(tmp_path):
    quotes = tmp_path / "quotes.md"
    clipboard.append_quote(quotes, "## raw entry\n\n> " + HOSTILE + "\n\n")
    assert not UNSAFE_RE.search(quotes.read_text(encoding="utf-8"))


def test_quote_copy_of_a_document_with_raw_escapes_writes_no_control(tmp_path, monkeypatch, capsys):
    """A document already in a corpus with raw escapes: whatever the loader leaves, the quote that `npf quote --copy`
    saves and copies holds none (the quote is given raw escapes here, after loading, to test this path alone)."""
    import dataclasses

    from npf_tui.core.cite import quotes as quotes_mod

    corpus = _tiny_corpus(tmp_path / "corpus", {"hostile": "Walrus policy. " + HOSTILE})
    quotes = tmp_path / "quotes.md"
    config = tmp_path / "config.toml"
    config.write_text(f"quotes_file = '{quotes}'\n", encoding="utf-8")
    monkeypatch.setenv("NPF_CONFIG", str(config))
    real = quotes_mod.make_quote

    def raw_quote(*args, **kwargs):
        quote = real(*args, **kwargs)
        return dataclasses.replace(quote, formatted=quote.formatted + HOSTILE, reference=quote.reference + HOSTILE)

    monkeypatch.setattr(quotes_mod, "make_quote", raw_quote)
    sent: list[str] = []
    monkeypatch.setattr(
        "npf_tui.core.cite.clipboard.terminal_osc52_writer",
        lambda: lambda text: sent.append(clipboard.osc52_sequence(text)),
    )
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    status = main(["--corpus", str(corpus), "--index", str(tmp_path / "idx"), "quote", "--copy", "walrus"])
    _, err = capsys.readouterr()
    assert status == 0, err
    body = quotes.read_text(encoding="utf-8")
    assert "Walrus" in body and "␛]52;c;" in body and not UNSAFE_RE.search(body)
    (sequence,) = sent
    assert re.fullmatch(r"\x1b\]52;c;[A-Za-z0-9+/=]+\x07", sequence)
    payload = base64.b64decode(sequence[7:-1]).decode("utf-8")
    assert "Walrus" in payload and "␛]52;c;" in payload and not UNSAFE_RE.search(payload)


class _GuardedTerminal:
    """A stdout like the command line's: a terminal whose text writes have every escape made visible."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def write(self, text: str) -> int:
        os.write(self.fd, UNSAFE_RE.sub("?", text).encode("utf-8"))
        return len(text)

    def isatty(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.fd

    def flush(self) -> None:
        pass


def test_osc52_through_stdout_is_sent_whole_past_the_output_guard(monkeypatch):
    """Without /dev/tty (some containers) the sequence goes to stdout: to its descriptor, not through the guard."""

    def no_tty(path, *args, **kwargs):
        if str(path) == "/dev/tty":
            raise OSError(6, "No such device or address")
        return open(path, *args, **kwargs)

    monkeypatch.setattr(clipboard, "open", no_tty, raising=False)
    read_fd, write_fd = os.pipe()
    try:
        monkeypatch.setattr(sys, "stdout", _GuardedTerminal(write_fd))
        writer = clipboard.terminal_osc52_writer()
        assert writer is not None
        writer("quote " + HOSTILE)
        os.close(write_fd)
        sent = os.read(read_fd, 1 << 20).decode("ascii")
    finally:
        os.close(read_fd)
    assert re.fullmatch(r"\x1b\]52;c;[A-Za-z0-9+/=]+\x07", sent)
    assert not UNSAFE_RE.search(base64.b64decode(sent[7:-1]).decode("utf-8"))


# 2. the quotes file's header, once --------------------------------------------------------------------------------
def _check_quotes(path: Path, expected: set[str]) -> None:
    """Exactly one header, at the top, and every expected quote once."""
    body = path.read_text(encoding="utf-8")
    assert body.count(clipboard.QUOTES_HEADER.strip()) == 1 and body.startswith(clipboard.QUOTES_HEADER)
    found = re.findall(r"^> (q-\S+)$", body, flags=re.M)
    assert sorted(found) == sorted(expected)


def test_concurrent_first_copies_from_threads_write_one_header(tmp_path):
    for round_ in range(5):
        quotes = tmp_path / f"round{round_}" / "quotes.md"
        start = threading.Barrier(8)

        def take(n: int, quotes: Path = quotes, start: threading.Barrier = start) -> None:
            start.wait()
            for k in range(3):
                clipboard.append_quote(quotes, clipboard.quote_entry(f"q-{n}-{k}", ""))

        threads = [threading.Thread(target=take, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        _check_quotes(quotes, {f"q-{n}-{k}" for n in range(8) for k in range(3)})


_TAKER = """
import sys, time
from pathlib import Path
from npf_tui.core.cite import clipboard
go, quotes, name = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
while not go.exists():
    time.sleep(0.001)
for k in range(5):
    clipboard.append_quote(quotes, clipboard.quote_entry(f"q-{name}-{k}", "cite"))
"""


def test_concurrent_first_copies_from_processes_write_one_header(tmp_path):
    for round_ in range(3):
        go = tmp_path / f"go{round_}"
        quotes = tmp_path / f"round{round_}" / "quotes.md"
        procs = [
            subprocess.Popen([sys.executable, "-c", _TAKER, str(go), str(quotes), f"p{n}"], cwd=ROOT) for n in range(4)
        ]
        time.sleep(0.5)  # let them all import and wait on the start file
        go.touch()
        assert all(proc.wait(timeout=60) == 0 for proc in procs)
        _check_quotes(quotes, {f"q-p{n}-{k}" for n in range(4) for k in range(5)})


# 3. npf quote --copy into an unusable quotes file --------------------------------------------------------------
@pytest.fixture()
def quote_run(index_dir, tmp_path, monkeypatch, capsys):
    """Run npf on the bundled corpus with a settings file naming `quotes` as the quotes file."""

    def _run(quotes: Path, *argv: str):
        config = tmp_path / "config.toml"
        config.write_text(f"quotes_file = '{quotes}'\n", encoding="utf-8")
        monkeypatch.setenv("NPF_CONFIG", str(config))
        status = main(["--corpus", str(DATA), "--index", str(index_dir), *argv])
        out, err = capsys.readouterr()
        return status, out, err

    monkeypatch.setattr("npf_tui.core.cite.clipboard.terminal_osc52_writer", lambda: lambda text: None)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    return _run


def test_quote_copy_that_cannot_be_saved_exits_1_with_one_line(quote_run, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    status, out, err = quote_run(blocker / "quotes.md", "quote", "--copy", "Harbin")
    assert status == 1
    assert "Harbin" in out  # the quote is still printed (and reached the terminal clipboard)
    assert err.count("\n") == 1 and err.startswith("npf: error: quote not saved in ")
    assert "terminal clipboard (OSC 52)" in err and "Traceback" not in err


def test_quote_copy_json_that_cannot_be_saved_exits_1(quote_run, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    status, out, err = quote_run(blocker / "quotes.md", "quote", "--copy", "--json", "Harbin")
    assert status == 1 and json.loads(out)["copy"]["saved"] is False
    assert err.startswith("npf: error: quote not saved") and err.count("\n") == 1


def test_quote_copy_saved_without_any_clipboard_still_exits_0(quote_run, tmp_path, monkeypatch):
    monkeypatch.setattr("npf_tui.core.cite.clipboard.terminal_osc52_writer", lambda: None)
    status, _, err = quote_run(tmp_path / "quotes.md", "quote", "--copy", "Harbin")
    assert status == 0 and "saved in" in err and "error" not in err


# 4. settings through a symlink, comments kept --------------------------------------------------------------------
CONFIG_WITH_COMMENTS = """\
# npf settings, kept in my dotfiles
# (see the README)

default_style = "mla"   # the journal wants MLA
default_format = 'markdown'

# where quotes go
quotes_file = "~/notes/quotes.md"
my_other_tool = 3

[colours]
# a table of another program
accent = "red"
"""


@pytest.mark.parametrize("relative", [False, True])
def test_settings_saved_through_a_symlink_keep_the_link_and_the_comments(tmp_path, relative):
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    target = dotfiles / "npf.toml"
    target.write_text(CONFIG_WITH_COMMENTS, encoding="utf-8")
    os.chmod(target, 0o600)
    config_home = tmp_path / "config"
    config_home.mkdir()
    link = config_home / "config.toml"
    link.symlink_to(os.path.relpath(target, config_home) if relative else target)
    settings = load_settings(link)
    settings.default_style = "apa"
    assert save_settings(settings, link) == link
    assert link.is_symlink() and link.resolve() == target.resolve()
    text = target.read_text(encoding="utf-8")
    expected = CONFIG_WITH_COMMENTS.replace('"mla"   # the journal', '"apa"   # the journal')
    assert text == expected  # only the value changed: every comment, blank line and other key where it was
    assert load_settings(link).default_style == "apa"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in dotfiles.iterdir()] == ["npf.toml"]  # no temporary file left beside it


def test_settings_saved_from_the_reader_follow_the_link(tmp_path, monkeypatch):
    """The reader saves with no path: the NPF_CONFIG / config.toml path, a link here."""
    target = tmp_path / "real.toml"
    target.write_text("# mine\ndefault_style = 'mla'\n", encoding="utf-8")
    link = tmp_path / "config.toml"  # the NPF_CONFIG of the autouse fixture
    link.symlink_to(target)
    save_settings(Settings(default_style="apa"))
    assert link.is_symlink()
    text = target.read_text(encoding="utf-8")
    assert text.startswith('# mine\ndefault_style = "apa"\n')
    assert load_settings() == Settings(default_style="apa")


def test_settings_new_keys_go_above_the_first_table_and_its_comments(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("# top\n\n# colours of another tool\n[colours]\naccent = 'red'\n", encoding="utf-8")
    save_settings(Settings(default_style="apa"), path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith('# top\n\ndefault_style = "apa"\n')
    assert text.endswith("\n\n# colours of another tool\n[colours]\naccent = 'red'\n")
    assert load_settings(path) == Settings(default_style="apa")


def test_settings_with_a_multiline_value_are_still_saved(tmp_path):
    """A layout the line editor does not take is written out whole: values kept, only comments lost."""
    path = tmp_path / "c.toml"
    path.write_text('note = """\nquotes_file = "trap"\n"""\n# c\ndefault_style = "mla"\n', encoding="utf-8")
    save_settings(Settings(default_style="apa"), path)
    assert load_settings(path) == Settings(default_style="apa")
    from npf_tui.core.settings import tomllib  # tomli before Python 3.11

    assert tomllib.loads(path.read_text(encoding="utf-8"))["note"] == 'quotes_file = "trap"\n'


# 5. killed writers' leftovers go with the next writer -------------------------------------------------------------
def test_next_update_removes_old_generations_and_temporary_files(tmp_path):
    corpus = _tiny_corpus(tmp_path / "corpus", {"one": "The walrus sleeps.", "two": "The narwhal swims."})
    index = tmp_path / "idx"
    live, _, _ = ensure_index(corpus, index)
    # What SIGKILLed writers leave: complete generations no longer live, a build cut short (no manifest yet), the
    # temporary files of atomic writes.
    older, before = index / "gen-20000101000000-1-1", index / "gen-20000101000001-1-2"
    for n, gen in enumerate((older, before)):
        shutil.copytree(live, gen)
        os.utime(gen / MANIFEST, ns=(10**18 + n, 10**18 + n))  # `before` was live last
    killed = index / "gen-20990101000000-9-9"
    killed.mkdir()
    (killed / "MAIN_abc.seg").write_bytes(b"\0" * 1000)
    stale = [index / f".{CURRENT_FILE}.x1y2.tmp", live / f".{MANIFEST}.k3j4.tmp"]
    for path in stale:
        path.write_text("half", encoding="utf-8")

    (corpus / "three.md").write_text("---\ntitle: three\n---\n\nThe dugong grazes.\n", encoding="utf-8")
    gen, manifest, _ = ensure_index(corpus, index)  # an incremental update, not a build

    assert gen == live and current_generation(index) == live and "three" in manifest.docs
    gens = sorted(p.name for p in index.iterdir() if p.name.startswith("gen-"))
    assert gens == sorted([live.name, before.name])  # the live one and the one before it
    assert not any(path.exists() for path in stale)
    lib = Library.open(corpus, index)
    try:
        assert [h.doc_id for h in lib.search("dugong").hits] == ["three"]
        assert [h.doc_id for h in lib.search("walrus").hits] == ["one"]
    finally:
        lib.close()


def test_an_up_to_date_open_takes_no_lock_and_leaves_folders_alone(tmp_path):
    """Only writers clean: an open that finds the index current writes nothing (readers never wait)."""
    corpus = _tiny_corpus(tmp_path / "corpus", {"one": "The walrus sleeps."})
    index = tmp_path / "idx"
    ensure_index(corpus, index)
    extra = index / "gen-20000101000000-1-1"
    extra.mkdir()
    ensure_index(corpus, index)
    assert extra.exists()


# 6. queries ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("query", ["AND OR NOT", "AND", "OR", "NOT", "a AND", "OR xi", "xi OR OR economy", "xi NOT"])
def test_stray_operators_are_searched_as_plain_words_with_a_notice(library, query):
    compiled = library.compile(query)
    assert compiled.notice == "query syntax not understood; searched as plain words"
    result = library.search(query, limit=5)
    assert result.notice == compiled.notice


def test_only_operators_search_the_words(library):
    result = library.search("AND OR NOT", limit=100, exact=True)
    assert result.total > 0 and result.notice
    for hit in result.hits:
        words = set(re.findall(r"\w+", hit.text.lower()))
        assert {"and", "or", "not"} <= words


@pytest.mark.parametrize(
    "query",
    [
        "xi AND economy",
        "xi OR economy",
        "NOT xi",
        "-xi economy",
        "xi AND NOT economy",
        "(xi OR Li) AND economy",
        '"AND"',
    ],
)
def test_operators_in_place_give_no_notice(library, query):
    assert library.compile(query).notice == ""


def test_stray_operators_through_the_cli(index_dir, capsys):
    status = main(["--corpus", str(DATA), "--index", str(index_dir), "search", "AND OR NOT"])
    out, _ = capsys.readouterr()
    assert status == 0 and "note: query syntax not understood; searched as plain words" in out
    status = main(["--corpus", str(DATA), "--index", str(index_dir), "search", "((("])
    _, err = capsys.readouterr()
    assert status == 2 and err.startswith("npf: error: nothing to search for")


def _docs_whose_title(library, word_matches) -> set[str]:
    """Documents with a title word (folded) that satisfies `word_matches`."""
    return {
        doc_id
        for doc_id, entry in library.catalog.items()
        if any(word_matches(w) for w in re.findall(r"\w+", normalize(entry.meta.get("title", ""))))
    }


@pytest.mark.parametrize(
    ("query", "test"),
    [
        ("title:*o*", lambda w: "o" in w),
        ("title:*ing", lambda w: w.endswith("ing")),
        ("title:xi*s", lambda w: w.startswith("xi") and w.endswith("s")),
        ("title:n?w", lambda w: len(w) == 3 and w[0] == "n" and w[2] == "w"),
        ("title:*新质*", lambda w: "新质" in w),
    ],
)
def test_field_wildcards_match_title_words(library, query, test):
    expected = _docs_whose_title(library, test)
    assert expected  # the bundled corpus has such titles
    result = library.search(query, limit=1000)
    assert {h.doc_id for h in result.hits} == expected


def test_wildcards_on_doc_and_lang_and_a_clear_message_on_published(library):
    ids = {h.doc_id for h in library.search("doc:*quality*", limit=1000).hits}
    assert ids == {d for d in library.catalog if "quality" in d}
    assert library.search("lang:z*", limit=1000).total == library.search("lang:zh", limit=1000).total > 0
    with pytest.raises(QuerySyntaxError, match=r"^published:\*-05: no wildcards on published:"):
        library.search("published:*-05")


@pytest.mark.parametrize(
    "query", ["xin zhi sheng chan li", "Xin Zhi Sheng Chan Li", "xīn zhì shēng chǎn lì", "xin zhi shengchanli"]
)
def test_pinyin_syllables_typed_apart_are_read_together(library, query):
    together = library.search("xinzhi shengchanli", limit=100, exact=True)
    result = library.search(query, limit=100, exact=True)
    assert result.total > 0 and result.total == together.total == 5
    assert "新质生产力" in result.expanded  # shown under "also searched"
    for hit in result.hits:
        assert any(normalize(hit.text[s.start : s.end]) == "新质生产力" for s in hit.spans)


def test_names_typed_a_syllable_at_a_time(library):
    result = library.search("liu hai qing", limit=100, exact=True)
    assert "刘海清" in result.expanded and result.total > 0
    assert all("刘海清" in normalize(h.text) for h in result.hits)


@pytest.mark.parametrize("query", ["an wang", "he made a long", "made in china", "china xi", "a long men"])
def test_english_words_of_the_corpus_are_not_read_as_pinyin(library, query):
    compiled = library.compile(query, exact=True)
    assert not compiled.literals.han and not compiled.expanded


def test_pinyin_runs_in_a_long_query_stay_fast(library):
    query = " ".join(["xin zhi sheng chan li"] * 90)  # 1,979 characters, 450 syllables
    started = time.perf_counter()
    result = library.search(query, limit=10)
    assert time.perf_counter() - started < 2.0 and result.total > 0


@pytest.mark.parametrize(
    ("question", "plain"),
    [("What is Xi's economic thought?", "What is Xi's economic thought"), ("新质生产力？", "新质生产力")],
)
def test_a_question_mark_ending_a_word_is_punctuation_not_a_wildcard(library, question, plain):
    """A pasted question found nothing: Whoosh read its final '?' as a one-character wildcard."""
    asked, stated = library.search(question, limit=100), library.search(plain, limit=100)
    assert asked.total == stated.total > 0
    assert [(h.doc_id, h.paragraph) for h in asked.hits] == [(h.doc_id, h.paragraph) for h in stated.hits]


def test_a_question_mark_inside_a_word_is_still_a_wildcard(library):
    assert library.search("Shen?hen").total == library.search("Shenzhen").total > 0
