"""`npf note`, `npf notes` (list, search, export, rm, edit), `npf tag`, `npf status`, `npf tags` end to end, through
`npf_tui.cli.main` on a copy of the bundled corpus (XDG folders isolated per test by conftest)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from npf_tui.cli import main
from npf_tui.core.cite.citation import bibliography_entry, in_text
from npf_tui.core.sources.corpus import load_corpus
from npf_tui.core.text.sentences import split_sentences

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
DOCS = {d.doc_id: d for d in load_corpus(DATA)}
EN = DOCS["rainey-2024-new-catch-phrase"]
ANNOTATION_KEYS = {
    "id", "doc_id", "kind", "paragraph", "start", "end", "exact", "prefix", "suffix", "note", "tags", "anchor",
    "created", "modified",
}  # fmt: skip


def npf(capsys, corpus: Path, *args: str) -> tuple[int, str, str]:
    """Run `npf --corpus CORPUS ARGS` in-process: (exit status, stdout, stderr)."""
    status = main(["--corpus", str(corpus), *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_note_variants_and_listing(capsys, corpus_copy, tmp_path):
    status, out, err = npf(capsys, corpus_copy, "note", "rainey", "--para", "3", "--sentence", "1", "-m", "loyalty",
                           "-t", "slogan", "-t", "politics")  # fmt: skip
    assert status == 0 and err == ""
    sentence_id = out.strip()
    assert len(sentence_id) == 12
    # --quote: found folded (case, spacing) and stored as the document's own text.
    para7 = EN.paragraph(7)
    at = para7.index("新质生产力")
    status, out, _ = npf(capsys, corpus_copy, "note", EN.doc_id, "-p", "7", "--quote", "新质 生产力", "--json")
    quoted = json.loads(out)
    assert status == 0 and set(quoted) == ANNOTATION_KEYS
    assert (quoted["start"], quoted["end"], quoted["exact"]) == (at, at + 5, "新质生产力")
    status, out, _ = npf(capsys, corpus_copy, "note", "rainey", "-p", "4", "--span", "0:12", "--json")
    assert json.loads(out)["exact"] == EN.paragraph(4)[:12].strip() and json.loads(out)["kind"] == "span"
    status, out, _ = npf(capsys, corpus_copy, "note", "rainey", "-p", "5", "--json")
    assert json.loads(out)["kind"] == "paragraph"

    status, out, _ = npf(capsys, corpus_copy, "notes", "--json")
    rows = json.loads(out)
    assert status == 0 and len(rows) == 4 and [r["paragraph"] for r in rows] == [3, 4, 5, 7]
    assert all(r["anchor"] == "anchored" for r in rows)
    sentence = split_sentences(EN.paragraph(3))[0].text
    assert rows[0]["exact"] == sentence and rows[0]["tags"] == ["slogan", "politics"] and rows[0]["note"] == "loyalty"
    status, out, _ = npf(capsys, corpus_copy, "notes", "loyalty")
    assert status == 0 and out.startswith(f"{sentence_id}  {EN.doc_id} ¶3  [sentence]")
    assert "note: loyalty" in out and "tags: #slogan #politics" in out
    status, out, _ = npf(capsys, corpus_copy, "notes", "生产力", "--json")
    assert [r["id"] for r in json.loads(out)] == [quoted["id"]]
    status, out, _ = npf(capsys, corpus_copy, "notes", "--tag", "politics", "--doc", "rainey", "--json")
    assert [r["id"] for r in json.loads(out)] == [sentence_id]
    status, out, err = npf(capsys, corpus_copy, "notes", "zzzunmatched")
    assert status == 1 and out == "" and "no annotation matches" in err
    status, out, _ = npf(capsys, corpus_copy, "notes", "--json", "--", "-kind:paragraph", "-kind:paragraph")
    assert sorted(r["kind"] for r in json.loads(out)) == ["sentence", "span", "span"]

    # Stored in the user's data folder for this corpus, nowhere near the corpus or the repo.
    assert list((tmp_path / "xdg-data").rglob("annotations.sqlite3"))
    assert not list(corpus_copy.rglob("*.sqlite3"))


def test_edit_rm_and_export(capsys, corpus_copy, tmp_path):
    ids = []
    for para in ("9", "3"):
        status, out, _ = npf(capsys, corpus_copy, "note", "rainey", "-p", para, "-t", "draft")
        ids.append(out.strip())
    status, out, _ = npf(capsys, corpus_copy, "notes", "edit", ids[0][:7], "--note", "key claim", "--add-tag", "core",
                         "--remove-tag", "draft", "--json")  # fmt: skip
    edited = json.loads(out)
    assert status == 0 and edited["note"] == "key claim" and edited["tags"] == ["core"]
    status, out, _ = npf(capsys, corpus_copy, "notes", "edit", ids[1], "--tag", "a", "--tag", "b", "--json")
    assert json.loads(out)["tags"] == ["a", "b"]

    target = tmp_path / "out" / "notes.md"
    target.parent.mkdir()
    status, out, err = npf(capsys, corpus_copy, "notes", "export", "--tag", "core", "--style", "apa", "-o", str(target))
    assert status == 0 and out == "" and "1 annotation written" in err
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# Annotations: tag core\n")
    assert f"> {EN.paragraph(9).strip().splitlines()[0].strip()}" in text
    assert f"— {in_text(EN, 'apa', paragraph=9).markdown}" in text and "**Note:** key claim" in text
    assert f"- {bibliography_entry(EN, 'apa').markdown}" in text.split("## References")[1]
    status, out, _ = npf(capsys, corpus_copy, "notes", "export", "--doc", "rainey")
    assert status == 0
    assert out.index(EN.paragraph(3)[:40]) < out.index(EN.paragraph(9)[:40])  # paragraph order
    status, out, _ = npf(capsys, corpus_copy, "notes", "export", "--json", "-s", "mla")
    data = json.loads(out)
    assert data["style"] == "mla" and data["count"] == 2 and data["markdown"].startswith("# Annotations")

    status, out, _ = npf(capsys, corpus_copy, "notes", "rm", ids[1], "--json")
    assert status == 0 and json.loads(out)["removed"]["id"] == ids[1]
    status, out, _ = npf(capsys, corpus_copy, "notes", "--json")
    assert [r["id"] for r in json.loads(out)] == [ids[0]]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["note", "rainey", "-p", "999"], "has 34 paragraphs"),
        (["note", "nosuchdoc", "-p", "1"], "no document 'nosuchdoc'"),
        (["note", "rainey", "-p", "3", "--quote", "not in this paragraph at all"], "does not contain"),
        (["note", "rainey", "-p", "3", "--sentence", "99"], "sentences"),
        (["note", "rainey", "-p", "3", "--span", "0:100000"], "not inside"),
        (["notes", "rm", "ffffffffffff"], "no annotation 'ffffffffffff'"),
        (["notes", "rm"], "takes one annotation id"),
        (["notes", "edit", "abc"], "needs --note"),
        (["notes", "--style", "apa"], "--style cannot be used with 'npf notes'"),
        (["notes", "tag:"], "'tag:' needs a value"),
        (["notes", "export", "--style", "nosuchstyle"], "nosuchstyle"),
        (["tag", "rainey", "method"], "+TAG or -TAG"),
        (["tag", "rainey", "+"], "empty tag"),
        (["status", "nosuchdoc", "read"], "no document"),
    ],
)
def test_bad_input_is_one_line_and_nonzero(capsys, corpus_copy, args, message):
    status, out, err = npf(capsys, corpus_copy, *args)
    assert status != 0 and out == ""
    assert err.startswith("npf: error: ") and message in err and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize(
    "args", [["note", "rainey", "-p", "3", "--span", "5:2"], ["status", "rainey", "skimmed"], ["note", "rainey"]]
)
def test_malformed_arguments_are_usage_errors(capsys, corpus_copy, args):
    with pytest.raises(SystemExit) as exc:
        main(["--corpus", str(corpus_copy), *args])
    assert exc.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_tags_and_status(capsys, corpus_copy):
    status, out, _ = npf(capsys, corpus_copy, "tag", "rainey", "+method", "+to check", "--json")
    assert status == 0 and json.loads(out) == {"doc_id": EN.doc_id, "tags": ["method", "to-check"], "status": None}
    status, out, _ = npf(capsys, corpus_copy, "tag", "rainey", "-method", "+Key-source", "--json")
    state = json.loads(out)
    assert "method" not in state["tags"] and "Key-source" in state["tags"]
    status, out, _ = npf(capsys, corpus_copy, "status", "rainey", "key", "--json")
    assert json.loads(out) == {"doc_id": EN.doc_id, "tags": state["tags"], "status": "key"}
    status, out, _ = npf(capsys, corpus_copy, "status", "xu", "to-read")
    assert status == 0 and out.startswith("xu-explaining-new-quality-productive-forces  to-read")
    status, out, _ = npf(capsys, corpus_copy, "tags", "--status", "key", "--json")
    assert [r["doc_id"] for r in json.loads(out)] == [EN.doc_id]
    status, out, _ = npf(capsys, corpus_copy, "tags", "--tag", "key-source", "--json")
    assert [r["doc_id"] for r in json.loads(out)] == [EN.doc_id]
    status, out, _ = npf(capsys, corpus_copy, "tags", "--json")
    assert sorted(r["doc_id"] for r in json.loads(out)) == sorted(
        [EN.doc_id, "xu-explaining-new-quality-productive-forces"]
    )
    status, out, _ = npf(capsys, corpus_copy, "status", "xu", "none", "--json")
    assert json.loads(out)["status"] is None
    status, out, err = npf(capsys, corpus_copy, "tags", "--status", "to-read")
    assert status == 1 and "no document matches" in err


def test_the_bundled_corpus_stays_untouched(capsys, tmp_path):
    """Annotating the bundled demo corpus (no --corpus) writes into the user's data folder, never into data/."""
    before = {p: p.stat().st_mtime_ns for p in DATA.rglob("*")}
    status = main(["note", "rainey", "-p", "3", "-m", "demo"])
    new_id = capsys.readouterr().out.strip()
    assert status == 0 and new_id
    assert main(["tag", "rainey", "+demo"]) == 0
    assert {p: p.stat().st_mtime_ns for p in DATA.rglob("*")} == before
    assert [p.name for p in (tmp_path / "xdg-data").rglob("annotations.sqlite3")] == ["annotations.sqlite3"]


