"""Quotes: a passage or sentence of a document with its citation, formatted ready to paste (plain text, Markdown,
pandoc Markdown or LaTeX).

Plain text is what goes into a paper: the quotation in curly quotes with its in-text citation (author-date styles,
which point at the paragraph, e.g. ``(Rainey 2024, para. 3)``), then a blank line and the reference-list entry.
For note styles the second block is the note itself (it carries the paragraph). Markdown is what goes into notes:
the quotation as a ``>`` blockquote, then a line with the reference and the paragraph number.

pandoc and LaTeX leave the citation to the writer's processor, through the document's citation key (core/cite/keys.py):
pandoc gives the blockquote ending with ``[@rainey2024NewCatchPhrase, para. 16]`` (pandoc's citeproc reads "para." as
the paragraph locator), LaTeX ``\blockcquote[para.~16]{rainey2024NewCatchPhrase}{…}`` (biblatex with csquotes). The
bibliography they need comes from ``npf project bib --csl-json`` or ``--bibtex`` (or ``npf cite DOC --csl-json``),
whose ids are the same keys. ``in_text_only`` drops the reference entry from plain and Markdown, for a reference
list built elsewhere.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from npf_tui.core.cite.citation import (
    DEFAULT_STYLE,
    Citation,
    bibliography_entry,
    in_text,
    latex_escape,
    resolve_style,
)
from npf_tui.core.models import Document
from npf_tui.core.text.sentences import split_sentences

FORMATS = ("plain", "markdown", "pandoc", "latex")


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
    key: str = ""  # the document's citation key

    def to_json(self) -> dict:
        """A plain dict for `--json` output."""
        return asdict(self)


def _quoted(text: str) -> str:
    """The text inside curly double quotes, its own double quotes turned into single ones (nesting rule)."""
    inner = text.replace("“", "‘").replace("”", "’")
    return f"“{inner}”"


def format_plain(text: str, kind: str, cite: str, reference: str, in_text_only: bool = False) -> str:
    """Run-in quotation with its in-text citation and the reference entry (notes: the note instead)."""
    if kind == "note":
        return f"{_quoted(text)}\n\n{cite}\n"
    if in_text_only:
        return f"{_quoted(text)} {cite}\n"
    return f"{_quoted(text)} {cite}\n\n{reference}\n"


def _blockquote(text: str) -> list[str]:
    """The text as `>` lines."""
    return [f"> {line}" if line.strip() else ">" for line in text.splitlines() or [text]]


def format_markdown(text: str, paragraph: int, reference_md: str, cite_md: str = "", in_text_only: bool = False) -> str:
    """A `>` blockquote of the text and a citation line with the paragraph number (or only the in-text citation)."""
    if in_text_only and cite_md:
        return "\n".join(_blockquote(text)) + f"\n\n— {cite_md}\n"
    return "\n".join(_blockquote(text)) + f"\n\n— {reference_md} (paragraph {paragraph})\n"


def format_pandoc(text: str, paragraph: int, key: str) -> str:
    """A pandoc blockquote ending with its citation: ``[@key, para. N]`` (pandoc resolves it against the
    bibliography given to ``--citeproc``, in the paper's CSL style)."""
    lines = _blockquote(text)
    lines[-1] += f" [@{key}, para. {paragraph}]"
    return "\n".join(lines) + "\n"


def format_latex(text: str, paragraph: int, key: str) -> str:
    """biblatex + csquotes: ``\\blockcquote[para.~N]{key}{text}`` (quotation marks or a block by length, and the
    citation in the document's biblatex style)."""
    return f"\\blockcquote[para.~{paragraph}]{{{key}}}{{{latex_escape(' '.join(text.split()))}}}\n"


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
    key: str = "",
    in_text_only: bool = False,
    cite: Citation | None = None,
) -> Quote:
    """Quote paragraph `paragraph` (1-based) of `doc`, or its part `span`, cited in `style`, formatted as `fmt`.

    `key` is the document's citation key (needed by the pandoc and LaTeX formats); `cite` an in-text citation
    rendered elsewhere (in a writing project's context: ``[3]``, ``n.d.-b``) to use instead of the document's own.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown quote format {fmt!r}")
    if fmt in ("pandoc", "latex") and not key:
        raise ValueError(f"the {fmt} format needs the document's citation key")
    info = resolve_style(style)
    para_text = doc.paragraph(paragraph)
    start, end = span if span else (0, len(para_text))
    start, end = max(0, start), min(len(para_text), end)
    text = para_text[start:end].strip()
    cite = cite or in_text(doc, info.name, paragraph=paragraph)
    reference = bibliography_entry(doc, info.name)
    if fmt == "markdown":
        formatted = format_markdown(text, paragraph, reference.markdown, cite.markdown, in_text_only)
    elif fmt == "pandoc":
        formatted = format_pandoc(text, paragraph, key)
    elif fmt == "latex":
        formatted = format_latex(text, paragraph, key)
    else:
        formatted = format_plain(text, info.kind, cite.text, reference.text, in_text_only)
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
        key=key,
    )
