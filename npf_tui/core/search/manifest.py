"""An index generation's manifest (what it was built from) and the corpus folder as it is now: comparing the two
tells which documents to index again.

A generation is live when CURRENT names it and its manifest.json exists (written last, atomically).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from npf_tui.core.fsutil import atomic_write_bytes
from npf_tui.core.glossary import GlossaryEntry, load_glossary, user_dictionary
from npf_tui.core.sources import corpus as corpus_mod
from npf_tui.core.text.analysis import user_words_key

CURRENT_FILE = "CURRENT"
MANIFEST = "manifest.json"


@dataclass
class DocEntry:
    """What the manifest remembers of one indexed document file."""

    doc_id: str
    file: str
    size: int
    mtime_ns: int
    meta: dict[str, str]
    paragraphs: int
    pairs: list[list] = field(default_factory=list)  # [en, zh, paragraph] mined from this document
    content_hash: str = ""  # corpus.content_hash of the text: `npf add` finds duplicates without re-reading files


def _file_record(value) -> list[int]:
    """One file's record: [size, crc32] or [size, crc32, mtime_ns, inode] (TypeError/IndexError when malformed)."""
    record = [int(v) for v in value[:4]]
    if len(record) not in (2, 4):
        raise IndexError("file record")
    return record


#: (bytes, parsed copy) of the last manifest read (see Manifest.load).
_last_manifest: tuple[bytes, Manifest] | None = None


@dataclass
class Manifest:
    """The state an index generation was built from."""

    schema_version: int
    corpus_dir: str
    userdict_key: str
    glossary_stamp: list[int]
    docs: dict[str, DocEntry]
    #: Whoosh files of the committed index: name -> [size, crc32, mtime_ns, inode] (manifests written before the
    #: stamp was kept have [size, crc32]). Checked on open, so a truncated, emptied or overwritten segment is found
    #: before it can give wrong results; the stamp spares reading the files that did not change (integrity.py).
    files: dict[str, list[int]] = field(default_factory=dict)
    #: Format of the entity store kept in the generation (a newer npf rebuilds an older store).
    entities_version: int = 0

    @classmethod
    def load(cls, gen_dir: Path) -> Manifest:
        """Read a generation's manifest (OSError when unreadable, ValueError for anything malformed).

        The last manifest read is kept with its bytes: reading the same bytes again (`npf add` reads the manifest
        before importing and again to update the index) gives a copy instead of parsing 1.3 MB of JSON again
        (25 ms at 20 MB, 80 ms at 100 MB). Copies share DocEntry objects, which nothing changes in place.
        """
        global _last_manifest
        data = (gen_dir / MANIFEST).read_bytes()
        last = _last_manifest
        if last is not None and last[0] == data:
            return last[1].copy()
        manifest = cls._parse(data)
        _last_manifest = (data, manifest.copy())
        return manifest

    @classmethod
    def _parse(cls, data: bytes) -> Manifest:
        """A manifest from its JSON bytes (ValueError for anything malformed)."""
        raw = json.loads(data.decode("utf-8"))
        try:
            docs = {str(k): DocEntry(**v) for k, v in raw["docs"].items()}
            files = {str(k): _file_record(v) for k, v in raw.get("files", {}).items()}
            manifest = cls(
                int(raw["schema_version"]),
                str(raw["corpus_dir"]),
                str(raw["userdict_key"]),
                list(raw["glossary_stamp"]),
                docs,
                files,
                int(raw.get("entities_version", 0)),
            )
            manifest.paragraph_count()
        except (KeyError, TypeError, AttributeError, IndexError, ValueError) as exc:
            # Damaged or hand-edited: any wrong shape is "malformed", never an odd exception further on.
            raise ValueError(f"malformed manifest ({type(exc).__name__})") from None
        return manifest

    def copy(self) -> Manifest:
        """A copy whose containers can be changed without touching this one's."""
        return Manifest(
            self.schema_version,
            self.corpus_dir,
            self.userdict_key,
            list(self.glossary_stamp),
            dict(self.docs),
            {k: list(v) for k, v in self.files.items()},
            self.entities_version,
        )

    def save(self, gen_dir: Path) -> None:
        """Write the manifest atomically. What was written is what the next `load` of the same bytes gives (the open
        reader's next import reads it back: 78 ms of parsing at 100 MB saved)."""
        global _last_manifest
        data = {
            "schema_version": self.schema_version,
            "corpus_dir": self.corpus_dir,
            "userdict_key": self.userdict_key,
            "glossary_stamp": self.glossary_stamp,
            # Sorted by id alone: sorting the (id, DocEntry) pairs took 57 ms of each `npf add` at 100 MB. An entry's
            # own __dict__ is its manifest form, which json only reads: not copied (45,797 copies were 0.2 s of an add
            # at 300 MB, cProfile).
            "docs": {k: vars(self.docs[k]) for k in sorted(self.docs)},
            "files": self.files,
            "entities_version": self.entities_version,
        }
        encoded = json.dumps(data, ensure_ascii=False).encode("utf-8")
        atomic_write_bytes(gen_dir / MANIFEST, encoded)
        _last_manifest = (encoded, self.copy())

    def paragraph_count(self) -> int:
        """Number of passages the index should hold."""
        return sum(d.paragraphs for d in self.docs.values())


