"""The build streams the corpus (no step holds every document) and gives the same side stores as the in-memory path;
the integrity check and the sync read only the files that changed, and still catch a damaged old segment."""

from __future__ import annotations

import os
import time
import weakref
from pathlib import Path

import pytest

from npf_tui.cli import main
from npf_tui.core.entities import store as store_mod
from npf_tui.core.entities.store import ENTITIES_FILE, MENTIONS_FILE, STORE_DIR, update_entity_store
from npf_tui.core.glossary import load_glossary
from npf_tui.core.search import index as index_mod
from npf_tui.core.search import integrity as integrity_mod
from npf_tui.core.search import pinyin_map
from npf_tui.core.search.index import ensure_index
from npf_tui.core.search.manifest import MANIFEST, Manifest, current_generation
from npf_tui.core.sources import corpus as corpus_mod
from npf_tui.core.sources.corpus import load_corpus
from npf_tui.core.text.dictionary import DICTIONARY_FILE, compile_dictionary


def test_streamed_build_gives_the_side_stores_of_the_in_memory_path(corpus_copy, tmp_path):
    """Entity store, pinyin map and dictionary of a build equal those made from every Document held in memory (what
    the build did before it streamed), byte for byte."""
    gen, _, _ = ensure_index(corpus_copy, tmp_path / "idx", rebuild=True)
    docs = load_corpus(corpus_copy)
    assert docs, "the bundled corpus has documents"
    reference = tmp_path / "reference"
    reference.mkdir()
    update_entity_store(reference, docs, load_glossary(corpus_copy))
    for name in (ENTITIES_FILE, MENTIONS_FILE):
        built = (gen / STORE_DIR / name).read_bytes()
        assert built == (reference / STORE_DIR / name).read_bytes(), name
    bigrams = pinyin_map.bigrams_of(p for d in docs for p in d.paragraphs)
    pinyin_map.save(reference, pinyin_map.from_lexicon(bigrams))
    assert (gen / pinyin_map.PINYIN_MAP).read_bytes() == (reference / pinyin_map.PINYIN_MAP).read_bytes()
    compile_dictionary(reference / DICTIONARY_FILE, bigrams)
    assert (gen / DICTIONARY_FILE).read_bytes() == (reference / DICTIONARY_FILE).read_bytes()
    store = store_mod.load_entity_store(gen)
    assert store.available and store.all(), "the streamed build found entities"


def test_pinyin_map_file_does_not_depend_on_string_hashing(tmp_path):
    """The same bigrams, met in another order, save to the same bytes (sets iterate by hash, which changes with
    every process: the saved file could not be compared between two builds)."""
    grams = ["新质", "生产", "产力", "质生", "重庆", "庆市"]
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    pinyin_map.save(a, pinyin_map.from_lexicon(grams))
    pinyin_map.save(b, pinyin_map.from_lexicon(reversed(grams)))
    assert (a / pinyin_map.PINYIN_MAP).read_bytes() == (b / pinyin_map.PINYIN_MAP).read_bytes()
    assert "新质" in pinyin_map.chinese_for(["xin", "zhi"], pinyin_map.load(a))


def test_build_holds_a_few_documents_at_a_time(corpus_copy, tmp_path, monkeypatch):
    """Every Document the build reads (for the index and, in its thread, for the entity store) is dropped before
    long: at no time are more than a few alive, whatever the corpus size."""
    alive: list[weakref.ref] = []
    peak = [0]
    real = corpus_mod.load_document

    def tracked(path, *args, **kwargs):
        doc = real(path, *args, **kwargs)
        alive[:] = [ref for ref in alive if ref() is not None]
        alive.append(weakref.ref(doc))
        peak[0] = max(peak[0], len(alive))
        return doc

    monkeypatch.setattr(corpus_mod, "load_document", tracked)
    monkeypatch.setattr(store_mod, "load_document", tracked)
    ensure_index(corpus_copy, tmp_path / "idx", rebuild=True)
    n_docs = len(list(corpus_copy.glob("*.md")))
    assert n_docs >= 8
    assert 1 <= peak[0] <= 4 < n_docs


