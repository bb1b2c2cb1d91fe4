"""Read one source file (.txt, .md, .html, .pdf, .docx) into paragraphs and the metadata the file itself gives:
the reader for its extension (sources/formats/), then one clean-up for all formats."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

from npf_tui.core.sources.corpus import MAX_PARAGRAPH_CHARS, split_long
from npf_tui.core.sources.formats import docx, html, pdf, text
from npf_tui.core.sources.formats.base import ImportedText, ImportRejected, UnsupportedFormat
from npf_tui.core.sources.sniffing import guess_language

#: Extensions `import_file` understands, and the reader of each (bytes in, ImportedText out).
READERS: dict[str, Callable[[bytes], ImportedText]] = {
    ".txt": text.read_text,
    ".text": text.read_text,
    ".md": text.read_markdown,
    ".markdown": text.read_markdown,
    ".html": html.read_html,
    ".htm": html.read_html,
    ".xhtml": html.read_html,
    ".pdf": pdf.read_pdf,
    ".docx": docx.read_docx,
}
SUPPORTED_SUFFIXES = frozenset(READERS)
#: Files larger than this are refused: a policy source is never this big, a disk image or a video might be.
MAX_FILE_BYTES = 100 * 1024 * 1024


def import_file(path: Path) -> ImportedText:
    """Read `path` by its extension; raises ImportRejected (or UnsupportedFormat) with a one-line reason."""
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise UnsupportedFormat(f"unsupported file type '{path.suffix or path.name}'")
    data = _read_bytes(path)
    if not data.strip():
        raise ImportRejected("empty file")
    result = reader(data)
    result.paragraphs = _limit_paragraphs([p for p in (_clean(p) for p in result.paragraphs) if p])
    if not result.paragraphs:
        raise ImportRejected("no text found in the file")
    meta = {k: _clean(v) for k, v in result.meta.items() if _clean(v)}
    if not meta.get("title"):
        meta["title"] = _title_from(result.paragraphs, path)
    if not meta.get("language"):
        meta["language"] = guess_language("\n".join(result.paragraphs[:200]))
    result.meta = meta
    return result


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, with reading problems turned into one-line reasons."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ImportRejected(
                f"file too large ({size // (1024 * 1024)} MB; the limit is {MAX_FILE_BYTES // (1024 * 1024)} MB)"
            )
        return path.read_bytes()
    except FileNotFoundError:
        raise ImportRejected("file not found (it may have been moved or deleted)") from None
    except IsADirectoryError:
        raise ImportRejected("is a folder, not a file") from None
    except OSError as exc:
        raise ImportRejected(f"cannot read the file ({exc.strerror or exc})") from None


def _clean(text: str) -> str:
    """NFC, no stray BOMs or NUL-like controls, blank lines squeezed so a paragraph stays one paragraph on disk."""
    text = unicodedata.normalize("NFC", str(text)).replace("\ufeff", "").replace("\x00", "")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"\n[ \t\u3000]*(?:\n[ \t\u3000]*)+", "\n", text)
    return text.strip()


def _limit_paragraphs(paragraphs: list[str]) -> list[str]:
    """Cut over-long paragraphs exactly as the corpus loader does (corpus.split_long), so what is written, hashed
    for duplicates and later read back are the same paragraphs."""
    out: list[str] = []
    for para in paragraphs:
        out.extend(split_long(para) if len(para) > MAX_PARAGRAPH_CHARS else (para,))
    return out


def _title_from(paragraphs: list[str], path: Path) -> str:
    """The first line when it looks like a title (short), otherwise the file name without its extension."""
    first = paragraphs[0].split("\n")[0].lstrip("#").strip() if paragraphs else ""
    if first and len(first) <= 160:
        return first
    return path.stem
