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

from npf_tui.core.search.manifest import Manifest

#: Files of Whoosh's committed index: the table of contents and the segment files it names.
_TOC_RE = re.compile(r"^_MAIN_(\d+)\.toc$")
#: Above this total size, opening checks file sizes only (a full checksum would slow every start).
CHECKSUM_MAX_BYTES = 256 * 1024 * 1024


def whoosh_files(gen_dir: Path, fsync: bool = False) -> dict[str, list[int]]:
    """name -> [size, crc32] of the files of the committed Whoosh index in a generation (orphans left out)."""
    tocs = sorted((int(m.group(1)), name) for name in os.listdir(gen_dir) if (m := _TOC_RE.match(name)))
    if not tocs:
        return {}
    ix = whoosh_index.open_dir(str(gen_dir))
    segids = [seg.segid for seg in ix._read_toc().segments]  # noqa: SLF001 - Whoosh has no public segment list
    table: dict[str, list[int]] = {}
    for name in sorted(os.listdir(gen_dir)):
        if name == tocs[-1][1] or any(name.startswith(f"MAIN_{segid}.") for segid in segids):
            table[name] = [*crc_file(gen_dir / name, fsync)]
    return table


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


def crc_affordable(manifest: Manifest) -> bool:
    """Whether the generation's files are small enough to be checked by CRC on every open."""
    return sum(size for size, _ in manifest.files.values()) <= CHECKSUM_MAX_BYTES


def files_intact(gen_dir: Path, manifest: Manifest) -> bool:
    """The committed Whoosh files are those the manifest recorded: same names, sizes and (when affordable) CRCs."""
    if not manifest.files:
        return False  # every index of this schema records its files: a manifest without them was damaged
    checksums = crc_affordable(manifest)
    for name, (size, crc) in manifest.files.items():
        path = gen_dir / name
        try:
            if path.stat().st_size != size:
                return False
            if checksums and crc_file(path) != (size, crc):
                return False
        except OSError:
            return False
    return True


def index_healthy(gen: Path, manifest: Manifest) -> bool:
    """Integrity check on open: the committed Whoosh files are those recorded (size and CRC), Whoosh can open them
    and they hold the passages the manifest expects."""
    try:
        return files_intact(gen, manifest) and holds_all_passages(
            gen, manifest, open_readers=not crc_affordable(manifest)
        )
    except Exception:  # noqa: BLE001 - any failure to open means "damaged": we rebuild
        return False


def holds_all_passages(gen: Path, manifest: Manifest, open_readers: bool = False) -> bool:
    """Whoosh opens the generation and counts the passages the manifest expects (False on any failure).

    The count comes from Whoosh's table of contents (every segment's count, deletions included): opening the
    segment readers took 50-60 ms of every open at 20 MB. `open_readers` opens them too, as a check that they can
    be read, for indexes too large for their files to be checked by CRC.
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
