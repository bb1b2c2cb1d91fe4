"""The entity store's candidate totals: kept in SQLite beside each document's candidates, updated incrementally."""

from __future__ import annotations

import errno
import sqlite3
from contextlib import contextmanager

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_entities import _store_files

from npf_tui.core.entities import candidates as entity_candidates
from npf_tui.core.entities.candidates import CandidateStore, Totals, candidate_store
from npf_tui.core.entities.discovery import DocCandidates
from npf_tui.core.entities.store import (
    CANDIDATES_FILE,
    STORE_DIR,
    VERSION,
    load_entity_store,
    merge,
    update_entity_store,
)
from npf_tui.core.glossary import load_glossary
from npf_tui.core.sources.corpus import load_corpus, write_document

PHRASES = ["Xi Jinping", "XI JINPING", "Li Qiang", "Heilongjiang", "Think Tank", "Return Values", "Red Hat"]
WORDS = ["习近平", "黑龙江省", "重庆", "重慶", "许可"]
TAGS = ["nr", "ns", "nz", "nr*"]

candidates = st.builds(
    lambda fp, en, zh, pairs, acr: DocCandidates(fp, pairs, acr, en, zh),
    st.text(alphabet="abcdef0123456789", min_size=4, max_size=4),
    st.dictionaries(
        st.sampled_from(PHRASES), st.lists(st.integers(0, 3), min_size=6, max_size=6).map(lambda r: [r[0] + 1, *r[1:]])
    ),
    st.dictionaries(st.sampled_from(WORDS), st.tuples(st.sampled_from(TAGS), st.integers(1, 4)).map(list)),
    st.lists(st.sampled_from([["Li Qiang", "李强"], ["Heilongjiang Province", "黑龙江省"], ["Red Hat", "红帽"]])),
    st.lists(
        st.sampled_from([["NDRC", "National Development and Reform Commission"], ["AI", "artificial intelligence"]]),
        unique_by=tuple,
    ),
)


def _summed(docs: dict[str, DocCandidates]) -> Totals:
    totals = Totals(VERSION, "g")
    for doc_id in sorted(docs):
        totals.add(doc_id, docs[doc_id], f"/{doc_id}.md")
    return totals


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from("abcdefgh"), candidates, min_size=1), st.data())
def test_totals_kept_up_incrementally_equal_totals_summed_afresh(docs, data):
    """Adding documents in any order, and taking some out again, leaves the totals (and the merged entities) a
    fresh sum of the remaining documents would give."""
    order = data.draw(st.permutations(sorted(docs)))
    gone = data.draw(st.sets(st.sampled_from(sorted(docs))))
    totals = Totals(VERSION, "g")
    for doc_id in order:
        totals.add(doc_id, docs[doc_id], f"/{doc_id}.md")
        merge(totals, [])  # fills the facts cache, which later changes must keep honest
    for doc_id in sorted(gone):
        totals.subtract(doc_id, docs[doc_id])
        merge(totals, [])
    fresh = _summed({k: v for k, v in docs.items() if k not in gone})
    assert (totals.en, totals.zh, totals.pairs, totals.acronyms, totals.docs) == (
        fresh.en,
        fresh.zh,
        fresh.pairs,
        fresh.acronyms,
        fresh.docs,
    )
    assert merge(totals, []) == merge(fresh, [])


def test_a_chinese_word_takes_the_tag_jieba_gave_it_most_often():
    """Whichever document came first, a word tagged a place twice and a person once is a place candidate."""
    one = DocCandidates("1", en={}, zh={"平安里": ["nr", 1]})
    two = DocCandidates("2", en={}, zh={"平安里": ["ns", 2]})
    for first, second in ((one, two), (two, one)):
        totals = Totals(VERSION, "g")
        totals.add("a", first, "")
        totals.add("b", second, "")
        assert totals.zh == {"平安里": {"nr": 1, "ns": 2}}


