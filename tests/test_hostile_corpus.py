"""One bad file never takes the library down: an impossible date or a "billion laughs" in one hand-edited document's
front matter skips that document, named, in well under a second, and everything else works."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from npf_tui.core.errors import CorpusError
from npf_tui.core.sources.corpus import MAX_FRONT_MATTER_CHARS, load_document, split_front_matter

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"

#: Nine levels of nine aliases: 9**9 (387 million) strings once expanded, from 400 bytes of YAML.
LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)
LAUGHS += "title: *i\n"


@pytest.mark.parametrize(
    "value",
    ["2024-02-30", "2024-13-45", "2016-12-31T23:59:60Z", "2024-02-29 25:61:00", "0000-00-00"],
)
def test_impossible_dates_are_kept_as_written(tmp_path, value):
    path = tmp_path / "dated.md"
    path.write_text(f"---\ntitle: Dated\npublished: {value}\n---\n\nText.\n", encoding="utf-8")
    assert load_document(path).published == value


def test_real_dates_read_as_before(tmp_path):
    path = tmp_path / "dated.md"
    path.write_text("---\ntitle: Dated\npublished: 2024-05-20\n---\n\nText.\n", encoding="utf-8")
    assert load_document(path).published == "2024-05-20"


def test_billion_laughs_is_refused_at_once():
    assert len(LAUGHS) < 500
    started = time.perf_counter()
    with pytest.raises(CorpusError, match="aliases"):
        split_front_matter(f"---\n{LAUGHS}---\n\nbody\n")
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize(
    ("front", "message"),
    [
        ("x: " + "y" * (MAX_FRONT_MATTER_CHARS + 1), "too large"),
        ("x: " + "[" * 40 + "]" * 40, "nested"),
        ("\n".join(f"k{i}: v" for i in range(3000)), "too large"),
        ("x: !!float zz", "cannot be read"),
        ("x: &a 1\ny: *a", "aliases"),
    ],
)
def test_front_matter_bounds_give_one_line(front, message):
    with pytest.raises(CorpusError, match=message) as info:
        split_front_matter(f"---\n{front}\n---\n\nbody\n")
    assert "\n" not in str(info.value)


def npf(corpus: Path, index: Path, *args: str) -> subprocess.CompletedProcess:
    """Run npf on a corpus as a process."""
    return subprocess.run(
        [sys.executable, "-m", "npf_tui.cli", "--corpus", str(corpus), "--index", str(index), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("name", "front", "reason"),
    [
        ("impossible-date.md", "title: Leap\npublished: 2024-02-30\n", None),
        ("laughs.md", LAUGHS, "aliases"),
        ("bad-value.md", "title: !!int nope\n", "cannot be read"),
    ],
)
def test_one_bad_document_never_takes_the_library_down(tmp_path, name, front, reason):
    corpus = tmp_path / "corpus"
    shutil.copytree(DATA, corpus)
    (corpus / name).write_text(f"---\n{front}---\n\nA zebrafinch sings here.\n", encoding="utf-8")
    index = tmp_path / "index"
    started = time.perf_counter()
    for args in (["index"], ["index", "--rebuild"], ["docs"], ["search", "Xi"], ["entities"]):
        proc = npf(corpus, index, *args)
        assert proc.returncode == 0, (args, proc.stderr)
        assert "Traceback" not in proc.stderr
        if reason:
            assert name in proc.stderr and reason in proc.stderr, (args, proc.stderr)
    assert time.perf_counter() - started < 60
    docs = npf(corpus, index, "docs", "--json")
    ids = [d["doc_id"] for d in __import__("json").loads(docs.stdout)]
    assert ("impossible-date" in ids) == (reason is None) and "rainey-2024-new-catch-phrase" in ids
    if reason is None:
        assert npf(corpus, index, "search", "zebrafinch", "--json").stdout.count('"doc_id"') == 1
        shown = npf(corpus, index, "show", "impossible-date")
        assert shown.returncode == 0 and "2024-02-30" in shown.stdout
    else:
        shown = npf(corpus, index, "show", Path(name).stem)
        # the skip notice says why, then the one-line error says the document is not there
        lines = shown.stderr.strip().splitlines()
        assert shown.returncode == 1 and reason in lines[0] and all(line.startswith("npf: ") for line in lines)


def test_glossary_names_are_made_safe(tmp_path):
    from npf_tui.core.glossary import load_glossary
    from npf_tui.core.text.controls import UNSAFE_RE

    (tmp_path / "glossary.toml").write_text(
        '[[entity]]\nen = "Evil \\u001b]52;c;cm0=\\u0007 Name"\nzh = "\\u202e中文"\naliases = ["\\u009b2J"]\n',
        encoding="utf-8",
    )
    (entry,) = load_glossary(tmp_path)
    for text in (entry.id, entry.en, entry.zh, *entry.aliases):
        assert UNSAFE_RE.search(text) is None
    assert entry.en.startswith("Evil ␛]52")
