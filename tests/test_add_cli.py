"""`npf add` / `remove` / `edit-meta` end to end: real files in, searchable documents out, faults reported truly."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from test_importers import (
    TW_PARA,
    ZH_PARA,
    make_docx,
    make_en_pdf,
    make_zh_pdf,
    text_bytes,  # noqa: E402
    write_html,
)

from npf_tui.cli import main
from npf_tui.core.errors import CorpusError
from npf_tui.core.sources import ingest
from npf_tui.core.sources.corpus import document_paths, load_document
from npf_tui.core.sources.ingest import add_paths, content_hash, edit_meta, remove_document


@pytest.fixture()
def sources(tmp_path) -> Path:
    """A folder of real source files: every supported format, several encodings, and some bad files."""
    folder = tmp_path / "sources"
    (folder / "web").mkdir(parents=True)
    (folder / ".hidden").mkdir()
    write_html(folder / "web" / "electrolysers.html")
    make_en_pdf(folder / "hydrogen-report.pdf")
    make_zh_pdf(folder / "zh-report.pdf")
    make_docx(folder / "quantum.docx")
    (folder / "gb.txt").write_bytes(
        text_bytes("gb18030").replace(
            "先进生产力质态".encode("gb18030"), "先进生产力质态，氢燃料电池".encode("gb18030")
        )
    )
    (folder / "big5.txt").write_bytes(text_bytes("big5"))
    (folder / "utf16.txt").write_bytes("Semiconductor lithography subsidies in Jiangsu.\n".encode("utf-16"))
    (folder / "bom.md").write_bytes("Low-altitude economy drones in Shenzhen.\n".encode("utf-8-sig"))
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0")
    (folder / ".hidden" / "secret.txt").write_text("zanzibarquux must not be imported", encoding="utf-8")
    (folder / ".dotfile.txt").write_text("zanzibarquux too", encoding="utf-8")
    return folder


def run(capsys, corpus: Path, index: Path, *args: str) -> tuple[int, str, str]:
    """Run `npf` in-process; returns (exit status, stdout, stderr)."""
    status = main(["--corpus", str(corpus), "--index", str(index), *args])
    out, err = capsys.readouterr()
    return status, out, err


def search_ids(capsys, corpus: Path, index: Path, query: str) -> list[str]:
    """The doc ids `npf search --json` finds for a query."""
    status, out, _ = run(capsys, corpus, index, "search", query, "--json", "--limit", "50")
    return [hit["doc_id"] for hit in json.loads(out)["hits"]] if status == 0 else []


def test_add_folder_end_to_end(capsys, corpus_copy, tmp_path, sources):
    index = tmp_path / "index"
    before = {p.name for p in document_paths(corpus_copy)}
    status, out, _ = run(capsys, corpus_copy, index, "add", str(sources), "--json")
    report = json.loads(out)
    assert status == 1  # the empty and the binary file did not go in
    by_source = {Path(a["source"]).name: a for a in report["added"]}
    assert set(by_source) == {
        "electrolysers.html",
        "hydrogen-report.pdf",
        "zh-report.pdf",
        "quantum.docx",
        "gb.txt",
        "big5.txt",
        "utf16.txt",
        "bom.md",
    }
    failed = {Path(f["source"]).name: f["reason"] for f in report["failed"]}
    assert failed == {"empty.txt": "empty file", "binary.txt": "binary file (contains NUL bytes), not text"}
    assert [Path(s["source"]).name for s in report["skipped"]] == ["photo.jpg"]
    assert report["index_updated"] is True and report["all_in"] is False

    after = {p.name for p in document_paths(corpus_copy)}
    assert after - before == {Path(a["file"]).name for a in report["added"]}
    html_doc = load_document(Path(by_source["electrolysers.html"]["file"]))
    assert (html_doc.author, html_doc.outlet, html_doc.published) == ("Jane Example", "Policy Review", "2024-03-15")
    assert html_doc.source_file == "electrolysers.html"
    assert html_doc.extra["source_path"] == str((sources / "web" / "electrolysers.html").resolve())
    assert html_doc.extra["content_hash"] == content_hash(html_doc.paragraphs)
    big5_doc = load_document(Path(by_source["big5.txt"]["file"]))
    assert TW_PARA in big5_doc.paragraphs and big5_doc.extra["source_encoding"] == "big5"
    assert ZH_PARA.replace("质态", "质态，氢燃料电池") in load_document(Path(by_source["gb.txt"]["file"])).paragraphs

    # Searchable as soon as the command returned, in both languages and from every format.
    assert by_source["electrolysers.html"]["doc_id"] in search_ids(capsys, corpus_copy, index, "electrolyser")
    assert by_source["hydrogen-report.pdf"]["doc_id"] in search_ids(capsys, corpus_copy, index, "semiconductor")
    assert by_source["quantum.docx"]["doc_id"] in search_ids(capsys, corpus_copy, index, "Hefei")
    assert by_source["gb.txt"]["doc_id"] in search_ids(capsys, corpus_copy, index, "氢燃料电池")
    assert by_source["big5.txt"]["doc_id"] in search_ids(capsys, corpus_copy, index, "著力點")
    assert by_source["zh-report.pdf"]["doc_id"] in search_ids(capsys, corpus_copy, index, "氢能产业")
    assert by_source["utf16.txt"]["doc_id"] in search_ids(capsys, corpus_copy, index, "lithography")
    assert not search_ids(capsys, corpus_copy, index, "zanzibarquux")


def test_adding_again_reports_duplicates_and_succeeds(capsys, corpus_copy, tmp_path, sources):
    index = tmp_path / "index"
    for bad in ("empty.txt", "binary.txt"):
        (sources / bad).unlink()
    assert run(capsys, corpus_copy, index, "add", str(sources))[0] == 0
    files = {p.name: p.read_bytes() for p in document_paths(corpus_copy)}
    # The same content in another encoding and another file name is still the same content.
    (sources / "copy-in-utf8.txt").write_text(text_bytes("big5").decode("big5"), encoding="utf-8")
    status, out, _ = run(capsys, corpus_copy, index, "add", str(sources))
    assert status == 0
    assert "9 already in corpus" in out and "0 added" in out
    assert "copy-in-utf8.txt: already in corpus as" in out
    assert {p.name: p.read_bytes() for p in document_paths(corpus_copy)} == files


def test_bundled_documents_count_as_already_in_corpus(corpus_copy, tmp_path):
    original = load_document(document_paths(corpus_copy)[0])
    copy = tmp_path / "copy.txt"
    copy.write_text("\n\n".join(original.paragraphs), encoding="utf-8")
    report = add_paths([copy], corpus_copy)
    assert [d.doc_id for d in report.duplicates] == [original.doc_id]
    assert report.duplicates[0].reason == f"already in corpus as {original.doc_id}"


def test_dry_run_changes_nothing(capsys, corpus_copy, tmp_path, sources):
    before = {p.name: p.read_bytes() for p in document_paths(corpus_copy)}
    status, out, _ = run(capsys, corpus_copy, tmp_path / "index", "add", "--dry-run", str(sources))
    assert "would add 8 documents" in out
    assert status == 1
    assert {p.name: p.read_bytes() for p in document_paths(corpus_copy)} == before
    assert not (tmp_path / "index").exists()


def test_named_unsupported_or_missing_files_fail(capsys, corpus_copy, tmp_path, sources):
    status, out, _ = run(
        capsys,
        corpus_copy,
        tmp_path / "index",
        "add",
        str(sources / "photo.jpg"),
        str(tmp_path / "nowhere.txt"),
        "--json",
    )
    report = json.loads(out)
    assert status == 1
    assert sorted(f["reason"] for f in report["failed"]) == ["not found", "unsupported file type '.jpg'"]


def test_unwritable_corpus_is_a_clear_error(capsys, tmp_path, sources):
    not_a_folder = tmp_path / "corpus-file"
    not_a_folder.write_text("I am a file")
    status, _, err = run(capsys, not_a_folder, tmp_path / "index", "add", str(sources))
    assert status == 1
    assert err.startswith("npf: error: cannot write to the corpus folder")
    assert not_a_folder.read_text() == "I am a file"


def test_disk_full_midway_keeps_whole_documents_only(corpus_copy, tmp_path, sources, monkeypatch):
    real_link, calls = os.link, []

    def failing_link(src, dst, *a, **k):
        calls.append(dst)
        if len(calls) > 2:
            raise OSError(28, "No space left on device")
        return real_link(src, dst, *a, **k)

    monkeypatch.setattr(os, "link", failing_link)
    before = set(document_paths(corpus_copy))
    report = add_paths([sources], corpus_copy)
    assert len(report.added) == 2
    assert "No space left on device" in report.error and not report.all_in
    assert report.not_added and all("No space left" in n.reason for n in report.not_added)
    new = set(document_paths(corpus_copy)) - before
    assert {Path(a.file) for a in report.added} == new
    for path in new:
        assert load_document(path).extra["content_hash"]  # complete, parseable files only
    assert not [p for p in corpus_copy.iterdir() if p.name.endswith(".tmp")]


def test_ctrl_c_midway_reports_what_went_in(capsys, corpus_copy, tmp_path, sources, monkeypatch):
    real_import, seen = ingest.import_file, []

    def interrupting_import(path):
        seen.append(path)
        if len(seen) == 3:
            raise KeyboardInterrupt
        return real_import(path)

    monkeypatch.setattr(ingest, "import_file", interrupting_import)
    before = set(document_paths(corpus_copy))
    status, out, _ = run(capsys, corpus_copy, tmp_path / "index", "add", str(sources), "--json")
    report = json.loads(out)
    assert status == 130
    assert report["interrupted"] is True
    # Two files were dealt with; the third (interrupted) and the seven after it were not added.
    assert len(report["added"]) + len(report["failed"]) + len(report["duplicates"]) == 2
    assert len(report["not_added"]) == 8
    # Every planned file is accounted for exactly once.
    accounted = [x["source"] for key in ("added", "duplicates", "failed", "not_added") for x in report[key]]
    assert len(accounted) == len(set(accounted)) == 10
    new = set(document_paths(corpus_copy)) - before
    assert {Path(a["file"]) for a in report["added"]} == new
    assert str(Path(seen[2]).resolve()) in {n["source"] for n in report["not_added"]}
    # The index picked up what did go in.
    for added in report["added"]:
        assert added["doc_id"] in search_ids(capsys, corpus_copy, tmp_path / "index", added["title"].split()[0])


def test_cancel_event_stops_after_current_file(corpus_copy, sources):
    import threading

    cancel = threading.Event()
    calls = []

    def progress(done, total, message):
        calls.append(message)
        if message:
            cancel.set()

    report = add_paths([sources], corpus_copy, progress=progress, cancel=cancel)
    assert report.interrupted
    assert len(report.added) + len(report.failed) + len(report.duplicates) == 1  # the file under way was finished
    assert len(report.not_added) == 9


def test_file_vanishing_midway_is_reported(corpus_copy, sources):
    victim = sources / "quantum.docx"

    def progress(done, total, message):
        if message and victim.exists():
            victim.unlink()

    report = add_paths([sources], corpus_copy, progress=progress)
    reasons = {Path(f.source).name: f.reason for f in report.failed}
    assert reasons["quantum.docx"].startswith("file not found")


def test_taken_id_is_never_overwritten(corpus_copy, tmp_path, monkeypatch):
    source = tmp_path / "note.txt"
    source.write_text("Hydrogen Strategy\n\nA different text about fuel cells.\n", encoding="utf-8")
    other = corpus_copy / "hydrogen-strategy.md"
    other.write_text("---\ntitle: Someone else's\n---\n\nTheir text.\n", encoding="utf-8")
    # Pretend another process created it after this one listed the corpus.
    real = ingest.document_paths
    monkeypatch.setattr(ingest, "document_paths", lambda d: [p for p in real(d) if p != other])
    report = add_paths([source], corpus_copy)
    assert report.added[0].doc_id == "hydrogen-strategy-2"
    assert other.read_text(encoding="utf-8").endswith("Their text.\n")


def test_edit_meta_and_remove(capsys, corpus_copy, tmp_path, sources):
    index = tmp_path / "index"
    status, out, _ = run(capsys, corpus_copy, index, "add", str(sources / "quantum.docx"), "--json")
    doc_id = json.loads(out)["added"][0]["doc_id"]
    path = corpus_copy / f"{doc_id}.md"
    body = path.read_text(encoding="utf-8").split("\n---\n", 1)[1]

    status, out, _ = run(
        capsys,
        corpus_copy,
        index,
        "edit-meta",
        doc_id,
        "author=Zhao Lei",
        "published=2024-02",
        "outlet=Science Daily",
        "reviewed=yes",
        "--json",
    )
    assert status == 0
    assert json.loads(out)["changes"]["author"] == {"old": "Wang Fang", "new": "Zhao Lei"}
    doc = load_document(path)
    assert (doc.author, doc.published, doc.outlet, doc.extra["reviewed"]) == (
        "Zhao Lei",
        "2024-02",
        "Science Daily",
        "yes",
    )
    assert path.read_text(encoding="utf-8").split("\n---\n", 1)[1] == body  # the text is untouched
    status, out, _ = run(capsys, corpus_copy, index, "search", "Hefei", "--json")
    assert json.loads(out)["hits"][0]["author"] == "Zhao Lei"

    status, out, _ = run(capsys, corpus_copy, index, "edit-meta", doc_id, "reviewed=")
    assert "reviewed" not in load_document(path).extra

    for bad, message in (
        ("published=March 2024", "published must be a date"),
        ("published=2024-02-30", "published must be a date"),
        ("content_hash=abc", "computed from the text"),
        ("noequals", "is not key=value"),
        ("bad key=1", "is not a metadata key"),
    ):
        status, _, err = run(capsys, corpus_copy, index, "edit-meta", doc_id, bad)
        assert status == 1 and message in err, (bad, err)

    status, out, _ = run(capsys, corpus_copy, index, "remove", doc_id)
    assert status == 0 and out.startswith(f"removed {doc_id} (Quantum Roadmap)")
    assert not path.exists()
    assert doc_id not in search_ids(capsys, corpus_copy, index, "Hefei")
    status, _, err = run(capsys, corpus_copy, index, "remove", doc_id)
    assert status == 1 and "no document" in err


def test_core_edit_and_remove_errors(corpus_copy):
    with pytest.raises(CorpusError):
        remove_document(corpus_copy / "missing-folder", "x")
    first = document_paths(corpus_copy)[0]
    assert edit_meta(corpus_copy, first.stem, {"title": load_document(first).title}).changes == {}


def test_second_writer_waits_for_the_lock(corpus_copy, sources):
    import threading

    from npf_tui.core.sources.ingest import corpus_write_lock

    messages, results = [], []
    waiting = threading.Event()

    def progress(done, total, message):
        messages.append(message)
        if message.startswith("waiting"):
            waiting.set()

    with corpus_write_lock(corpus_copy):
        worker = threading.Thread(
            target=lambda: results.append(add_paths([sources / "gb.txt"], corpus_copy, progress=progress))
        )
        worker.start()
        assert waiting.wait(10)
        assert not results  # nothing written while the other writer holds the lock
    worker.join(10)
    assert len(results[0].added) == 1


def test_long_chinese_paragraph_reimport_is_a_duplicate(corpus_copy, tmp_path):
    """The importer cuts long paragraphs exactly as the loader does, so the stored hash matches the file read back."""
    source = tmp_path / "long-zh.txt"
    source.write_text("新质生产力是创新起主导作用的先进生产力质态" * 400, encoding="utf-8")  # one 8,000-char paragraph
    first = add_paths([source], corpus_copy)
    assert len(first.added) == 1
    doc = load_document(Path(first.added[0].file))
    assert len(doc.paragraphs) > 1 and content_hash(doc.paragraphs) == doc.extra["content_hash"]
    again = add_paths([source], corpus_copy)
    assert not again.added and again.duplicates[0].doc_id == doc.doc_id


def test_too_many_paragraphs_is_refused_before_writing(corpus_copy, tmp_path):
    from npf_tui.core.sources.corpus import MAX_PARAGRAPHS

    source = tmp_path / "lines.txt"
    source.write_text("\n\n".join(f"line {n}" for n in range(MAX_PARAGRAPHS + 5)), encoding="utf-8")
    before = set(document_paths(corpus_copy))
    report = add_paths([source], corpus_copy)
    assert not report.added and "too many paragraphs" in report.failed[0].reason
    assert set(document_paths(corpus_copy)) == before


def test_duplicates_are_found_from_the_index_without_rereading_unchanged_files(corpus_copy, tmp_path):
    """`npf add` takes the content hashes of unchanged files from the index's manifest; an edited file (new size
    or time) is read and hashed again, so hand edits still count."""
    from npf_tui.core.search.library import Library
    from npf_tui.core.search.manifest import known_documents

    index = tmp_path / "idx"
    Library.open(corpus_copy, index).close()
    known = known_documents(index)
    paths = document_paths(corpus_copy)
    assert set(known) == {p.name for p in paths}
    first = paths[0]
    assert known[first.name][2] == content_hash(load_document(first).paragraphs)
    # A hash the manifest claims for an unchanged file is taken as is (proof that the file was not read) ...
    fake = dict(known)
    fake[first.name] = (*known[first.name][:2], "f" * 64, "claimed")
    assert ingest.corpus_hashes(corpus_copy, fake)["f" * 64] == "claimed"
    # ... but once the file changes, its text is hashed again.
    first.write_text(first.read_text(encoding="utf-8") + "\n\nOne more paragraph.\n", encoding="utf-8")
    hashes = ingest.corpus_hashes(corpus_copy, fake)
    assert "f" * 64 not in hashes
    assert hashes[content_hash(load_document(first).paragraphs)] == load_document(first).doc_id
    assert known_documents(tmp_path / "no-index") == {}


def test_an_add_lists_the_corpus_once_and_the_new_document_is_searchable(capsys, corpus_copy, tmp_path, monkeypatch):
    """The duplicate check and the index update share one listing of the folder (AddReport.listing: 0.7 s of stat
    calls at 45,797 files), the files the import wrote included; the listing is not in the report's JSON."""
    from npf_tui.core.search.library import Library
    from npf_tui.core.sources import corpus as corpus_mod

    index = tmp_path / "idx"
    Library.open(corpus_copy, index).close()
    src = tmp_path / "hydrogen.txt"
    src.write_text("Zanzibarquux hydrogen valleys in Inner Mongolia.\n\nA second paragraph.\n", encoding="utf-8")
    listed = []
    real = corpus_mod.document_stamps
    monkeypatch.setattr(corpus_mod, "document_stamps", lambda d: listed.append(d) or real(d))
    monkeypatch.setattr(ingest, "document_stamps", corpus_mod.document_stamps)
    status, out, _ = run(capsys, corpus_copy, index, "add", str(src), "--json")
    assert status == 0
    assert len(listed) == 1
    report = json.loads(out)
    assert "listing" not in json.dumps(report)
    monkeypatch.undo()
    assert search_ids(capsys, corpus_copy, index, "zanzibarquux") == [report["added"][0]["doc_id"]]
    # The index knows the file as it is on disk: the next look finds nothing to update.
    from npf_tui.core.search.index import current_generation
    from npf_tui.core.search.manifest import Manifest, changes, scan_corpus

    assert changes(scan_corpus(corpus_copy), Manifest.load(current_generation(index))) == (set(), set())
