"""The corpus on disk: a Markdown file per document, metadata in YAML front matter, paragraphs split by blank lines."""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from npf_tui.core.errors import CorpusError, DocumentNotFound
from npf_tui.core.fsutil import atomic_write_bytes
from npf_tui.core.models import META_KEYS, Document
from npf_tui.core.text.controls import is_safe, make_safe

#: Bounds on front matter (see docs/guarantees.md): real metadata is a few hundred bytes and a dozen keys.
MAX_FRONT_MATTER_CHARS = 64 * 1024
MAX_FRONT_MATTER_NODES = 2_000
MAX_FRONT_MATTER_DEPTH = 16

#: Document files are the corpus folder's *.md files (README.md and dot-files excepted).
DOC_SUFFIX = ".md"
IGNORED_NAMES = {"README.md"}
_PARA_SPLIT = re.compile(r"\n[ \t\u3000]*\n+")
_DOC_ID_BAD = re.compile(r"[^a-z0-9]+")

# Limits (see docs/guarantees.md). They keep one hostile or broken file from exhausting memory or time, and keep a
# passage a readable search hit.
#: A longer paragraph (a 1 MB line from a PDF or a scrape) is cut at the last sentence end before this many
#: characters (else at the last space, else hard); paragraph numbers count the pieces.
MAX_PARAGRAPH_CHARS = 4000
#: A document with more paragraphs than this is rejected with a message (millions of one-line passages would take
#: hours to index and make useless hits).
MAX_PARAGRAPHS = 50_000
#: A document file larger than this is rejected without being read.
MAX_DOCUMENT_BYTES = 32 * 1024 * 1024
#: Where a long paragraph may be cut: after a sentence end (Chinese ones need no space after them).
_SENTENCE_END = re.compile(r"(?:[。！？；…]|[.!?;](?=\s))[\"'”’」』）)\]]*\s*")


def bundled_corpus_dir() -> Path:
    """The corpus shipped with the project (data/ beside the package)."""
    return Path(__file__).resolve().parents[3] / "data"


@dataclass
class FileStamp:
    """What identifies one version of a corpus file cheaply (for change detection)."""

    size: int
    mtime_ns: int


def document_paths(corpus_dir: Path) -> list[Path]:
    """The document files of a corpus folder, sorted by name."""
    corpus_dir = Path(corpus_dir)
    return [corpus_dir / name for name in document_names(corpus_dir)]


def document_names(corpus_dir: Path) -> list[str]:
    """The file names of a corpus folder's documents, sorted (no Path made: 9,661 of them took 0.05 s)."""
    return sorted(e.name for e in _document_entries(corpus_dir))


def document_stamps(corpus_dir: Path) -> list[tuple[str, FileStamp]]:
    """(file name, stamp) of each document file of a corpus folder, sorted by name: one listing and one stat a file.

    What a cold `npf search` pays to know whether the index is current: at 9,661 files (the 100 MB benchmark corpus)
    listing them as Paths and then stat-ing each Path took 0.12 s; this takes ~0.06 s. A file removed between the
    listing and its stat is not part of the corpus.
    """
    found: list[tuple[str, FileStamp]] = []
    for e in _document_entries(corpus_dir):
        try:
            st = e.stat()
        except FileNotFoundError:
            continue
        found.append((e.name, FileStamp(size=st.st_size, mtime_ns=st.st_mtime_ns)))
    found.sort(key=lambda item: item[0])
    return found


def _document_entries(corpus_dir: Path) -> list[os.DirEntry]:
    """The directory entries of a corpus folder's document files, in listing order (CorpusError without the folder).

    scandir's entries know their type without a stat, and names sort faster than Paths: listing a 2,700-file corpus
    took 50 ms with iterdir + is_file + sorted(Path), and `npf add` lists it three times."""
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus folder not found: {corpus_dir}")
    with os.scandir(corpus_dir) as entries:
        return [e for e in entries if _is_document_name(e.name) and _is_file(e)]


