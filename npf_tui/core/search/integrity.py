"""Integrity of an index generation: the committed Whoosh files are the ones the manifest recorded (sizes, CRCs)
and hold the passages it expects. Checked on every open, so a truncated, emptied or overwritten segment is found
(and the index rebuilt) before it can give wrong results.
"""

from __future__ import annotations

import os
import re
import zlib
from pathlib import Path

from whoosh import index as whoosh_index

from npf_tui.core.search.manifest import MANIFEST, Manifest

#: Files of Whoosh's committed index: the table of contents and the segment files it names.
_TOC_RE = re.compile(r"^_MAIN_(\d+)\.toc$")
#: Above this total size of files to read, opening checks their sizes only and opens the segment readers (reading
#: them all would slow that start; it happens only when many files changed stamp, e.g. an index copied elsewhere).
CHECKSUM_MAX_BYTES = 256 * 1024 * 1024


def whoosh_files(gen_dir: Path, fsync: bool = False, known: dict[str, list[int]] | None = None) -> dict[str, list[int]]:
    """name -> [size, crc32, mtime_ns, inode] of the files of the committed Whoosh index in a generation (orphans
    left out).

    `known` (the manifest's table, checked on open just before a sync) spares reading the files a sync did not
    write: Whoosh never rewrites a segment file once committed (deletions live in the table of contents), so a
    file still of the recorded size, time and inode keeps its recorded CRC and needs no fsync again. Only new or
    changed files are read (and fsynced): at 100 MB that was 0.19 s of every `npf add`, growing with the corpus.
    """
    tocs = sorted((int(m.group(1)), name) for name in os.listdir(gen_dir) if (m := _TOC_RE.match(name)))
    if not tocs:
        return {}
    ix = whoosh_index.open_dir(str(gen_dir))
    segids = [seg.segid for seg in ix._read_toc().segments]  # noqa: SLF001 - Whoosh has no public segment list
    known = known or {}
    table: dict[str, list[int]] = {}
    for name in sorted(os.listdir(gen_dir)):
        if name == tocs[-1][1] or any(name.startswith(f"MAIN_{segid}.") for segid in segids):
            path = gen_dir / name
            st = path.stat()
            record = known.get(name)
            if record is not None and len(record) >= 4 and _same_stamp(record, st):
                table[name] = list(record[:4])
                continue
            size, crc = crc_file(path, fsync)
            st = path.stat()
            table[name] = [size, crc, st.st_mtime_ns, st.st_ino]
    return table


def _same_stamp(record: list[int], st: os.stat_result) -> bool:
    """The file is as recorded: same size, modification time and inode."""
    return record[0] == st.st_size and record[2] == st.st_mtime_ns and record[3] == st.st_ino


def crc_file(path: Path, fsync: bool = False) -> tuple[int, int]:
    """(size, crc32) of a file, read in blocks; optionally fsynced."""
    crc, size = 0, 0
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            crc = zlib.crc32(block, crc)
            size += len(block)
        if fsync:
            os.fsync(handle.fileno())
    return size, crc


def unverified_files(gen_dir: Path, manifest: Manifest) -> dict[str, list[int]] | None:
    """The recorded files whose stamp does not vouch for them (None: a file is missing or of another size).

    A file is vouched for when its size, modification time and inode are those recorded and it was last modified
    before the manifest was written: any later write to it (truncation, garbage, bit flips through the file system)
    sets a newer time. The second condition is the "racy" case: file times tick in steps of a few milliseconds, so
    a file written in the same step as the manifest could be changed again without its time changing; such a file
    is read. Records without a stamp (manifests of earlier versions) are read too.
    """
    try:
        written = (gen_dir / MANIFEST).stat().st_mtime_ns
    except OSError:
        return None
    unverified: dict[str, list[int]] = {}
    for name, record in manifest.files.items():
        try:
            st = (gen_dir / name).stat()
        except OSError:
            return None
        if st.st_size != record[0]:
            return None
        if len(record) < 4 or not _same_stamp(record, st) or st.st_mtime_ns >= written:
            unverified[name] = record
    return unverified


def files_intact(gen_dir: Path, manifest: Manifest) -> bool:
    """The committed Whoosh files are those the manifest recorded: same names and sizes, and the CRC of every file
    whose stamp does not vouch for it (see `unverified_files`) when those are small enough to read."""
    return _files_state(gen_dir, manifest) != "damaged"


def _files_state(gen_dir: Path, manifest: Manifest) -> str:
    """'damaged'; 'checked' (sizes, stamps and CRCs as recorded); or 'sizes' (as recorded in size, but files whose
    stamps changed are too large to read on open: the caller opens the segment readers instead)."""
    if not manifest.files:
        return "damaged"  # every index of this schema records its files: a manifest without them was damaged
    unverified = unverified_files(gen_dir, manifest)
    if unverified is None:
        return "damaged"
    if sum(record[0] for record in unverified.values()) > CHECKSUM_MAX_BYTES:
        return "sizes"
    for name, record in unverified.items():
        try:
            if crc_file(gen_dir / name) != (record[0], record[1]):
                return "damaged"
        except OSError:
            return "damaged"
    return "checked"


def index_healthy(gen: Path, manifest: Manifest) -> bool:
    """Integrity check on open: the committed Whoosh files are those recorded (names and sizes; the CRC of each file
    whose stamp changed since it was recorded), Whoosh can open them and they hold the passages the manifest expects.

    Its cost follows what changed, not the corpus: a `stat` per file when nothing changed. Before, at 100 MB the
    check opened every segment reader (0.45 s of each `npf add` and cold search: the index was too large for CRCs),
    and at 20 MB it read the whole index for CRCs on every open."""
    try:
        state = _files_state(gen, manifest)
        return state != "damaged" and holds_all_passages(gen, manifest, open_readers=state == "sizes")
    except Exception:  # noqa: BLE001 - any failure to open means "damaged": we rebuild
        return False


def holds_all_passages(gen: Path, manifest: Manifest, open_readers: bool = False) -> bool:
    """Whoosh opens the generation and counts the passages the manifest expects (False on any failure).

    The count comes from Whoosh's table of contents (every segment's count, deletions included): opening the
    segment readers took 50-60 ms of every open at 20 MB. `open_readers` opens them too, as a check that they can
    be read, when files whose stamps changed are too large to be checked by CRC on open.
    """
    try:
        ix = whoosh_index.open_dir(str(gen))
        if open_readers:
            return ix.doc_count() == manifest.paragraph_count()
    except Exception:  # noqa: BLE001 - any failure to open means "damaged": we rebuild
        return False
    try:
        count = sum(segment.doc_count() for segment in ix._read_toc().segments)
    except Exception:  # noqa: BLE001 - Whoosh internals not as expected: count through a reader
        try:
            count = ix.doc_count()
        except Exception:  # noqa: BLE001
            return False
    return count == manifest.paragraph_count()