def test_an_update_reads_only_its_own_documents_candidates(corpus_copy, tmp_path, monkeypatch):
    """Adding a document reads no stored candidates; editing one reads only that one's (the totals give the rest)."""
    gloss = load_glossary(corpus_copy)
    docs = load_corpus(corpus_copy)
    gen = tmp_path / "gen"
    update_entity_store(gen, docs[1:], gloss)
    asked: list[list[str]] = []
    real = CandidateStore.candidates
    monkeypatch.setattr(CandidateStore, "candidates", lambda self, ids: asked.append(list(ids)) or real(self, ids))
    update_entity_store(gen, [docs[0]], gloss, changed={docs[0].doc_id})
    edited = docs[2]
    edited.paragraphs.append("Li Qiang met the Quantum Valley Alliance in Heilongjiang.")
    write_document(corpus_copy, edited)
    update_entity_store(gen, [edited], gloss, changed={edited.doc_id})
    assert asked == [[], [edited.doc_id]]
    monkeypatch.undo()
    full = tmp_path / "full"
    update_entity_store(full, load_corpus(corpus_copy), gloss)
    assert _store_files(gen) == _store_files(full)


def test_an_update_done_twice_counts_once(corpus_copy, tmp_path):
    """A sync re-done after a crash (its documents already counted in) changes nothing."""
    gloss = load_glossary(corpus_copy)
    docs = load_corpus(corpus_copy)
    gen, full = tmp_path / "gen", tmp_path / "full"
    update_entity_store(gen, docs[:-1], gloss)
    for _ in range(2):
        update_entity_store(gen, [docs[-1]], gloss, changed={docs[-1].doc_id})
    update_entity_store(full, docs, gloss)
    assert _store_files(gen) == _store_files(full)
    with candidate_store(gen / STORE_DIR / CANDIDATES_FILE) as db:
        again = db.totals(VERSION)
    with candidate_store(full / STORE_DIR / CANDIDATES_FILE) as db:
        fresh = db.totals(VERSION)
    assert (again.en, again.zh, again.pairs, again.acronyms) == (fresh.en, fresh.zh, fresh.pairs, fresh.acronyms)


def test_damaged_candidates_are_extracted_again_from_the_corpus_files(corpus_copy, tmp_path):
    """A candidates database that is not one any more is replaced; the update re-reads every document the corpus
    has, so no document loses its entities."""
    gloss = load_glossary(corpus_copy)
    docs = load_corpus(corpus_copy)
    gen, full = tmp_path / "gen", tmp_path / "full"
    update_entity_store(gen, docs[:-1], gloss)
    (gen / STORE_DIR / CANDIDATES_FILE).write_bytes(b"this is not SQLite" * 100)
    files = {d.doc_id: d.path for d in docs}
    update_entity_store(gen, [docs[-1]], gloss, changed={docs[-1].doc_id}, corpus_files=files)
    update_entity_store(full, docs, gloss)
    assert _store_files(gen) == _store_files(full)
    assert all(load_entity_store(gen).for_document(d.doc_id) for d in docs)


def test_a_full_disk_in_sqlite_is_an_os_error(tmp_path):
    """SQLite's own "database or disk is full" (really raised here: the database may not grow) reaches the index as
    ENOSPC, which it handles like every other full disk (keep searching, finish the update later)."""
    con = sqlite3.connect(tmp_path / "small.sqlite", isolation_level=None)
    con.execute("CREATE TABLE t (v BLOB)")
    con.execute("PRAGMA max_page_count = 3")
    with pytest.raises(OSError) as info, entity_candidates._as_os_errors():
        con.execute("INSERT INTO t VALUES (?)", (b"x" * 100_000,))
    assert info.value.errno == errno.ENOSPC
    con.close()


