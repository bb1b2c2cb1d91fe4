"""Whoosh's writing path as npf_tui.core.search.whoosh_fast replaces it writes the same bytes as Whoosh's own: the
same segment files for the same documents, hence the same search results."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from whoosh import formats, writing
from whoosh import index as whoosh_index
from whoosh import query as Q
from whoosh.codec import base
from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.filestore import FileStorage
from whoosh.reading import SegmentReader

from npf_tui.core.search import whoosh_fast
from npf_tui.core.search.index import _passages, make_schema
from npf_tui.core.sources import corpus as corpus_mod

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
BENCH = ROOT / "benchmarks" / "work" / "corpus-20mb"
QUERIES = [("words", "product"), ("words", "new"), ("words", "新质"), ("cjk", "生产"), ("cjk", "力"), ("words", "xi")]


@pytest.fixture(autouse=True)
def _restore_patches():
    """Leave Whoosh patched or not as the test found it."""
    was = whoosh_fast.installed()
    yield
    if was:
        whoosh_fast.install()
    else:
        whoosh_fast.uninstall()


def _use(fast: bool) -> None:
    """Write with the replacements (fast) or with Whoosh's own functions."""
    if fast:
        whoosh_fast.install()
        assert whoosh_fast.installed()
    else:
        whoosh_fast.uninstall()
        assert not whoosh_fast.installed()


def _load(folder: Path) -> list[dict]:
    """The Whoosh documents (one per paragraph) of a corpus folder, as the index build feeds them."""
    return [p for path in sorted(folder.glob("*.md")) for p in _passages(corpus_mod.load_document(path))]


def _build(target: Path, passages: list[dict], fast: bool, **writer_args) -> Path:
    """An index of the passages in `target`; segment names come from `random`, seeded alike for both builds."""
    _use(fast)
    target.mkdir()
    random.seed(1234)
    ix = whoosh_index.create_in(str(target), make_schema())
    writer = ix.writer(**writer_args)
    for passage in passages:
        writer.add_document(**passage)
    writer.commit()
    return target


def _files(folder: Path) -> dict[str, object]:
    """Every file of an index folder (the lock is empty, the TOC as it is). A segment (.seg) is the files Whoosh
    wrote, copied one after the other, then a directory of their names, offsets, lengths and modification times:
    all of it but the times, which differ between any two builds (Whoosh's own too)."""
    storage = FileStorage(str(folder))
    out: dict[str, object] = {}
    for path in sorted(folder.iterdir()):
        raw = path.read_bytes()
        if path.suffix == ".seg":
            compound = CompoundStorage(storage.open_file(path.name), use_mmap=False)
            directory = {name: (entry["offset"], entry["length"]) for name, entry in compound._dir.items()}
            out[path.name] = (raw[: compound._diroffset], directory, compound._options)
            compound.close()
        else:
            out[path.name] = raw
    return out


def _segment_parts(folder: Path) -> dict[str, dict[str, bytes]]:
    """segment id -> {part (.pst, .trm, ._words_len.col ...): bytes} of every compound segment in the folder."""
    storage = FileStorage(str(folder))
    out: dict[str, dict[str, bytes]] = {}
    for seg in sorted(folder.glob("*.seg")):
        compound = CompoundStorage(storage.open_file(seg.name), use_mmap=False)
        raw = seg.read_bytes()
        parts = {}
        for name in compound._dir:
            offset, length = compound.range(name)
            parts[name[len(seg.stem) :]] = raw[offset : offset + length]
        compound.close()
        out[seg.stem] = parts
    return out


def _answers(folder: Path) -> list:
    """Document frequencies, hits (doc_id, para) and stored fields of a few terms."""
    ix = whoosh_index.open_dir(str(folder))
    with ix.searcher() as searcher:
        out: list = []
        for field, term in QUERIES:
            hits = searcher.search(Q.Term(field, term), limit=None)
            out.append((searcher.doc_frequency(field, term), sorted((h["doc_id"], h["para"]) for h in hits)))
        phrase = searcher.search(Q.Phrase("cjk", ["新质", "质生", "生产"]), limit=None)
        out.append(sorted((h["doc_id"], h["para"]) for h in phrase))
        out.append(sorted((f["doc_id"], f["para"], f["text"]) for f in searcher.all_stored_fields()))
    return out


def _scored(folder: Path) -> list:
    """The ranked hits with their scores (same segments, same scores)."""
    ix = whoosh_index.open_dir(str(folder))
    with ix.searcher() as searcher:
        return [
            [(h.score, h["doc_id"], h["para"]) for h in searcher.search(Q.Term(f, t), limit=20)] for f, t in QUERIES
        ]


def _assert_same_build(tmp_path: Path, passages: list[dict], **writer_args) -> None:
    ours = _build(tmp_path / "fast", passages, True, **writer_args)
    theirs = _build(tmp_path / "whoosh", passages, False, **writer_args)
    ours_files, theirs_files = _files(ours), _files(theirs)
    assert sorted(ours_files) == sorted(theirs_files)
    assert any(name.endswith(".seg") for name in ours_files)
    for name, data in theirs_files.items():
        assert ours_files[name] == data, name
    assert _answers(ours) == _answers(theirs)
    assert _scored(ours) == _scored(theirs)