class CorpusFiles(Mapping[str, Path]):
    """doc id -> the document file's Path, each Path made when first asked for: a sync looks at the few files that
    changed, and making all 9,661 Paths took 45 ms of each import in the reader at 100 MB."""

    def __init__(self, corpus_dir: Path, names: dict[str, str]):
        self._names = names  # doc id -> file name
        # A listed name needs no parsing: pathlib's own child maker (what iterdir uses) skips it (`corpus_dir / name`
        # parsed 9,661 names in 0.05 s). Python versions without it take the slow way.
        self._child = getattr(corpus_dir, "_make_child_relpath", corpus_dir.joinpath)

    def __getitem__(self, doc_id: str) -> Path:
        return self._child(self._names[doc_id])

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


@dataclass
class CorpusScan:
    """The corpus folder as it is now: document files with their stamps, and the glossary."""

    corpus_dir: Path
    files: Mapping[str, Path]
    stamps: dict[str, corpus_mod.FileStamp]
    glossary: list[GlossaryEntry]
    glossary_stamp: list[int]
    userdict: dict[str, str | None]  # word -> jieba tag (see glossary.user_dictionary)
    userdict_key: str
    skipped: list[str] = field(default_factory=list)  # "file: reason" for documents that could not be read


def scan_corpus(corpus_dir: Path, listing: dict[str, corpus_mod.FileStamp] | None = None) -> CorpusScan:
    """Stat the corpus folder's document files and read its glossary (cheap: no document is parsed). `listing`: the
    document files as just listed by the caller (name -> stamp, e.g. an import's), not listed again."""
    corpus_dir = Path(corpus_dir)
    names: dict[str, str] = {}
    stamps: dict[str, corpus_mod.FileStamp] = {}
    cut = len(corpus_mod.DOC_SUFFIX)
    for name, st in listing.items() if listing is not None else corpus_mod.document_stamps(corpus_dir):
        doc_id = name[:-cut]  # the file's stem
        stamps[doc_id] = st
        names[doc_id] = name
    files = CorpusFiles(corpus_dir, names)
    glossary = load_glossary(corpus_dir)
    gpath = corpus_dir / "glossary.toml"
    gstamp = [gpath.stat().st_size, gpath.stat().st_mtime_ns] if gpath.exists() else [0, 0]
    words = user_dictionary(glossary)
    return CorpusScan(corpus_dir, files, stamps, glossary, gstamp, words, user_words_key(words))


def current_generation(index_root: Path) -> Path | None:
    """The live generation folder, or None when there is no complete index."""
    try:
        name = (index_root / CURRENT_FILE).read_text(encoding="utf-8").strip()
    except (OSError, ValueError):  # missing, unreadable, or not even text (garbage): no complete index
        return None
    gen = index_root / name
    if not name or "/" in name or not (gen / MANIFEST).is_file():
        return None
    return gen


def known_documents(index_root: Path) -> dict[str, tuple[int, int, str, str]]:
    """file name -> (size, mtime_ns, content hash, doc id) of the documents the live index generation was built from
    (empty when there is no readable index): what `npf add` needs to skip re-reading unchanged files."""
    gen = current_generation(Path(index_root))
    if gen is None:
        return {}
    try:
        manifest = Manifest.load(gen)
    except (OSError, ValueError):
        return {}
    return {e.file: (e.size, e.mtime_ns, e.content_hash, e.doc_id) for e in manifest.docs.values() if e.content_hash}


def changes(scan: CorpusScan, manifest: Manifest) -> tuple[set[str], set[str]]:
    """(changed or new doc ids, removed doc ids) between the corpus folder and an index manifest."""
    docs = manifest.docs
    get = docs.get
    changed = {
        doc_id
        for doc_id, st in scan.stamps.items()
        if (entry := get(doc_id)) is None or entry.size != st.size or entry.mtime_ns != st.mtime_ns
    }
    removed = docs.keys() - scan.stamps.keys()
    return changed, removed