def test_a_full_disk_while_the_candidates_grow_leaves_the_update_to_finish_later(built_copy, monkeypatch):
    """The candidates database may not grow (SQLite's real "disk is full"): the document is searchable (the sync
    leaves the entities for later), bringing the entities up to date says why it could not and keeps the store as
    it was; with space again the pending update finishes, and the new document has its entities."""
    from npf_tui.core.search.entity_sync import ENTITIES_PENDING
    from npf_tui.core.search.library import Library

    corpus, index = built_copy
    real_connect = entity_candidates._connect

    def full_disk(path):
        con = real_connect(path)
        pages = con.execute("PRAGMA page_count").fetchone()[0]
        con.execute(f"PRAGMA max_page_count = {pages}")
        return con

    # Enough new phrases that the candidates and their totals need new pages.
    words = ["Amber", "Basalt", "Cobalt", "Delta", "Ember", "Falcon", "Garnet", "Harbor", "Indigo", "Jasper"]
    names = ". ".join(f"Yesterday the {a} {b} {c} Council met" for a in words for b in words for c in words[:3])
    (corpus / "quantum.md").write_text(
        f"---\ntitle: Quantum\nlanguage: en\n---\n\nThe Quantum Valley Alliance met in Harbin. {names}.\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(entity_candidates, "_connect", full_disk)
    lib = Library.open(corpus, index)
    try:
        assert not lib.stale and lib.search('"Quantum Valley Alliance"').total == 1
        store = lib.entity_store()
        assert any("No space left on device" in n for n in lib.notices), lib.notices
        # The entity store's transaction was rolled back: the store is as it was, and the update still to do.
        assert store.find("Quantum Valley Alliance") is None
        assert (lib.gen_dir / ENTITIES_PENDING).exists() and lib.entities_pending
        monkeypatch.undo()
        store = lib.entity_store()
        assert not (lib.gen_dir / ENTITIES_PENDING).exists()
        found = store.find("Quantum Valley Alliance")
        assert found is not None and store.count(found.id).docs == ["quantum"]
        assert load_entity_store(lib.gen_dir).find("Quantum Valley Alliance") is not None
    finally:
        lib.close()


@pytest.mark.parametrize("how", ["pages", "row"])
def test_damage_inside_the_database_is_found_and_repaired(corpus_copy, tmp_path, monkeypatch, how):
    """A database whose header is intact but whose pages are overwritten (read fails as "malformed" only inside
    the transaction), or whose row for an edited document is garbage, is replaced, and the update extracts every
    document again: nothing is lost, no error."""
    import npf_tui.core.entities.store as entities_module

    gloss = load_glossary(corpus_copy)
    docs = load_corpus(corpus_copy)
    gen, full = tmp_path / "gen", tmp_path / "full"
    update_entity_store(gen, docs, gloss)
    db = gen / STORE_DIR / CANDIDATES_FILE
    if how == "pages":
        data = bytearray(db.read_bytes())
        page = int.from_bytes(data[16:18], "big")
        data[page:] = b"\xff" * (len(data) - page)  # every page after the first (the schema) is garbage
        db.write_bytes(bytes(data))
    else:
        con = sqlite3.connect(db)
        con.execute("UPDATE docs SET cands = ? WHERE doc_id = ?", (b"not a pickle", docs[-1].doc_id))
        con.commit()
        con.close()
    docs[-1].paragraphs.append("Li Qiang met the Quantum Valley Alliance in Harbin.")
    write_document(corpus_copy, docs[-1])
    seen = []
    real = entities_module.candidate_store

    @contextmanager
    def watched(path):
        try:
            with real(path) as store:
                yield store
        except entity_candidates.StoreDamaged as exc:
            seen.append(exc)
            raise

    monkeypatch.setattr(entities_module, "candidate_store", watched)
    update_entity_store(
        gen, [docs[-1]], gloss, changed={docs[-1].doc_id}, corpus_files={d.doc_id: d.path for d in docs}
    )
    assert seen, "the damage was not noticed"
    update_entity_store(full, docs, gloss)
    assert _store_files(gen) == _store_files(full)