def test_bundled_corpus_builds_byte_identical(tmp_path):
    passages = _load(DATA)
    assert passages
    _assert_same_build(tmp_path, passages, limitmb=256)


@pytest.mark.skipif(not BENCH.is_dir(), reason="no benchmark corpus (benchmarks/work/corpus-20mb)")
@pytest.mark.parametrize("limitmb", [256, 1])  # 1 MB: the pool writes sorted runs to disk and merges them
def test_benchmark_sample_builds_byte_identical(tmp_path, limitmb):
    sample = tmp_path / "corpus"
    sample.mkdir()
    files = sorted(BENCH.glob("*.md"))
    for path in files[:: max(1, len(files) // 40)][:40]:
        shutil.copy2(path, sample / path.name)
    passages = _load(sample)
    assert len(passages) > 1000
    _assert_same_build(tmp_path, passages, limitmb=limitmb)


def test_merged_segments_byte_identical(tmp_path):
    """A second writer merging the first one's segment into its own (how `optimize` and Whoosh's merge policy
    rewrite segments), deletions included: the postings then come from a segment reader."""
    passages = _load(DATA)
    half = len(passages) // 2
    built = {}
    for fast in (True, False):
        folder = _build(tmp_path / str(fast), passages[:half], fast, limitmb=256)
        ix = whoosh_index.open_dir(str(folder))
        writer = ix.writer(limitmb=256)
        writer.delete_by_term("doc_id", passages[0]["doc_id"])
        for passage in passages[half:]:
            writer.add_document(**passage)
        writer.commit(optimize=True)
        built[fast] = folder
    assert len(whoosh_index.open_dir(str(built[True]))._segments()) == 1
    assert _files(built[True]) == _files(built[False])
    assert _answers(built[True]) == _answers(built[False])


def test_multiprocess_segments_are_whoosh_own(tmp_path):
    """procs=2, multisegment=True (the big-corpus build): which sub-writer gets which batch is up to the processes,
    so each segment is compared with what Whoosh's own single writer writes for that segment's documents."""
    passages = _load(DATA)
    passages = passages + [dict(p, doc_id=p["doc_id"] + "-copy") for p in passages]  # several batches of 100
    ours = _build(tmp_path / "mp", passages, True, procs=2, limitmb=16, multisegment=True)
    whole = _build(tmp_path / "whole", passages, False, limitmb=16)
    assert _answers(ours) == _answers(whole)

    ix = whoosh_index.open_dir(str(ours))
    segments = ix._segments()
    assert len(segments) >= 1
    parts = _segment_parts(ours)
    for number, segment in enumerate(segments):
        reader = SegmentReader(ix.storage, ix.schema, segment)
        docs = [reader.stored_fields(n) for n in range(reader.doc_count_all())]
        reader.close()
        again = [dict(d, words=d["text"], cjk=d["text"]) for d in docs]
        reference = _build(tmp_path / f"ref{number}", again, False, limitmb=16)
        (ref_parts,) = _segment_parts(reference).values()
        assert parts[segment.segment_id()] == ref_parts


@given(st.lists(st.integers(0, 100_000), min_size=1, max_size=12))
def test_positions_encode_as_whoosh(positions):
    positions.sort()
    ours = whoosh_fast._positions_encode(None, positions)
    assert ours == whoosh_fast._ORIGINALS.get((formats.Positions, "encode"), formats.Positions.encode)(
        formats.Positions(), positions
    )


def test_install_is_idempotent_and_restorable():
    whoosh_fast.uninstall()
    own = formats.Positions.__dict__["encode"], base.FieldWriter.__dict__["add_postings"]
    whoosh_fast.install()
    whoosh_fast.install()
    assert formats.Positions.__dict__["encode"] is whoosh_fast._positions_encode
    assert writing.SegmentWriter.__dict__["add_document"] is whoosh_fast._add_document
    whoosh_fast.uninstall()
    assert (formats.Positions.__dict__["encode"], base.FieldWriter.__dict__["add_postings"]) == own


def test_install_leaves_other_whoosh_versions_alone(monkeypatch):
    whoosh_fast.uninstall()
    monkeypatch.setattr("whoosh.__version__", (2, 7, 9))
    whoosh_fast.install()
    assert not whoosh_fast.installed()
    assert formats.Positions.__dict__["word_values"].__module__ == "whoosh.formats"


def test_install_leaves_replaced_functions_alone(monkeypatch):
    whoosh_fast.uninstall()

    def someone_elses(self, poslist):
        return b""

    monkeypatch.setattr(formats.Positions, "encode", someone_elses)
    whoosh_fast.install()
    assert not whoosh_fast.installed()
    assert formats.Positions.encode is someone_elses
    assert base.FieldWriter.__dict__["add_postings"].__module__ == "whoosh.codec.base"