def _is_document_name(name: str) -> bool:
    """A document file's name: Markdown, not hidden, not the folder's README."""
    return name.endswith(DOC_SUFFIX) and not name.startswith(".") and name not in IGNORED_NAMES


def _is_file(entry: os.DirEntry) -> bool:
    """A regular file (following links); False for one removed while the folder was listed."""
    try:
        return entry.is_file()
    except FileNotFoundError:
        return False


def stamp(path: Path) -> FileStamp:
    """The size and modification time of a file."""
    st = os.stat(path)
    return FileStamp(size=st.st_size, mtime_ns=st.st_mtime_ns)


def split_front_matter(text: str) -> tuple[dict, str]:
    """Split a document file into (front-matter dict, body); a file without front matter has {}."""
    text = text.lstrip("\ufeff")
    if not text.startswith("---"):
        return {}, text
    match = re.match(r"---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|$)", text, re.S)
    if not match:
        raise CorpusError("front matter starts with '---' but has no closing '---'")
    from npf_tui.core.sources.front_matter import load_front_matter

    meta = load_front_matter(match.group(1)) or {}
    if not isinstance(meta, dict):
        raise CorpusError("front matter must be a mapping of key: value lines")
    return meta, text[match.end() :]


def split_paragraphs(body: str) -> list[str]:
    """Paragraphs are separated by blank lines; surrounding whitespace is dropped, inner lines kept; a paragraph
    longer than MAX_PARAGRAPH_CHARS is cut into pieces (see split_long). Control characters come out visible
    (core/text/controls.py), before the cutting so that no piece grows past the limit."""
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    paragraphs: list[str] = []
    for piece in _PARA_SPLIT.split(body):
        piece = make_safe(piece.strip())
        if piece:
            paragraphs.extend(split_long(piece) if len(piece) > MAX_PARAGRAPH_CHARS else (piece,))
    return paragraphs


