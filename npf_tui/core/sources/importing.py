"""Read one source file (.txt, .md, .html, .pdf, .docx) into paragraphs and the metadata the file itself gives:
the reader for its extension (sources/formats/), then one clean-up for all formats."""

from __future__ import annotations

import os
import re
import stat
import unicodedata
from collections.abc import Callable
from pathlib import Path

from npf_tui.core.sources.corpus import MAX_DOCUMENT_BYTES, MAX_PARAGRAPH_CHARS, MAX_PARAGRAPHS, split_long
from npf_tui.core.sources.formats import docx, html, pdf, text
from npf_tui.core.sources.formats.base import ImportedText, ImportRejected, UnsupportedFormat
from npf_tui.core.sources.sniffing import guess_language
from npf_tui.core.text.controls import make_safe
from npf_tui.core.text.textnorm import normalize

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
#: Why a FIFO, a device or a socket is refused: opening a FIFO for reading waits for a writer, forever.
NOT_REGULAR = "not a regular file (a FIFO, device or socket)"
#: Line breaks other than \n that real files hold: form feed (page breaks in text exports), vertical tab and NEL.
#: They become newlines, not visible control pictures.
_OTHER_BREAKS = re.compile("\r\n?|[\x0b\x0c\x85]")
_SURROGATE = re.compile("[\ud800-\udfff]")
#: split_long copies the rest of the paragraph at every cut, so its time grows with the square of the length (a
#: 30 MB paragraph took 7.7 s); it is given windows of this many characters instead (see _cut_long).
_CUT_WINDOW = 256 * MAX_PARAGRAPH_CHARS


