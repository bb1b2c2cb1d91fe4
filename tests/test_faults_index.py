"""Corrupt, foreign and outdated indexes, read-only folders and full disks: detected, rebuilt or worked around, with
a message and never a traceback or a wrong answer (issue 7)."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from npf_tui.cli import main
from npf_tui.core.errors import CorpusError, IndexError_
from npf_tui.core.search import index as index_mod
from npf_tui.core.search import integrity as integrity_mod
from npf_tui.core.search import manifest as manifest_mod
from npf_tui.core.search.index import SCHEMA_VERSION
from npf_tui.core.search.library import Library
from npf_tui.core.search.manifest import CURRENT_FILE, MANIFEST, current_generation
from npf_tui.core.search.ranking import BlockRanker

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
QUERIES = [
    "Xi",
    "新质生产力",
    "質生產",
    "innovation",
    "xinzhi shengchanli",
    '"two sessions"',
    "Heilongjiang",
    "Liu Haiqing",
    "author:Rainey",
    "-Xi economy",
]


def snapshot(lib: Library) -> dict[str, list]:
    """What the queries find, as comparable data (all hits, in a stable order)."""
    out = {}
    for query in QUERIES:
        result = lib.search(query, limit=1000)
        out[query] = sorted((h.doc_id, h.paragraph) for h in result.hits)
    return out


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The answers of a freshly built index of the bundled corpus."""
    lib = Library.open(DATA, tmp_path_factory.mktemp("ref-idx"))
    try:
        return snapshot(lib)
    finally:
        lib.close()


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A corpus copy with its index, built once; tests get copies of both (cheaper than a build each)."""
    root = tmp_path_factory.mktemp("template")
    shutil.copytree(DATA, root / "corpus")
    Library.open(root / "corpus", root / "idx").close()
    return root


@pytest.fixture()
def built(template, tmp_path):
    """(corpus, index root, live generation): a private copy of the template, its manifest pointed at the copy
    (copy2 keeps sizes and mtimes, so the index is up to date for the copied corpus)."""
    corpus, index = tmp_path / "corpus", tmp_path / "idx"
    shutil.copytree(template / "corpus", corpus)
    shutil.copytree(template / "idx", index)
    gen = current_generation(index)
    manifest = json.loads((gen / MANIFEST).read_text())
    manifest["corpus_dir"] = str(corpus.resolve())
    (gen / MANIFEST).write_text(json.dumps(manifest))
    return corpus, index, gen


def _segments(gen: Path) -> list[Path]:
    return sorted(p for p in gen.iterdir() if p.suffix == ".seg")


def _damage(gen: Path, how: str) -> None:
    """Break a generation in one of the ways disks, people and killed programs do."""
    seg = _segments(gen)[0]
    toc = next(gen.glob("_MAIN_*.toc"))
    data = seg.read_bytes()
    if how == "truncate-seg":
        seg.write_bytes(data[: len(data) // 3])
    elif how == "empty-seg":
        seg.write_bytes(b"")
    elif how == "garbage-seg":
        seg.write_bytes(os.urandom(len(data) // 2))
    elif how == "flip-bytes-same-size":  # bit rot: size unchanged, doc_count unchanged
        middle = len(data) // 2
        seg.write_bytes(data[:middle] + os.urandom(4096) + data[middle + 4096 :])
    elif how == "delete-seg":
        seg.unlink()
    elif how == "truncate-toc":
        toc.write_bytes(toc.read_bytes()[:20])
    elif how == "delete-toc":
        toc.unlink()
    elif how == "empty-manifest":
        (gen / MANIFEST).write_text("")
    elif how == "garbage-manifest":
        (gen / MANIFEST).write_bytes(os.urandom(300))
    elif how == "manifest-wrong-shape":
        (gen / MANIFEST).write_text(json.dumps({"schema_version": SCHEMA_VERSION, "docs": [1, 2]}))
    elif how == "garbage-current":
        (gen.parent / CURRENT_FILE).write_bytes(os.urandom(40))
    elif how == "current-escapes":
        (gen.parent / CURRENT_FILE).write_text("../../etc\n")
    elif how == "empty-current":
        (gen.parent / CURRENT_FILE).write_text("")
    elif how == "gen-folder-gone":
        shutil.rmtree(gen)
    elif how == "all-garbage":
        for path in gen.iterdir():
            if path.is_file():
                path.write_bytes(os.urandom(200))
    else:  # pragma: no cover
        raise AssertionError(how)


#: The default run checks a few representative kinds; the slow run all of them.
DAMAGE = ["truncate-seg", "flip-bytes-same-size", "manifest-wrong-shape", "garbage-current", "gen-folder-gone"] + [
    pytest.param(how, marks=pytest.mark.slow)
    for how in (
        "empty-seg",
        "garbage-seg",
        "delete-seg",
        "truncate-toc",
        "delete-toc",
        "empty-manifest",
        "garbage-manifest",
        "current-escapes",
        "empty-current",
        "all-garbage",
    )
]


@pytest.mark.parametrize("how", DAMAGE)
def test_damaged_index_is_detected_on_open_and_rebuilt(built, reference, how):
    corpus, index, gen = built
    _damage(gen, how)
    lib = Library.open(corpus, index)
    try:
        assert any(n.startswith("rebuilding the index") for n in lib.notices), lib.notices
        assert lib.gen_dir != gen
        assert snapshot(lib) == reference
    finally:
        lib.close()


@pytest.mark.parametrize(
    "how",
    [
        "flip-bytes-same-size",
        pytest.param("garbage-current", marks=pytest.mark.slow),
        pytest.param("truncate-toc", marks=pytest.mark.slow),
    ],
)
def test_damaged_index_through_the_cli_gives_a_message_and_right_answers(built, capsys, how):
    corpus, index, gen = built
    _damage(gen, how)
    status = main(["--corpus", str(corpus), "--index", str(index), "search", "Heilongjiang", "--json"])
    out, err = capsys.readouterr()
    assert status == 0 and "Traceback" not in err
    assert "rebuilding the index" in err
    assert json.loads(out)["total"] == 3


def test_index_of_an_older_schema_is_rebuilt(built, reference):
    corpus, index, gen = built
    manifest = json.loads((gen / MANIFEST).read_text())
    manifest["schema_version"] = SCHEMA_VERSION - 1
    (gen / MANIFEST).write_text(json.dumps(manifest))
    lib = Library.open(corpus, index)
    try:
        assert any("another version of npf" in n for n in lib.notices)
        assert snapshot(lib) == reference
    finally:
        lib.close()


def test_index_for_another_corpus_is_rebuilt_never_mixed(built, tmp_path):
    corpus, index, _ = built
    other = tmp_path / "other"
    other.mkdir()
    (other / "one.md").write_text("---\ntitle: One\n---\n\nOnly a walrus here.\n", encoding="utf-8")
    lib = Library.open(other, index)
    try:
        assert any("another corpus" in n for n in lib.notices)
        assert sorted(lib.catalog) == ["one"]
        assert lib.search("Xi").total == 0 and lib.search("walrus").total == 1
    finally:
        lib.close()


def _forget_file_table(gen: Path) -> None:
    """Make the manifest look like one written before file checks existed (so the open-time check cannot see)."""
    manifest = json.loads((gen / MANIFEST).read_text())
    manifest.pop("files", None)
    (gen / MANIFEST).write_text(json.dumps(manifest))


def test_manifest_without_file_table_is_rebuilt(built, reference):
    corpus, index, gen = built
    _forget_file_table(gen)
    lib = Library.open(corpus, index)
    try:
        assert lib.gen_dir != gen and any("damaged" in n for n in lib.notices)
        assert snapshot(lib) == reference
    finally:
        lib.close()


def test_damage_after_open_is_caught_by_search(built, reference):
    """Segments garbled in place under an open reader (Whoosh maps them, so it would silently find nothing): the
    next search sees the files changed, re-checks them, rebuilds and answers right."""
    corpus, index, gen = built
    lib = Library.open(corpus, index)
    try:
        assert lib.gen_dir == gen and not lib.notices, lib.notices  # opened as healthy
        seg = _segments(gen)[0]
        size = seg.stat().st_size
        with open(seg, "r+b") as handle:  # same inode, same size: header and trailer intact, postings garbage
            handle.seek(size // 8)
            handle.write(os.urandom(size * 6 // 8))
        result = lib.search("Heilongjiang", limit=1000)
        assert "rebuil" in result.notice
        assert sorted((h.doc_id, h.paragraph) for h in result.hits) == reference["Heilongjiang"]
        assert lib.gen_dir != gen and snapshot(lib) == reference
    finally:
        lib.close()


def test_damage_while_open_is_recovered_by_search(built, reference):
    corpus, index, gen = built
    lib = Library.open(corpus, index)
    try:
        assert snapshot(lib) == reference
        shutil.rmtree(gen)  # e.g. another process removed it; the open searcher's lazily read parts are gone
        for query in QUERIES:
            result = lib.search(query, limit=1000)
            assert sorted((h.doc_id, h.paragraph) for h in result.hits) == reference[query]
    finally:
        lib.close()


def test_search_that_keeps_failing_gives_one_clear_error(built, monkeypatch):
    corpus, index, _ = built
    lib = Library.open(corpus, index)

    def broken(*args, **kwargs):
        raise RuntimeError("simulated Whoosh fault\nwith a second line")

    try:
        # Both ways a query is answered: the block ranker and Whoosh's own search.
        monkeypatch.setattr(type(lib._searcher), "search", broken)
        # The block ranker answers through rank/scores (both evaluate with _eval) and reads single terms (passages).
        for method in ("rank", "scores", "_eval", "passages"):
            monkeypatch.setattr(BlockRanker, method, broken)
        with pytest.raises(IndexError_) as info:
            lib.search("Xi")
        assert "\n" not in str(info.value) and "npf index --rebuild" in str(info.value)
    finally:
        monkeypatch.undo()
        lib.close()


# -- full disks -----------------------------------------------------------------------------------------------------
def _enospc(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize(
    "where", ["segments", *(pytest.param(w, marks=pytest.mark.slow) for w in ("manifest", "current", "fsync"))]
)
def test_full_disk_during_rebuild_leaves_previous_generation_live(built, reference, monkeypatch, where):
    corpus, index, gen = built
    if where == "segments":
        from whoosh.filedb.filestore import FileStorage

        real = FileStorage.create_file

        def create_file(self, name, *args, **kwargs):
            if name.endswith(".seg") or ".toc" in name:
                _enospc()
            return real(self, name, *args, **kwargs)

        monkeypatch.setattr(FileStorage, "create_file", create_file)
    elif where == "manifest":
        monkeypatch.setattr(manifest_mod.Manifest, "save", lambda self, gen_dir: _enospc())
    elif where == "current":
        real_write = index_mod.atomic_write_text

        def write(path, text):
            if Path(path).name == CURRENT_FILE:
                _enospc()
            return real_write(path, text)

        monkeypatch.setattr(index_mod, "atomic_write_text", write)
    else:
        monkeypatch.setattr(index_mod.os, "fsync", lambda fd: _enospc())
    with pytest.raises(IndexError_, match="No space left on device") as info:
        Library.open(corpus, index, rebuild=True)
    assert "\n" not in str(info.value)
    monkeypatch.undo()
    assert current_generation(index) == gen
    assert [p for p in index.iterdir() if p.name.startswith("gen-")] == [gen]  # the partial build is gone
    lib = Library.open(corpus, index)
    try:
        assert lib.gen_dir == gen and not lib.notices
        assert snapshot(lib) == reference
    finally:
        lib.close()


def test_full_disk_during_incremental_update_keeps_searching(built, reference, monkeypatch):
    corpus, index, gen = built
    (corpus / "new.md").write_text("---\ntitle: New\n---\n\nA zebrafinch sings.\n", encoding="utf-8")
    from whoosh.filedb.filestore import FileStorage

    monkeypatch.setattr(FileStorage, "create_file", lambda self, name, *a, **k: _enospc())
    lib = Library.open(corpus, index)
    try:
        assert lib.stale and any("No space left on device" in n for n in lib.notices)
        assert snapshot(lib) == reference  # the index as it was
        monkeypatch.undo()
        assert lib.refresh() and not lib.stale  # space again: the pending update is finished
        assert lib.search("zebrafinch").total == 1
    finally:
        lib.close()


# -- read-only folders ---------------------------------------------------------------------------------------------
def _can_mount_read_only() -> bool:
    """Whether this machine lets us make a private read-only bind mount (unshare; root or user namespaces)."""
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(
        [
            "unshare",
            "-rm",
            "sh",
            "-c",
            "mount --bind /tmp /tmp && mount -o remount,bind,ro /tmp && ! touch /tmp/.npf-ro-probe",
        ],
        capture_output=True,
    )
    return probe.returncode == 0


READ_ONLY_MOUNTS = _can_mount_read_only()


def run_read_only(read_only: list[Path], *npf_args: str) -> subprocess.CompletedProcess:
    """Run `npf` in a private mount namespace where the given folders are read-only (really: EROFS)."""
    mounts = " && ".join(f"mount --bind '{p}' '{p}' && mount -o remount,bind,ro '{p}'" for p in read_only)
    command = " ".join(f"'{a}'" for a in [sys.executable, "-m", "npf_tui.cli", *npf_args])
    return subprocess.run(
        ["unshare", "-rm", "sh", "-c", f"{mounts} && exec {command}"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NO_COLOR": "1"},
    )


@pytest.mark.slow
@pytest.mark.skipif(not READ_ONLY_MOUNTS, reason="cannot make a read-only bind mount here")
def test_read_only_corpus_folder_really_mounted(built, tmp_path):
    corpus, index, _ = built
    source = tmp_path / "src.txt"
    source.write_text("A pangolin walks by the river.\n", encoding="utf-8")
    before = sorted(p.name for p in corpus.iterdir())
    proc = run_read_only([corpus], "--corpus", str(corpus), "--index", str(index), "add", str(source))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().count("\n") == 0 and "Read-only file system" in proc.stderr
    assert sorted(p.name for p in corpus.iterdir()) == before
    proc = run_read_only([corpus], "--corpus", str(corpus), "--index", str(index), "search", "Heilongjiang", "--json")
    assert proc.returncode == 0 and json.loads(proc.stdout)["total"] == 3


@pytest.mark.skipif(not READ_ONLY_MOUNTS, reason="cannot make a read-only bind mount here")
def test_read_only_index_folder_really_mounted(built, tmp_path):
    corpus, index, gen = built
    (corpus / "new.md").write_text("---\ntitle: New\n---\n\nA zebrafinch sings.\n", encoding="utf-8")
    args = ["--corpus", str(corpus), "--index", str(index), "search", "Heilongjiang", "--json"]
    proc = run_read_only([index], *args)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert json.loads(proc.stdout)["total"] == 3
    assert "Read-only file system" in proc.stderr and "as it was last built" in proc.stderr
    assert current_generation(index) == gen
    # a rebuild on a read-only index is refused in one line, and changes nothing
    proc = run_read_only([index], "--corpus", str(corpus), "--index", str(index), "index", "--rebuild")
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1 and "Read-only file system" in proc.stderr
    assert current_generation(index) == gen


def test_read_only_corpus_folder_simulated(built, tmp_path, monkeypatch, capsys):
    """The same, anywhere (root ignores chmod): every attempt to create a file in the corpus fails with EROFS."""
    corpus, index, _ = built
    import tempfile

    real_mkstemp = tempfile.mkstemp

    def mkstemp(*args, dir=None, **kwargs):
        if dir is not None and Path(dir).resolve() == corpus.resolve():
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(dir))
        return real_mkstemp(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    source = tmp_path / "src.txt"
    source.write_text("A pangolin walks by the river.\n", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in corpus.iterdir()}
    status = main(["--corpus", str(corpus), "--index", str(index), "add", str(source)])
    _, err = capsys.readouterr()
    assert status == 1 and "Traceback" not in err and "Read-only file system" in err
    assert {p.name: p.read_bytes() for p in corpus.iterdir()} == before
    from npf_tui.core.models import Document
    from npf_tui.core.sources.corpus import write_document

    with pytest.raises(OSError):
        write_document(corpus, Document(doc_id="x", title="x", paragraphs=["x"]))
    assert main(["--corpus", str(corpus), "--index", str(index), "search", "Heilongjiang"]) == 0


def test_missing_corpus_is_one_line(tmp_path, capsys):
    status = main(["--corpus", str(tmp_path / "nope"), "--index", str(tmp_path / "i"), "search", "Xi"])
    _, err = capsys.readouterr()
    assert status == 1 and err.count("\n") == 1 and err.startswith("npf: error:")
    with pytest.raises(CorpusError):
        Library.open(tmp_path / "nope", tmp_path / "i")


def test_add_says_when_the_index_could_not_be_updated(built, tmp_path, monkeypatch, capsys):
    corpus, index, _ = built
    source = tmp_path / "src.txt"
    source.write_text("A pangolin walks by the river.\n", encoding="utf-8")
    from whoosh.filedb.filestore import FileStorage

    monkeypatch.setattr(FileStorage, "create_file", lambda self, name, *a, **k: _enospc())
    status = main(["--corpus", str(corpus), "--index", str(index), "add", str(source), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert report["added"] and report["index_updated"] is False and "No space left" in report["index_error"]
    assert status == 1


def test_a_closed_library_refuses_instead_of_reopening(built_copy):
    """A search racing the reader's exit must not reopen (or rebuild) the index after close()."""
    corpus, index = built_copy
    lib = Library.open(corpus, index)
    generations = sorted(p.name for p in index.iterdir())
    lib.close()
    with pytest.raises(IndexError_, match="closed"):
        lib.search("产业")
    with pytest.raises(IndexError_, match="closed"):
        lib.refresh()
    assert sorted(p.name for p in index.iterdir()) == generations


