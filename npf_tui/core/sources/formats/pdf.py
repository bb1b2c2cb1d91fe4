"""PDF files: the text layer page by page, hard-wrapped lines joined back into paragraphs, and the document info."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from npf_tui.core.sources.formats.base import ImportedText, ImportRejected
from npf_tui.core.text.textnorm import CJK_WIDE_RE

_ENDS_SENTENCE = re.compile(r"[.!?:;。！？：；…][\"'”’」』)）]*$")


def read_pdf(data: bytes) -> ImportedText:
    """A PDF: text page by page, hard-wrapped lines joined back into paragraphs; /Title, /Author, /CreationDate."""
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception:
                raise ImportRejected("the PDF is encrypted") from None
        paragraphs: list[str] = []
        for page in reader.pages:
            paragraphs.extend(_pdf_page_paragraphs(page))
        info = reader.metadata
    except ImportRejected:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
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