def test_a_damaged_store_is_a_one_line_error(capsys, corpus_copy):
    from npf_tui.core.annotations import AnnotationStore

    path = AnnotationStore.for_corpus(corpus_copy).path
    path.parent.mkdir(parents=True)
    path.write_bytes(b"this is not a database\n" * 100)
    for args in (["notes"], ["note", "rainey", "-p", "3"], ["tag", "rainey", "+x"]):
        status, out, err = npf(capsys, corpus_copy, *args)
        assert status == 1 and out == "" and err.startswith("npf: error: ") and str(path) in err
        assert err.count("\n") == 1


def test_search_keeps_only_documents_with_a_status_or_tag(capsys, corpus_copy, tmp_path):
    """`npf search status:key …` / `tag:…` (as in the reader): the words searched, only those documents' hits kept;
    a query of filters alone lists the documents; an unknown status is one line and exit 2."""
    index = str(tmp_path / "idx")
    assert npf(capsys, corpus_copy, "status", "rainey", "key")[0] == 0
    assert npf(capsys, corpus_copy, "tag", "semafor", "+slogan")[0] == 0
    status, out, _ = npf(capsys, corpus_copy, "--index", index, "search", "status:key", "productive", "--json")
    data = json.loads(out)
    assert status == 0 and data["hits"] and {h["doc_id"] for h in data["hits"]} == {EN.doc_id}
    assert "only documents with status:key" in data["notice"]
    status, out, _ = npf(capsys, corpus_copy, "--index", index, "search", "tag:slogan", "--by-doc", "--json")
    assert status == 0 and [d["doc_id"] for d in json.loads(out)["documents"]] == ["semafor-2024-xi-catchphrase"]
    status, _, err = npf(capsys, corpus_copy, "--index", index, "search", "status:done", "x")
    assert status == 2 and err.startswith("npf: error: unknown reading status 'done'")