def test_passage_count_check_reads_the_table_of_contents_and_opens_readers_for_large_indexes(built, monkeypatch):
    """The open-time count comes from Whoosh's table of contents; an index too large for CRCs also has its segment
    readers opened. Either way a manifest that expects another number of passages means damage."""
    from whoosh import index as whoosh_index

    _, _, gen = built
    manifest = manifest_mod.Manifest.load(gen)
    assert integrity_mod.index_healthy(gen, manifest)
    opened = []
    real_doc_count = whoosh_index.FileIndex.doc_count
    monkeypatch.setattr(whoosh_index.FileIndex, "doc_count", lambda self: opened.append(1) or real_doc_count(self))
    assert integrity_mod.index_healthy(gen, manifest) and not opened  # CRC-checked: no readers needed
    monkeypatch.setattr(integrity_mod, "CHECKSUM_MAX_BYTES", 0)
    seg = _segments(gen)[0]  # a new time stamp (same bytes): the file must be checked again, but is too large to read
    os.utime(seg, ns=(seg.stat().st_atime_ns, seg.stat().st_mtime_ns + 10**9))
    assert integrity_mod.index_healthy(gen, manifest) and opened  # too large for CRCs: readers opened
    doc = next(iter(manifest.docs.values()))
    doc.paragraphs += 1
    assert not integrity_mod.index_healthy(gen, manifest)
    monkeypatch.setattr(integrity_mod, "CHECKSUM_MAX_BYTES", 1 << 40)
    assert not integrity_mod.index_healthy(gen, manifest)