def import_file(path: Path) -> ImportedText:
    """Read `path` by its extension; raises ImportRejected (or UnsupportedFormat) with a one-line reason.

    Whatever the format, every paragraph and every metadata key and value comes out with control and bidi formatting
    characters made visible (core/text/controls.py): a downloaded file cannot send escape sequences to a terminal.
    """
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise UnsupportedFormat(f"unsupported file type '{make_safe(path.suffix or path.name)}'")
    data = _read_bytes(path)
    if not data.strip():
        raise ImportRejected("empty file")
    result = reader(data)
    del data
    cleaned = [p for p in (_clean(p) for p in result.paragraphs) if p]
    _check_bounds(cleaned)
    result.paragraphs = _limit_paragraphs(cleaned)
    if not result.paragraphs:
        raise ImportRejected("no text found in the file")
    meta: dict[str, str] = {}
    for key, value in result.meta.items():
        key, value = _clean(key), _clean(value)
        if key and value:
            meta[key] = value
    if meta.get("title"):
        result.paragraphs = drop_repeated_title(result.paragraphs, meta["title"])
    else:
        meta["title"] = _title_from(result.paragraphs, path)
        if _is_heading(result.paragraphs):
            # A guessed title is dropped from the text only when its line stands alone as a heading (a PDF's or a
            # text file's first line): a first sentence that became the title by guess stays ¶1.
            result.paragraphs = drop_repeated_title(result.paragraphs, meta["title"])
    if not meta.get("language"):
        meta["language"] = guess_language("\n".join(result.paragraphs[:200]))
    result.meta = meta
    return result


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, with reading problems turned into one-line reasons.

    Only a regular file is opened: opening a FIFO waits for a writer (`npf add` hung forever on one), and a device
    may never end. The type is checked before opening (after following a link) and again on the open file, which is
    opened non-blocking so that a file swapped for a FIFO in between cannot hang either.
    """
    try:
        st = path.stat()
        if stat.S_ISDIR(st.st_mode):
            raise ImportRejected("is a folder, not a file")
        if not stat.S_ISREG(st.st_mode):
            raise ImportRejected(NOT_REGULAR)
        _check_size(st.st_size)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(fd, "rb") as handle:
            st = os.fstat(handle.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise ImportRejected(NOT_REGULAR)
            _check_size(st.st_size)
            data = handle.read(MAX_FILE_BYTES + 1)
        _check_size(len(data))  # it grew while being read
        return data
    except FileNotFoundError:
        raise ImportRejected("file not found (it may have been moved or deleted)") from None
    except IsADirectoryError:
        raise ImportRejected("is a folder, not a file") from None
    except OSError as exc:
        raise ImportRejected(f"cannot read the file ({exc.strerror or exc})") from None


def _check_size(size: int) -> None:
    """Refuse a file over MAX_FILE_BYTES."""
    if size > MAX_FILE_BYTES:
        raise ImportRejected(
            f"file too large ({size // (1024 * 1024)} MB; the limit is {MAX_FILE_BYTES // (1024 * 1024)} MB)"
        )


def _clean(text: str) -> str:
    """NFC, no stray BOMs or NULs, blank lines squeezed so a paragraph stays one paragraph on disk, and every other
    control or bidi formatting character made visible (ESC → ␛, U+202E → <U+202E>): the one place all formats pass.
    """
    text = str(text)
    if _SURROGATE.search(text):
        # YAML and JSON escapes (front matter, a page's JSON-LD) can spell UTF-16 halves: a pair becomes its
        # character, a lone half U+FFFD (it cannot be written as UTF-8, and the write would fail mid-import).
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    text = unicodedata.normalize("NFC", text).replace("\ufeff", "").replace("\x00", "")
    text = _OTHER_BREAKS.sub("\n", text)
    text = re.sub(r"\n[ \t\u3000]*(?:\n[ \t\u3000]*)+", "\n", text)
    text = text.strip()
    if text.endswith("\x1a"):  # Ctrl-Z: the end-of-file mark of old DOS text files, not text
        text = text.rstrip("\x1a").rstrip()
    return make_safe(text)


def _check_bounds(paragraphs: list[str]) -> None:
    """Refuse, before the paragraphs are cut, a text the corpus would refuse anyway (ingest checks the same limits
    on the result): more characters than MAX_DOCUMENT_BYTES (each is at least one byte on disk) or more paragraphs
    than MAX_PARAGRAPHS (cutting only adds paragraphs)."""
    if len(paragraphs) > MAX_PARAGRAPHS:
        raise ImportRejected(
            f"too many paragraphs ({len(paragraphs)}; at most {MAX_PARAGRAPHS}): split the file into several"
        )
    if sum(len(p) for p in paragraphs) > MAX_DOCUMENT_BYTES:
        raise ImportRejected(
            f"too large for one document (over {MAX_DOCUMENT_BYTES // 2**20} MB of text): split the file into several"
        )


def _limit_paragraphs(paragraphs: list[str]) -> list[str]:
    """Cut over-long paragraphs exactly as the corpus loader does (corpus.split_long), so what is written, hashed
    for duplicates and later read back are the same paragraphs."""
    out: list[str] = []
    for para in paragraphs:
        out.extend(_cut_long(para) if len(para) > MAX_PARAGRAPH_CHARS else (para,))
    return out


def _cut_long(para: str) -> list[str]:
    """split_long(para), in time proportional to the length: split_long is run on windows of _CUT_WINDOW
    characters, keeping every piece but each window's last.

    Why the pieces are the same: split_long decides each cut from the next MAX_PARAGRAPH_CHARS + 1 characters only,
    and every piece but the last was cut while more than that many remained in the window, so its decision saw the
    same characters as on the whole paragraph. The next piece starts after the kept one and the whitespace that
    split_long strips. A 30 MB paragraph: 7.7 s with split_long alone, 0.6 s here.
    """
    if len(para) <= _CUT_WINDOW:
        return split_long(para)
    out: list[str] = []
    start = 0
    while len(para) - start > _CUT_WINDOW:
        pieces = split_long(para[start : start + _CUT_WINDOW])
        if len(pieces) < 2:
            break  # cannot happen for a window longer than the limit; split_long on the rest is then still right
        for piece in pieces[:-1]:
            start += len(piece)
            while start < len(para) and para[start].isspace():
                start += 1
        out.extend(pieces[:-1])
    out.extend(split_long(para[start:]))
    return out


#: The longest first line taken for a title (longer: the file name is the title).
_MAX_TITLE = 160
#: What a title and a first line are compared on: runs of whitespace and Markdown's heading marks are left out.
_TITLE_NOISE = re.compile(r"\s+")


def _title_key(text: str) -> str:
    """A title or a line folded for comparison: Markdown heading marks off, case, width and Traditional/Simplified
    folded (textnorm.normalize), whitespace left out."""
    return _TITLE_NOISE.sub("", normalize(text.strip().lstrip("#")))


def drop_repeated_title(paragraphs: list[str], title: str) -> list[str]:
    """The paragraphs without a first line that only repeats the title (an HTML page's h1, a Word file's Title
    paragraph, Markdown's `# Title`, a PDF's first line): the title is in the metadata and the reader shows it
    above ¶1, so keeping it made every imported document open with its title twice.

    Only the first line of the first paragraph, only when it is the title (compared after folding case, width,
    script and whitespace), and never the document's only text.
    """
    if not paragraphs or not title.strip():
        return paragraphs
    first, _, rest = paragraphs[0].partition("\n")
    if _title_key(first) != _title_key(title) or not _title_key(first):
        return paragraphs
    rest = rest.strip()
    remaining = ([rest] if rest else []) + paragraphs[1:]
    return remaining or paragraphs


#: How a sentence ends, in either language: a first line ending so is text, not a heading.
_SENTENCE_FINAL = tuple(".。!！?？;；:：,，、…")


def _is_heading(paragraphs: list[str]) -> bool:
    """True when the first paragraph is one short line that does not end like a sentence, and text follows it."""
    if len(paragraphs) < 2 or "\n" in paragraphs[0]:
        return False
    line = paragraphs[0].strip().rstrip("\"'”’」』)）]")
    return 0 < len(line) <= _MAX_TITLE and not line.endswith(_SENTENCE_FINAL)


#: A line that can be a title: it has a letter or a digit (not a Markdown rule such as `---`, `***` or `___`).
_WORDY = re.compile(r"[^\W_]")


def _title_from(paragraphs: list[str], path: Path) -> str:
    """The first line with a letter or digit when it looks like a title (short), otherwise the file name without its
    extension. A Markdown rule (`---`, `***`) or a line of punctuation is never a title."""
    for para in paragraphs[:20]:
        for line in para.split("\n")[:20]:
            first = line.lstrip("#").strip()
            if _WORDY.search(first):
                return first if len(first) <= _MAX_TITLE else make_safe(path.stem)
    return make_safe(path.stem)
