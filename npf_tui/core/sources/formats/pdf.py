"""PDF files: the text layer page by page, hard-wrapped lines joined back into paragraphs, and the document info."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from npf_tui.core.sources.corpus import MAX_DOCUMENT_BYTES
from npf_tui.core.sources.formats.base import ImportedText, ImportRejected
from npf_tui.core.text.textnorm import CJK_WIDE_RE

_ENDS_SENTENCE = re.compile(r"[.!?:;。！？：；…][\"'”’」』)）]*$")
#: Pages a PDF may have. A statistical yearbook has one or two thousand; text extraction takes 5 to 50 ms a page,
#: so this bounds an import to minutes, and a file of millions of tiny pages is refused before any is read.
MAX_PDF_PAGES = 10_000
#: The reason for a PDF that cannot be opened without a password (its text is encrypted with it).
ENCRYPTED = "the PDF is encrypted"


def read_pdf(data: bytes) -> ImportedText:
    """A PDF: text page by page, hard-wrapped lines joined back into paragraphs; /Title, /Author, /CreationDate.

    Encrypted files that open without a password (permissions only) are read; the others are refused as encrypted,
    whichever error pypdf gives: decrypt() returns NOT_DECRYPTED for a wrong password and reading a page then raises
    FileNotDecryptedError, and AES encryption raises DependencyError when the `cryptography` package is missing (at
    decrypt() for AES-256, at the first page for AES-128). Reading stops as soon as the text is more than one
    document holds. Any other error of pypdf on a damaged or hostile file is one line, never a traceback.
    """
    import io

    from pypdf import PasswordType, PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError

    encrypted = False
    try:
        reader = PdfReader(io.BytesIO(data))
        encrypted = reader.is_encrypted
        if encrypted:
            try:
                opened = reader.decrypt("")
            except DependencyError:
                raise  # AES without the `cryptography` package: the reason is given below
            except Exception as exc:
                raise ImportRejected(f"{ENCRYPTED} (in a way pypdf cannot decrypt: {type(exc).__name__})") from None
            if opened == PasswordType.NOT_DECRYPTED:
                raise ImportRejected(f"{ENCRYPTED} (it needs a password to open)")
        pages = _page_count(reader)
        if pages > MAX_PDF_PAGES:
            raise ImportRejected(f"too many pages ({pages}; at most {MAX_PDF_PAGES}): split the file into several")
        paragraphs: list[str] = []
        chars = 0
        for page in reader.pages:
            found = _pdf_page_paragraphs(page)
            paragraphs.extend(found)
            chars += sum(len(p) for p in found)
            if chars > MAX_DOCUMENT_BYTES:
                raise ImportRejected(
                    f"too large for one document (over {MAX_DOCUMENT_BYTES // 2**20} MB of text): "
                    "split the file into several"
                )
        info = reader.metadata
    except ImportRejected:
        raise
    except FileNotDecryptedError:
        raise ImportRejected(f"{ENCRYPTED} (it needs a password to open)") from None
    except DependencyError as exc:
        if encrypted:
            raise ImportRejected(
                f"{ENCRYPTED} with AES, which npf can read only with the Python package 'cryptography' installed"
            ) from None
        raise ImportRejected(f"cannot read the PDF (it needs a Python package that is missing: {exc})") from None
    except RecursionError:
        raise ImportRejected("cannot read the PDF (its structure is nested too deeply)") from None
    except Exception as exc:  # pypdf raises many kinds of errors on damaged or hostile files
        raise ImportRejected(f"cannot read the PDF ({type(exc).__name__}: {str(exc)[:80]})") from None
    meta: dict[str, str] = {}
    if info is not None:
        for key, attr in (("title", "title"), ("author", "author")):
            try:
                value = getattr(info, attr)
            except Exception:
                value = None
            if value:
                meta[key] = str(value)
        try:
            created = info.creation_date
        except Exception:  # a malformed date string in the PDF is not worth rejecting the file for
            created = None
        if created:
            meta["published"] = created.date().isoformat()
    if not paragraphs:
        raise ImportRejected("the PDF has no text layer (a scan?); run OCR on it first")
    return ImportedText(paragraphs=paragraphs, meta=meta)


def _page_count(reader) -> int:
    """The number of pages: the page tree's own /Count first, which costs nothing (pypdf's count walks the whole
    tree), then the real count."""
    try:
        declared = int(reader.trailer["/Root"]["/Pages"]["/Count"])
    except Exception:  # a damaged tree: pypdf's own count below repairs or raises
        declared = 0
    if declared > MAX_PDF_PAGES:
        return declared
    return len(reader.pages)


@dataclass
class _PdfLine:
    """One text line of a PDF page with where it starts (x, y) and its font size."""

    x: float
    y: float
    size: float
    text: str = ""


_PAGE_NUMBER = re.compile(r"^[\s\-\u2013\u2014\u2212第页]*\d{1,4}[\s\-\u2013\u2014\u2212页]*$")


def _pdf_page_paragraphs(page) -> list[str]:
    """Paragraphs of one PDF page, rebuilt from its lines.

    A paragraph ends at a blank line, a vertical gap clearly wider than the usual line spacing, a line that is
    indented further than the usual left margin (first-line indents), or after a sentence-ending line clearly shorter
    than the longest (the last line of a hard-wrapped paragraph).
    """
    lines: list[_PdfLine] = []
    current: list[_PdfLine | None] = [None]

    def visit(text, cm, tm, font_dict, font_size):
        """Collect text pieces into lines, remembering where each line starts."""
        if not text:
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        size = abs(font_size * tm[3] * cm[3]) or 10.0
        pieces = text.split("\n")
        for i, piece in enumerate(pieces):
            if i == len(pieces) - 1 and not piece:
                break
            line = current[0]
            if line is None:
                line = current[0] = _PdfLine(x, y, size)
                lines.append(line)
            line.text += piece
            if i < len(pieces) - 1:
                current[0] = None

    page.extract_text(visitor_text=visit)
    for line in lines:
        line.text = re.sub(r"[ \t]+", " ", line.text).strip()
    while lines and not lines[-1].text:
        lines.pop()
    # Running page numbers at the top or bottom of a page are not part of the text.
    for edge in (0, -1):
        if lines and _PAGE_NUMBER.match(lines[edge].text):
            lines.pop(edge)
    texts = [ln for ln in lines if ln.text]
    if not texts:
        return []
    gaps = sorted(a.y - b.y for a, b in pairwise(texts) if a.y - b.y > 0.1)
    spacing = gaps[len(gaps) // 4] if gaps else 0.0  # a low quantile: paragraph gaps must not count
    xs = sorted(round(ln.x) for ln in texts)
    margin = max(set(xs), key=xs.count)
    widest = max(_display_width(ln.text) for ln in texts)
    paragraphs: list[list[str]] = []
    prev: _PdfLine | None = None
    for line in lines:
        if not line.text:
            prev = None
            continue
        new = prev is None
        if prev is not None:
            gap = prev.y - line.y
            if (
                spacing
                and (gap > spacing * 1.4 or gap < -spacing * 0.5)
                or round(line.x) - margin > line.size * 0.8
                or _display_width(prev.text) < widest * 0.75
                and (not spacing or _ENDS_SENTENCE.search(prev.text))
            ):
                new = True
        if new:
            paragraphs.append([line.text])
        else:
            paragraphs[-1].append(line.text)
        prev = line
    return [_join_lines(p) for p in paragraphs]


def _display_width(text: str) -> int:
    """Width in half-width cells (an ideograph counts twice), to compare line lengths across scripts."""
    return len(text) + len(CJK_WIDE_RE.findall(text))


def _join_lines(lines: list[str]) -> str:
    """Join hard-wrapped lines: no space next to Chinese text, hyphenated English words mended, else one space."""
    out = lines[0]
    for line in lines[1:]:
        if not out:
            out = line
        elif out.endswith("-") and len(out) > 1 and out[-2].isalpha() and line[:1].islower():
            out = out[:-1] + line
        elif CJK_WIDE_RE.match(out[-1]) or CJK_WIDE_RE.match(line[0]):
            out += line
        else:
            out += " " + line
    return out