def test_manifest_read_again_is_a_copy_and_follows_the_file(built_copy):
    """The last manifest read is reused only for the very same bytes, and as a copy: changing what a load returned
    (as a sync does) never changes the next load; a rewritten or damaged file is read afresh."""
    corpus, index = built_copy
    gen = current_generation(index)
    first = manifest_mod.Manifest.load(gen)
    doc_id = next(iter(first.docs))
    first.docs.pop(doc_id)
    first.files.clear()
    second = manifest_mod.Manifest.load(gen)
    assert doc_id in second.docs and second.files and second.docs is not first.docs
    (gen / manifest_mod.MANIFEST).write_text(
        (gen / manifest_mod.MANIFEST).read_text(encoding="utf-8").replace(f'"{doc_id}"', '"renamed-doc"', 1),
        encoding="utf-8",
    )
    assert "renamed-doc" in manifest_mod.Manifest.load(gen).docs
    (gen / manifest_mod.MANIFEST).write_bytes(b"{not json")
    with pytest.raises(ValueError):
        manifest_mod.Manifest.load(gen)


def test_an_open_library_sees_edits_and_removals_after_refresh(built_copy):
    """Refreshing an open library after a document was edited and another removed: the old text is gone and the
    new text is found once. (Whoosh's Searcher.refresh() reuses a segment's reader when the segment keeps its id,
    with the deletions it had when opened: the edited document's old passages were still found.)"""
    corpus, index = built_copy
    lib = Library.open(corpus, index)
    edited, removed = "semafor-2024-xi-catchphrase", "hungarian-art-exhibition-chongqing"
    try:
        assert lib.search('"total factor productivity"').total == 1
        assert lib.search('"Czégel Bálint"').total == 1
        path = corpus / f"{edited}.md"
        path.write_text(
            path.read_text(encoding="utf-8").replace("total factor productivity", "zebrafinch output"), encoding="utf-8"
        )
        (corpus / f"{removed}.md").unlink()
        assert lib.refresh()
        assert lib.search('"total factor productivity"').total == 0
        assert lib.search('"zebrafinch output"').total == 1
        assert lib.search('"Czégel Bálint"').total == 0
        hits = lib.search("Xi", limit=1000).hits
        assert len({(h.doc_id, h.paragraph) for h in hits}) == len(hits)  # no passage twice
    finally:
        lib.close()
