"""Annotations, document tags/status and reading places (npf_tui/core/annotations) on the real bundled corpus:
storage that survives a kill, anchoring that follows edits and re-imports, the query language and the export."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from npf_tui.core.annotations import (
    ANCHORED,
    MOVED,
    ORPHANED,
    AnnotationError,
    AnnotationNotFound,
    AnnotationStore,
    anchor_all,
    anchor_document,
    export_markdown,
    search,
)
from npf_tui.core.annotations.anchoring import squeeze
from npf_tui.core.cite.citation import STYLES, bibliography_entry, in_text
from npf_tui.core.errors import QuerySyntaxError
from npf_tui.core.models import Document
from npf_tui.core.paths import library_state_dir
from npf_tui.core.sources.corpus import load_corpus, load_document, render_document
from npf_tui.core.sources.ingest import add_paths, edit_meta, remove_document
from npf_tui.core.text.sentences import split_sentences

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
CORPUS = load_corpus(DATA)
BY_ID = {d.doc_id: d for d in CORPUS}
EN = BY_ID["rainey-2024-new-catch-phrase"]
OTHER = BY_ID["xu-explaining-new-quality-productive-forces"]
#: The bundled documents are English with Chinese terms in them: the first paragraph that has some.
ZH_PARA = next(n for n, p in enumerate(EN.paragraphs, 1) if "新质生产力" in p)


@pytest.fixture()
def store(corpus_copy) -> AnnotationStore:
    return AnnotationStore.for_corpus(corpus_copy)


def doc_path(corpus: Path, doc_id: str) -> Path:
    return corpus / f"{doc_id}.md"


def first_sentence(doc: Document, paragraph: int) -> tuple[int, int]:
    sentence = split_sentences(doc.paragraph(paragraph))[0]
    return sentence.start, sentence.end


# --- the store ------------------------------------------------------------------------------------------------


def test_store_lives_in_the_library_state_dir_and_reading_creates_nothing(corpus_copy):
    store = AnnotationStore.for_corpus(corpus_copy)
    assert store.path.parent == library_state_dir(corpus_copy)
    assert store.annotations() == [] and store.doc_states() == {} and store.last_session() is None
    assert not store.path.exists()  # a look at an empty store writes nothing
    store.add(EN, 3)
    assert store.path.exists()
    assert not (DATA / store.path.name).exists()


def test_add_get_edit_remove(store):
    start, end = first_sentence(EN, 3)
    ann = store.add(EN, 3, start, end, note=" the slogan ", tags=["Slogan", "#politics", "slogan", "two words"])
    assert ann.kind == "sentence" and ann.exact == EN.paragraph(3)[start:end]
    assert ann.note == "the slogan" and ann.tags == ("Slogan", "politics", "slogan", "two-words")
    assert ann.source_file == EN.source_file and ann.title == EN.title
    assert store.get(ann.id) == ann and store.get(ann.id[:6]).id == ann.id
    whole = store.add(EN, 4)
    assert whole.kind == "paragraph" and whole.exact == EN.paragraph(4).strip()
    span = store.add(EN, 4, 2, 9)
    assert span.kind == "span"
    assert store.annotation_tags() == {"Slogan": 1, "politics": 1, "slogan": 1, "two-words": 1}
    edited = store.edit(ann.id[:8], note="new note", add_tags=["x"], remove_tags=["politics"])
    assert edited.note == "new note" and edited.tags == ("Slogan", "slogan", "two-words", "x")
    assert edited.modified >= ann.modified and store.get(ann.id).tags == edited.tags
    assert store.edit(ann.id, tags=[]).tags == ()
    assert store.remove(ann.id).id == ann.id
    with pytest.raises(AnnotationNotFound):
        store.get(ann.id)
    assert [a.id for a in store.annotations()] == sorted([whole.id, span.id], key=lambda i: store.get(i).start)


def test_bad_input_is_an_annotation_error(store):
    with pytest.raises(AnnotationError, match="paragraphs"):
        store.add(EN, len(EN.paragraphs) + 1)
    with pytest.raises(AnnotationError, match="span"):
        store.add(EN, 1, 5, 5)
    with pytest.raises(AnnotationError, match="span"):
        store.add(EN, 1, 0, 10**6)
    with pytest.raises(AnnotationError, match="tag"):
        store.add(EN, 1, tags=["   "])
    with pytest.raises(AnnotationError, match="status"):
        store.set_status(EN.doc_id, "skimmed")
    with pytest.raises(AnnotationNotFound):
        store.get("")


def test_ambiguous_id_prefix(store):
    anns = [store.add(EN, n) for n in range(1, 40 if len(EN.paragraphs) >= 40 else len(EN.paragraphs) + 1)]
    first = {a.id[0] for a in anns}
    shared = next(c for c in sorted(first) if sum(a.id[0] == c for a in anns) > 1)
    with pytest.raises(AnnotationNotFound, match="several"):
        store.get(shared)


# --- durability and concurrency --------------------------------------------------------------------------------

WRITER = """
import sys
from pathlib import Path
from npf_tui.core.annotations import AnnotationStore
from npf_tui.core.sources.corpus import load_document
doc = load_document(Path(sys.argv[2]))
store = AnnotationStore(Path(sys.argv[1]))
for i in range(int(sys.argv[3])):
    ann = store.add(doc, 1 + i % len(doc.paragraphs), note=f"{sys.argv[4]} {i}", tags=[sys.argv[4]])
    print(ann.id, flush=True)