def _trust_stamps(gen: Path) -> None:
    """Date the manifest after its files (as when a sync or build took longer than a file-time tick)."""
    later = time.time_ns() + 2 * 10**9
    os.utime(gen / MANIFEST, ns=(later, later))


def test_open_check_reads_only_files_whose_stamp_changed(built_copy, monkeypatch):
    corpus, index = built_copy
    gen = current_generation(index)
    assert gen is not None
    manifest = Manifest.load(gen)
    assert all(len(record) == 4 for record in manifest.files.values())
    _trust_stamps(gen)
    read: list[str] = []
    real = integrity_mod.crc_file
    monkeypatch.setattr(integrity_mod, "crc_file", lambda path, *a: read.append(path.name) or real(path, *a))
    assert integrity_mod.index_healthy(gen, manifest) and read == []
    seg = sorted(gen.glob("*.seg"))[0]
    os.utime(seg, ns=(seg.stat().st_atime_ns, seg.stat().st_mtime_ns + 10**9))  # same bytes, new time: read again
    assert integrity_mod.index_healthy(gen, manifest) and read == [seg.name]
    data = bytearray(seg.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte, same size: the CRC of the changed file finds it
    seg.write_bytes(bytes(data))
    assert not integrity_mod.index_healthy(gen, manifest)


def test_manifest_of_earlier_version_is_checked_by_crc(built_copy, monkeypatch):
    """Records without a stamp ([size, crc32]) are read and compared, as before."""
    corpus, index = built_copy
    gen = current_generation(index)
    assert gen is not None
    manifest = Manifest.load(gen)
    manifest.files = {name: record[:2] for name, record in manifest.files.items()}
    manifest.save(gen)
    manifest = Manifest.load(gen)
    read: list[str] = []
    real = integrity_mod.crc_file
    monkeypatch.setattr(integrity_mod, "crc_file", lambda path, *a: read.append(path.name) or real(path, *a))
    assert integrity_mod.index_healthy(gen, manifest) and sorted(read) == sorted(manifest.files)


def _add(capsys, corpus: Path, index: Path, source: Path) -> str:
    status = main(["--corpus", str(corpus), "--index", str(index), "add", str(source)])
    out = capsys.readouterr()
    assert status == 0, out.err
    return out.err


def test_add_reads_only_the_files_it_wrote(built_copy, tmp_path, monkeypatch, capsys):
    """`npf add` CRCs (and fsyncs) only the new segment files and table of contents; the others keep their records,
    and the new manifest still describes every file as it is on disk."""
    corpus, index = built_copy
    gen = current_generation(index)
    assert gen is not None
    before = Manifest.load(gen).files
    _trust_stamps(gen)
    read: list[str] = []
    real = integrity_mod.crc_file
    monkeypatch.setattr(integrity_mod, "crc_file", lambda path, *a: read.append(path.name) or real(path, *a))
    source = tmp_path / "pangolin.txt"
    source.write_text("Pangolins of Hunan\n\nA pangolin walks by the Xiang river in Hunan.\n", encoding="utf-8")
    _add(capsys, corpus, index, source)
    assert current_generation(index) == gen  # updated in place, not rebuilt
    after = Manifest.load(gen).files
    new = sorted(set(after) - set(before))
    assert new and sorted(read) == new
    for name, record in after.items():
        assert list(real(gen / name)) == record[:2], name


def test_add_after_a_damaged_old_segment_is_caught(built_copy, tmp_path, capsys):
    """A segment damaged in place (same size) before an add: the add's open check finds it and rebuilds, and the
    new document is searchable in the rebuilt index."""
    corpus, index = built_copy
    gen = current_generation(index)
    assert gen is not None
    _trust_stamps(gen)
    seg = sorted(gen.glob("*.seg"))[0]
    data = bytearray(seg.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = os.urandom(64)
    seg.write_bytes(bytes(data))
    source = tmp_path / "pangolin.txt"
    source.write_text("Pangolins of Hunan\n\nA pangolin walks by the Xiang river in Hunan.\n", encoding="utf-8")
    err = _add(capsys, corpus, index, source)
    assert "damaged" in err
    assert current_generation(index) != gen
    status = main(["--corpus", str(corpus), "--index", str(index), "search", "pangolin", "--json"])
    assert status == 0 and "pangolin" in capsys.readouterr().out.lower()


def _dictionary_rows(path: Path) -> tuple[list, list]:
    import sqlite3

    with sqlite3.connect(path) as db:
        entries = sorted(db.execute("SELECT simp, trad, pinyin, senses FROM entry"))
        glosses = sorted(db.execute("SELECT key, simp, position, senses FROM gloss"))
    db.close()
    return entries, glosses


def test_add_extends_the_dictionary_as_a_full_compile_would(built_copy, tmp_path, capsys, monkeypatch):
    """An add that brings new Chinese bigrams adds the CC-CEDICT entries they complete, and only those (without
    compiling the dictionary again): it then holds what compiling it for the whole corpus gives."""
    corpus, index = built_copy

    def no_recompile(*args, **kwargs):
        raise AssertionError("the dictionary was compiled again")

    monkeypatch.setattr(index_mod, "compile_dictionary", no_recompile)
    gen = current_generation(index)
    assert gen is not None
    before, _ = _dictionary_rows(gen / DICTIONARY_FILE)
    source = tmp_path / "shuiwen.txt"
    source.write_text(
        "水文观测\n\n长江水文局发布防汛抗旱通知，加密数据备份到服务器，操作系统升级。\n", encoding="utf-8"
    )
    _add(capsys, corpus, index, source)
    assert current_generation(index) == gen
    after = _dictionary_rows(gen / DICTIONARY_FILE)
    assert len(after[0]) > len(before), "the new text completes dictionary entries"
    bigrams = pinyin_map.bigrams_of(p for d in load_corpus(corpus) for p in d.paragraphs)
    reference = tmp_path / "reference.sqlite"
    compile_dictionary(reference, bigrams)
    assert after == _dictionary_rows(reference)


def test_a_saved_manifest_is_read_back_without_parsing(built_copy, monkeypatch):
    """What `save` wrote is what `load` gives for those bytes, unparsed (the reader's next import reads the manifest
    its last one wrote); other bytes, a hand edit included, are parsed as ever."""
    _, index = built_copy
    gen = current_generation(index)
    manifest = Manifest.load(gen)
    manifest.save(gen)
    monkeypatch.setattr(Manifest, "_parse", classmethod(lambda cls, data: (_ for _ in ()).throw(AssertionError)))
    again = Manifest.load(gen)
    assert again.docs == manifest.docs and again.files == manifest.files and again is not manifest
    again.docs.clear()  # a copy: changing it changes neither the saved manifest nor the next load
    assert Manifest.load(gen).docs == manifest.docs
    monkeypatch.undo()
    (gen / MANIFEST).write_bytes((gen / MANIFEST).read_bytes().replace(b'"docs"', b'"DOCS"'))
    with pytest.raises(ValueError, match="malformed manifest"):  # not taken from the cache
        Manifest.load(gen)


def test_the_corpus_scan_makes_a_path_only_when_asked(corpus_copy):
    from npf_tui.core.search.manifest import scan_corpus

    scan = scan_corpus(corpus_copy)
    names = sorted(p.name for p in corpus_mod.document_paths(corpus_copy))
    assert sorted(scan.files) == sorted(n[:-3] for n in names) and len(scan.files) == len(names)
    doc_id = names[0][:-3]
    assert doc_id in scan.files and "nothing-such" not in scan.files
    assert scan.files[doc_id] == corpus_copy / names[0]
    assert dict(scan.files.items()) == {n[:-3]: corpus_copy / n for n in names}
