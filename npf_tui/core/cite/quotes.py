"""Quotes: a passage or sentence of a document with its citation, formatted ready to paste (plain text or Markdown).

Plain text is what goes into a paper: the quotation in curly quotes with its in-text citation (author-date styles,
which point at the paragraph, e.g. ``(Rainey 2024, para. 3)``), then a blank line and the reference-list entry.
For note styles the second block is the note itself (it carries the paragraph). Markdown is what goes into notes:
the quotation as a ``>`` blockquote, then a line with the reference and the paragraph number.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from npf_tui.core.cite.citation import DEFAULT_STYLE, bibliography_entry, in_text, resolve_style
from npf_tui.core.models import Document
from npf_tui.core.text.sentences import split_sentences

FORMATS = ("plain", "markdown")


@dataclass
class Quote:
    """A quoted passage: where it comes from, its citation in one style, and its formatted form."""

    text: str
    doc_id: str
    paragraph: int  # 1-based
    start: int  # span of `text` in the paragraph
    end: int
    sentence: int | None  # 1-based sentence number within the paragraph, None for a whole paragraph
    style: str
    in_text: str  # in-text citation (author-date, numeric) or the note (note styles), plain text
    reference: str  # reference-list entry, plain text
    reference_markdown: str
    formatted: str
    format: str

    def to_json(self) -> dict:
        """A plain dict for `--json` output."""
        return asdict(self)


def _quoted(text: str) -> str:
    """The text inside curly double quotes, its own double quotes turned into single ones (nesting rule)."""
    inner = text.replace("“", "‘").replace("”", "’")
    return f"“{inner}”"


def format_plain(text: str, kind: str, cite: str, reference: str) -> str:
    """Run-in quotation with its in-text citation and the reference entry (notes: the note instead)."""
    if kind == "note":
        return f"{_quoted(text)}\n\n{cite}\n"
    return f"{_quoted(text)} {cite}\n\n{reference}\n"


def format_markdown(text: str, paragraph: int, reference_md: str) -> str:
    """A `>` blockquote of the text and a citation line with the paragraph number."""
    lines = [f"> {line}" if line.strip() else ">" for line in text.splitlines() or [text]]
    return "\n".join(lines) + f"\n\n— {reference_md} (paragraph {paragraph})\n"


def sentence_index(paragraph_text: str, start: int, end: int) -> int | None:
    """The 1-based number of the sentence whose span is exactly [start, end), if any."""
    for number, sentence in enumerate(split_sentences(paragraph_text), 1):
        if sentence.start == start and sentence.end == end:
            return number
    return None


def make_quote(
    doc: Document,
    paragraph: int,
    span: tuple[int, int] | None = None,
    style: str = DEFAULT_STYLE,
    fmt: str = "plain",
) -> Quote:
    """Quote paragraph `paragraph` (1-based) of `doc`, or its part `span`, cited in `style`, formatted as `fmt`."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown quote format {fmt!r}")
    info = resolve_style(style)
    para_text = doc.paragraph(paragraph)
    start, end = span if span else (0, len(para_text))
    start, end = max(0, start), min(len(para_text), end)
    text = para_text[start:end].strip()
    cite = in_text(doc, info.name, paragraph=paragraph)
    reference = bibliography_entry(doc, info.name)
    if fmt == "markdown":
        formatted = format_markdown(text, paragraph, reference.markdown)
    else:
        formatted = format_plain(text, info.kind, cite.text, reference.text)
    return Quote(
        text=text,
        doc_id=doc.doc_id,
        paragraph=paragraph,
        start=start,
        end=end,
        sentence=sentence_index(para_text, start, end) if span else None,
        style=info.name,
        in_text=cite.text,
        reference=reference.text,
        reference_markdown=reference.markdown,
        formatted=formatted,
        format=fmt,
    )