def split_long(text: str, limit: int = MAX_PARAGRAPH_CHARS) -> list[str]:
    """Cut a long paragraph into pieces of at most `limit` characters: after the last sentence end in the second
    half of the window, else at the last whitespace there, else hard at the limit."""
    pieces: list[str] = []
    while len(text) > limit:
        window = text[: limit + 1]
        cut = 0
        for match in _SENTENCE_END.finditer(window, limit // 2):
            if match.end() <= limit:
                cut = match.end()
        if not cut:
            space = max(window.rfind(" ", limit // 2), window.rfind("\n", limit // 2), window.rfind("\t", limit // 2))
            cut = space + 1 if space > 0 else limit
        head, text = text[:cut].strip(), text[cut:].strip()
        if head:
            pieces.append(head)
    if text:
        pieces.append(text)
    return pieces


def as_text(value) -> str:
    """Front-matter values as strings (YAML turns 2024-05-20 into a date; we keep ISO text)."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "; ".join(as_text(v) for v in value)
    return str(value).strip()


def parse_document(doc_id: str, text: str, path: Path | None = None) -> Document:
    """Build a Document from the text of a document file."""
    meta, body = split_front_matter(text)
    # Count blank-line separators before building the list: a file of millions of tiny paragraphs is refused
    # without first making millions of strings.
    if sum(1 for _ in _PARA_SPLIT.finditer(body)) >= MAX_PARAGRAPHS:
        raise CorpusError(f"too many paragraphs (more than {MAX_PARAGRAPHS}): split the document into several files")
    paragraphs = split_paragraphs(body)
    if len(paragraphs) > MAX_PARAGRAPHS:
        raise CorpusError(
            f"too many paragraphs ({len(paragraphs)}; at most {MAX_PARAGRAPHS}): split the document into several files"
        )
    # A document already in the corpus (written by hand, or imported by an older npf) cannot send control
    # sequences to a terminal either: every text taken from the file is made safe (paragraphs in split_paragraphs).
    known = {key: make_safe(as_text(meta.get(key))) for key in META_KEYS}
    extra = {make_safe(str(k)): make_safe(as_text(v)) for k, v in meta.items() if k not in META_KEYS}
    return Document(doc_id=doc_id, paragraphs=paragraphs, extra=extra, path=path, **known)


def load_document(path: Path) -> Document:
    """Read one document file; errors name the file."""
    path = Path(path)
    if not is_safe(path.name):
        # The name is the document's id, printed by every command and shown by the reader.
        raise CorpusError(f"{make_safe(str(path))}: the file name holds control characters; rename the file")
    try:
        size = path.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            raise CorpusError(
                f"{path}: too large ({size // (1024 * 1024)} MB; at most "
                f"{MAX_DOCUMENT_BYTES // (1024 * 1024)} MB): split it into several files"
            )
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise CorpusError(f"{path}: not UTF-8 text (use 'npf add' to import files in other encodings)") from None
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        return parse_document(path.stem, text, path)
    except CorpusError as exc:
        raise CorpusError(f"{path}: {exc}") from None


def load_corpus(corpus_dir: Path) -> list[Document]:
    """All documents of a corpus folder, sorted by id."""
    return [load_document(p) for p in document_paths(corpus_dir)]


def find_document(docs: list[Document], ref: str) -> Document:
    """The document whose id is `ref`, or whose id starts with `ref` uniquely, or numbered `ref` (1-based)."""
    by_id = {d.doc_id: d for d in docs}
    if ref in by_id:
        return by_id[ref]
    if ref.isdigit() and 1 <= int(ref) <= len(docs):
        return docs[int(ref) - 1]
    matches = [d for d in docs if d.doc_id.startswith(ref)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        names = ", ".join(d.doc_id for d in matches[:5])
        raise DocumentNotFound(f"'{ref}' matches several documents: {names}")
    raise DocumentNotFound(f"no document '{ref}' (see 'npf docs')")


def dump_front_matter(meta: dict) -> str:
    """The YAML text of a front matter mapping (without the --- lines); loads back to the same strings."""
    from npf_tui.core.sources.front_matter import dump_front_matter as dump

    return dump(meta)


def render_document(doc: Document) -> str:
    """The file text for a document: YAML front matter (standard keys first) and paragraphs."""
    meta: dict[str, str] = {key: getattr(doc, key) for key in META_KEYS}
    meta.update(doc.extra)
    front = dump_front_matter(meta)
    body = "\n\n".join(p.strip() for p in doc.paragraphs)
    return f"---\n{front}---\n\n{body}\n"


def write_document(corpus_dir: Path, doc: Document) -> Path:
    """Write a document file atomically into the corpus folder; returns its path."""
    path = Path(corpus_dir) / f"{doc.doc_id}{DOC_SUFFIX}"
    text = render_document(doc)
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        # Only text that was never decoded from a file can hold them (a bug of the caller); say so, write nothing.
        raise CorpusError(f"{doc.doc_id}: text contains lone surrogates (not valid Unicode); nothing written") from None
    atomic_write_bytes(path, data)
    return path


def normalised_text(paragraphs: list[str]) -> str:
    """The text a content hash is taken of: NFC, all whitespace runs collapsed to one space."""
    return " ".join(unicodedata.normalize("NFC", "\n".join(paragraphs)).split())


def content_hash(paragraphs: list[str]) -> str:
    """SHA-256 (hex) of the normalised text: the same content gives the same hash whatever its layout or format."""
    return hashlib.sha256(normalised_text(paragraphs).encode("utf-8")).hexdigest()


def make_doc_id(title: str, existing: set[str], fallback: str = "doc") -> str:
    """A short, readable, unique id from a title (ASCII slug; Chinese titles fall back to `fallback`)."""
    slug = _DOC_ID_BAD.sub("-", title.lower()).strip("-")
    slug = "-".join(slug.split("-")[:6])[:48].strip("-") or fallback
    candidate, n = slug, 2
    while candidate in existing:
        candidate = f"{slug}-{n}"
        n += 1
    return candidate