"""


def _writer(db: Path, count: int, label: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db), str(EN.path), str(count), label],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


def test_a_kill_mid_write_loses_nothing_committed(tmp_path):
    """A writer is SIGKILLed while it adds annotations as fast as it can: every id it printed (printed after its
    commit returned) is in the store afterwards, and the file is sound."""
    db = tmp_path / "state" / "annotations.sqlite3"
    proc = _writer(db, 100_000, "kill")
    assert proc.stdout is not None
    printed = [proc.stdout.readline().strip() for _ in range(25)]
    proc.send_signal(signal.SIGKILL)
    printed += [line.strip() for line in proc.stdout.read().splitlines() if line.strip()]
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    stored = {a.id for a in AnnotationStore(db).annotations()}
    assert set(printed) <= stored
    assert len(stored) - len(printed) <= 1  # at most the one committed between its commit and its print
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_torn_wal_tail_is_ignored(tmp_path):
    """Garbage appended to the write-ahead log (a torn last write) loses no committed annotation."""
    db = tmp_path / "annotations.sqlite3"
    store = AnnotationStore(db)
    ids = [store.add(EN, n, note=str(n)).id for n in (1, 2, 3)]
    wal = db.with_name(db.name + "-wal")
    if wal.exists():
        with open(wal, "ab") as handle:
            handle.write(os.urandom(3000))
    assert [a.id for a in AnnotationStore(db).annotations()] == ids
    assert AnnotationStore(db).add(EN, 4).id not in ids


def test_two_processes_and_a_thread_write_at_once(tmp_path):
    """The reader (a thread here) and two CLIs writing at the same time: every write is kept."""
    db = tmp_path / "annotations.sqlite3"
    AnnotationStore(db).add(EN, 1)  # the file and its schema exist before the race
    procs = [_writer(db, 15, label) for label in ("a", "b")]
    store = AnnotationStore(db)
    mine = [store.set_place(EN.doc_id, n) for n in range(1, 16)]
    outs = [p.communicate(timeout=120)[0].split() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    anns = store.annotations()
    assert len(anns) == 31
    assert {a.id for a in anns} >= set(outs[0]) | set(outs[1])
    assert store.place(EN.doc_id) is not None and store.place(EN.doc_id).paragraph == mine[-1].paragraph


# --- anchoring -------------------------------------------------------------------------------------------------


def test_metadata_edit_keeps_annotations_anchored(corpus_copy, store):
    start, end = first_sentence(EN, 5)
    ann = store.add(EN, 5, start, end, note="n")
    edit_meta(corpus_copy, EN.doc_id, {"title": "A corrected title", "author": "J. Rainey", "published": "2024-05-21"})
    [found] = anchor_all(store, load_corpus(corpus_copy))
    assert found.anchor == ANCHORED and found.selector == ann.selector and found.doc_id == EN.doc_id


def test_inserted_paragraph_moves_the_annotation_and_the_store_follows(corpus_copy, store):
    start, end = first_sentence(EN, 6)
    ann = store.add(EN, 6, start, end)
    doc = load_document(doc_path(corpus_copy, EN.doc_id))
    doc.paragraphs.insert(2, "An inserted paragraph of commentary that was not there before.")
    doc_path(corpus_copy, EN.doc_id).write_text(render_document(doc), encoding="utf-8")
    current = load_corpus(corpus_copy)
    [moved] = anchor_all(store, current)
    assert moved.anchor == MOVED and moved.moved_from == ann.selector.position
    assert (moved.paragraph, moved.start, moved.end) == (7, start, end) and moved.exact == ann.exact
    assert store.get(ann.id).paragraph == 7  # saved: the next load finds it where it is now
    [again] = anchor_all(store, current)
    assert again.anchor == ANCHORED and again.paragraph == 7


def test_whitespace_and_width_changes_still_anchor(corpus_copy, store):
    """A Chinese term re-spaced across a line break, an English paragraph re-spaced and turned full-width."""
    para = EN.paragraph(ZH_PARA)
    start = para.index("新质生产力")
    ann = store.add(EN, ZH_PARA, start, start + 5, note="zh")
    en_ann = store.add(EN, 5)
    en_text = EN.paragraph(5)
    doc = load_document(doc_path(corpus_copy, EN.doc_id))
    doc.paragraphs[ZH_PARA - 1] = para[:start] + "新质\n生 产力" + para[start + 5 :]
    wide = "".join(chr(ord(c) + 0xFEE0) if "a" <= c <= "z" else c for c in en_text[:20]) + en_text[20:]
    doc.paragraphs[4] = "  " + wide.replace(" ", "  ")
    anns = {a.id: a for a in anchor_all(store, [doc])}
    assert anns[ann.id].anchor == MOVED and anns[ann.id].paragraph == ZH_PARA
    assert anns[ann.id].exact == "新质\n生 产力" and squeeze(anns[ann.id].exact)[0] == squeeze(ann.exact)[0]
    assert anns[en_ann.id].anchor == MOVED and anns[en_ann.id].exact == doc.paragraphs[4].strip()


def test_prefix_and_suffix_choose_between_repeated_quotes(store):
    """A phrase that occurs several times in the document: the annotation follows its own occurrence."""
    phrase = "new quality productive forces"
    doc = next(d for d in CORPUS if sum(p.lower().count(phrase) for p in d.paragraphs) >= 3 and len(d.paragraphs) > 4)
    hits = [(n, p.lower().index(phrase)) for n, p in enumerate(doc.paragraphs, 1) if phrase in p.lower()]
    target_para, at = hits[-1]
    store.add(doc, target_para, at, at + len(phrase))
    shifted = replace(doc, paragraphs=["Inserted first.", "Inserted second.", *doc.paragraphs])
    [moved] = anchor_all(store, [shifted])
    assert (moved.paragraph, moved.start) == (target_para + 2, at) and moved.anchor == MOVED
    assert len(hits) >= 2  # other paragraphs hold the same words


def test_deleted_passage_is_orphaned_kept_and_listed(corpus_copy, store):
    start, end = first_sentence(EN, 8)
    ann = store.add(EN, 8, start, end, note="gone", tags=["check"])
    kept = store.add(EN, 9)
    doc = load_document(doc_path(corpus_copy, EN.doc_id))
    del doc.paragraphs[7]
    doc_path(corpus_copy, EN.doc_id).write_text(render_document(doc), encoding="utf-8")
    anns = {a.id: a for a in anchor_all(store, load_corpus(corpus_copy))}
    assert anns[ann.id].anchor == ORPHANED and anns[ann.id].exact == ann.exact
    assert anns[kept.id].anchor == MOVED and anns[kept.id].paragraph == 8
    assert store.get(ann.id).anchor == ORPHANED  # never deleted
    assert [a.id for a in search(anns.values(), "anchor:orphaned")] == [ann.id]
    text = export_markdown(anns.values(), load_corpus(corpus_copy))
    assert "no longer found; last seen in ¶8" in text


def test_reimport_of_a_corrected_file_keeps_the_annotations(corpus_copy, store, tmp_path):
    """The document is removed and its corrected source file imported again (another id, same source file name):
    the annotations follow it to the new document."""
    start, end = first_sentence(EN, 10)
    ann = store.add(EN, 10, start, end, note="follow me")
    corrected = tmp_path / "src" / EN.source_file
    corrected.parent.mkdir()
    paras = list(EN.paragraphs)
    paras[0] = paras[0].replace("buzzwords", "buzz-words")  # the correction
    corrected.write_text(EN.title + "\n\n" + "\n\n".join(paras) + "\n", encoding="utf-8")
    remove_document(corpus_copy, EN.doc_id)
    report = add_paths([corrected], corpus_copy)
    [added] = report.added
    new_id = added.doc_id
    current = load_corpus(corpus_copy)
    assert new_id != EN.doc_id and EN.doc_id not in {d.doc_id for d in current}
    assert next(d for d in current if d.doc_id == new_id).source_file == EN.source_file
    [found] = anchor_all(store, current)
    assert found.anchor == MOVED and found.doc_id == new_id and found.exact == ann.exact
    assert store.get(ann.id).doc_id == new_id and store.get(ann.id).note == "follow me"


def test_vanished_document_without_successor_is_orphaned(store):
    ann = store.add(EN, 3)
    others = [d for d in CORPUS if d.doc_id != EN.doc_id]
    [found] = anchor_all(store, others)
    assert found.anchor == ORPHANED and found.doc_id == EN.doc_id and store.get(ann.id).doc_id == EN.doc_id


def test_anchor_document_and_cancel(store):
    import threading

    from npf_tui.core.errors import Cancelled

    a = store.add(EN, 2)
    store.add(OTHER, 2)
    assert [x.id for x in anchor_document(store, EN)] == [a.id]
    seen: list[tuple[int, int]] = []
    anchor_all(store, CORPUS, progress=lambda done, total, _m: seen.append((done, total)))
    assert seen[-1] == (2, 2)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        anchor_all(store, CORPUS, cancel=cancel)


@st.composite
def spans(draw):
    doc = draw(st.sampled_from(CORPUS))
    number = draw(st.integers(1, len(doc.paragraphs)))
    text = doc.paragraph(number)
    start = draw(st.integers(0, len(text) - 1))
    end = draw(st.integers(start + 1, min(len(text), start + 200)))
    return doc, number, start, end


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spans())
def test_any_span_anchors_back_after_a_metadata_edit_and_an_inserted_paragraph(span):
    doc, number, start, end = span
    assume(doc.paragraph(number)[start:end].strip())
    with tempfile.TemporaryDirectory() as folder:
        store = AnnotationStore(Path(folder) / "a.sqlite3")
        ann = store.add(doc, number, start, end)
        edited = replace(doc, title=doc.title + " (revised)", author="Someone Else", published="2025")
        [same] = anchor_all(store, [edited], save=False)
        assert same.anchor == ANCHORED and same.selector == ann.selector
        inserted = replace(
            doc, paragraphs=[*doc.paragraphs[: number - 1], "A new paragraph.", *doc.paragraphs[number - 1 :]]
        )
        [moved] = anchor_all(store, [inserted], save=False)
        assert moved.anchor == MOVED and moved.exact == ann.exact
        q = ann.selector.quote
        needle = squeeze(q.prefix + q.exact + q.suffix)[0]
        if sum(squeeze(p)[0].count(needle) for p in doc.paragraphs) == 1:
            # Unambiguous with its context: found exactly where it went.
            assert (moved.paragraph, moved.start, moved.end) == (number + 1, ann.start, ann.end)


# --- query language ----------------------------------------------------------------------------------------------


def test_query_language(store):
    zh_start = EN.paragraph(ZH_PARA).index("新质生产力")
    zh = store.add(EN, ZH_PARA, zh_start, zh_start + 5, note="核心概念", tags=["concept"])
    other = store.add(OTHER, 2, note="another document")
    s, e = first_sentence(EN, 3)
    en = store.add(EN, 3, s, e, note="Two Upholds: loyalty slogan", tags=["Slogan", "politics"])
    para = store.add(EN, 4, note="context", tags=["politics"])
    anns = anchor_all(store, CORPUS)
    ids = lambda q: [a.id for a in search(anns, q)]  # noqa: E731
    assert ids("生产力") == [zh.id]
    assert ids("新質生產力") == [zh.id]  # Traditional folds to Simplified
    assert ids("note:loyalty") == [en.id] and ids("LOYALTY") == [en.id]
    assert ids("quote:loyalty") == []
    assert ids("tag:slogan") == [en.id] and set(ids("tag:#politics")) == {en.id, para.id}
    assert ids("tag:politics -tag:slogan") == [para.id]
    assert ids(f"doc:{OTHER.doc_id[:6]}") == [other.id] and ids("核心") == [zh.id]
    assert set(ids("kind:paragraph")) == {para.id, other.id} and ids("kind:sentence") == [en.id]
    assert ids('"two upholds" tag:politics') == [en.id]
    assert ids("") == [a.id for a in sorted(anns, key=lambda a: a.sort_key())]
    assert ids("http://example.org") == []  # an unknown field is a word
    for bad in ("tag:", "kind:sentences", 'note:"unclosed', "anchor:lost"):
        with pytest.raises(QuerySyntaxError):
            search(anns, bad)


# --- export ------------------------------------------------------------------------------------------------------


def test_markdown_export_with_citations_in_a_given_style(store):
    s, e = first_sentence(EN, 3)
    b = store.add(EN, 5, note="later paragraph", tags=["t"])
    a = store.add(EN, 3, s, e, note="first", tags=["t", "x"])
    z = store.add(OTHER, 2, note="中文", tags=["t"])
    anns = anchor_all(store, CORPUS)
    text = export_markdown(anns, CORPUS, style="apa", title="Annotations: tag t")
    assert text.startswith("# Annotations: tag t\n")
    assert text.index(a.exact) < text.index(b.exact)  # paragraph order within a document
    assert text.index(EN.doc_id) < text.index(OTHER.doc_id)  # document order
    assert f"> {a.exact}" in text and "**Note:** first" in text and "**Tags:** #t #x" in text
    assert f"— {in_text(EN, 'apa', paragraph=3).markdown}" in text
    assert f"— {in_text(OTHER, 'apa', paragraph=2).markdown}" in text
    refs = text.split("## References\n")[1]
    assert (
        f"- {bibliography_entry(EN, 'apa').markdown}" in refs
        and f"- {bibliography_entry(OTHER, 'apa').markdown}" in refs
    )
    assert export_markdown(list(reversed(anns)), CORPUS, style="apa", title="Annotations: tag t") == text
    assert z.id and "(n.d." not in in_text(EN, "apa").text
    chicago = export_markdown(anns, CORPUS, style="chicago-author-date")
    assert in_text(EN, "chicago-author-date", paragraph=3).markdown in chicago


# --- document state, places, session ----------------------------------------------------------------------------


def test_doc_tags_status_and_docs_with(store):
    assert store.change_doc_tags(EN.doc_id, add=["method", "Key source"]).tags == ("Key-source", "method")
    assert store.change_doc_tags(EN.doc_id, add=["x"], remove=["method"]).tags == ("Key-source", "x")
    store.change_doc_tags(OTHER.doc_id, add=["x"])
    assert store.set_status(EN.doc_id, "key").status == "key"
    store.set_status(OTHER.doc_id, "to-read")
    assert store.docs_with(tag="X") == {EN.doc_id, OTHER.doc_id}
    assert store.docs_with(tag="x", status="key") == {EN.doc_id}
    assert store.docs_with(status="to-read") == {OTHER.doc_id}
    assert store.docs_with(tag="nothing") == set()
    assert store.set_status(OTHER.doc_id, None).status is None
    assert store.docs_with(status="to-read") == set()
    assert set(store.doc_states()) == {EN.doc_id, OTHER.doc_id}


def test_reading_places_and_last_session(store):
    assert store.place(EN.doc_id) is None
    store.set_place(EN.doc_id, 12, 2)
    time.sleep(0.002)
    later = store.set_place(EN.doc_id, 14)
    assert store.place(EN.doc_id) == later and later.sentence is None
    session = store.save_session([(EN.doc_id, 14, None), (OTHER.doc_id, 3, 1)], focused=1)
    back = store.last_session()
    assert back == session and [p.doc_id for p in back.panes] == [EN.doc_id, OTHER.doc_id] and back.focused == 1
    assert store.place(OTHER.doc_id).paragraph == 3  # a pane's place is the document's place too
    with pytest.raises(AnnotationError):
        store.set_place(EN.doc_id, 0)


@pytest.mark.parametrize("style", sorted(STYLES))
def test_export_cites_each_paragraph_as_the_citation_module_does(store, style):
    """The export renders one citation per document and fills in the paragraph: the result is what
    citation.in_text gives for that paragraph, in every style."""
    for number in (1, 3, 12):
        store.add(EN, number)
    store.add(OTHER, 2)
    text = export_markdown(anchor_all(store, CORPUS), CORPUS, style=style)
    for doc, number in ((EN, 1), (EN, 3), (EN, 12), (OTHER, 2)):
        assert f"— {in_text(doc, style, paragraph=number).markdown}\n" in text


def test_docs_with_for_the_search_layer(corpus_copy, store):
    from npf_tui.core.annotations import docs_with

    assert docs_with(corpus_copy, tag="core") == set()
    assert not store.path.exists()  # asking writes nothing
    store.change_doc_tags(EN.doc_id, add=["core"])
    store.set_status(OTHER.doc_id, "read")
    assert docs_with(corpus_copy, tag="CORE") == {EN.doc_id}
    assert docs_with(corpus_copy, status="read") == {OTHER.doc_id}
    assert docs_with(corpus_copy, tag="core", status="read") == set()
    with pytest.raises(AnnotationError):
        docs_with(corpus_copy, status="done")


def test_a_shared_source_file_is_told_apart_by_the_quote(store):
    """Four bundled Global Times documents came from one source file: a renamed one is found among them by its
    quote, not taken to be the first with that file name."""
    shared = [d for d in CORPUS if d.source_file == BY_ID["globaltimes-climate-envoy-visits-us"].source_file]
    assert len(shared) >= 3
    target = shared[-1]
    ann = store.add(target, 3)
    renamed = [replace(d, doc_id="renamed-" + d.doc_id) if d is target else d for d in CORPUS]
    [found] = anchor_all(store, renamed)
    assert found.doc_id == "renamed-" + target.doc_id and found.anchor == MOVED and found.exact == ann.exact
