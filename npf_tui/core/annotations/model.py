"""The annotation model: what was marked (a W3C Web Annotation TextQuote + TextPosition selector), the note and tags
on it, and — once loaded against the current text — whether it is still where it was.

The quote is the anchor and the position only a hint, as in Hypothesis and Zotero: a position alone breaks when a
paragraph is inserted before it, a quote alone is ambiguous when the same words occur twice. Both together survive
an edit of the metadata, an inserted paragraph, a change of whitespace or width and a re-import of a corrected file
(see anchoring.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from npf_tui.core.errors import NpfError
from npf_tui.core.models import Document
from npf_tui.core.text.sentences import split_sentences

#: How much was marked: one sentence, any span, or the whole paragraph.
KINDS = ("sentence", "span", "paragraph")
#: Where an annotation stands against the current text of its document (see anchoring.py).
ANCHORED, MOVED, ORPHANED = "anchored", "moved", "orphaned"
ANCHOR_STATES = (ANCHORED, MOVED, ORPHANED)
#: Characters of context kept before and after the quote (W3C TextQuoteSelector prefix/suffix): enough to tell two
#: occurrences of the same words apart, short enough to survive an edit next to the quote.
CONTEXT_CHARS = 32


class AnnotationError(NpfError):
    """An annotation cannot be made, found or changed as asked (bad paragraph, span, id or tag)."""


class AnnotationNotFound(AnnotationError):
    """No annotation has the requested id (or a unique prefix of it)."""


@dataclass(frozen=True)
class TextQuote:
    """W3C TextQuoteSelector: the exact text marked and a little of the text around it (same paragraph)."""

    exact: str
    prefix: str = ""
    suffix: str = ""


@dataclass(frozen=True)
class TextPosition:
    """W3C TextPositionSelector, per paragraph: paragraph number (1-based) and the [start, end) span in it."""

    paragraph: int
    start: int
    end: int


@dataclass(frozen=True)
class Selector:
    """Both selectors of one annotation: the quote is the anchor, the position the hint."""

    quote: TextQuote
    position: TextPosition


@dataclass
class Annotation:
    """One mark on a document, with an optional note and tags.

    `anchor` is set when the annotation is loaded against the current documents (anchoring.py): `anchored` (the
    quote is where it was), `moved` (found elsewhere; `selector` is the new place), `orphaned` (not found; kept and
    listed, never deleted; `selector` is the last known place). `source_file` and `title` are the document's when
    the mark was made: they find it again if a re-import gave it another id.
    """

    id: str
    doc_id: str
    created: str  # ISO 8601 UTC
    modified: str
    selector: Selector
    kind: str = "span"
    note: str = ""
    tags: tuple[str, ...] = ()
    source_file: str = ""
    title: str = ""
    anchor: str = ANCHORED
    moved_from: TextPosition | None = field(default=None, compare=False)

    @property
    def exact(self) -> str:
        """The quoted text."""
        return self.selector.quote.exact

    @property
    def paragraph(self) -> int:
        """The paragraph (1-based) the quote is in (last known, for an orphan)."""
        return self.selector.position.paragraph

    @property
    def start(self) -> int:
        return self.selector.position.start

    @property
    def end(self) -> int:
        return self.selector.position.end

    def sort_key(self) -> tuple:
        """Document, paragraph, start: the order of listings and exports."""
        return (self.doc_id, self.paragraph, self.start, self.end, self.created, self.id)

    def to_json(self) -> dict:
        """The stable JSON shape (docs/annotations.md)."""
        q, p = self.selector.quote, self.selector.position
        return {
            "id": self.id,
            "doc_id": self.doc_id,
            "kind": self.kind,
            "paragraph": p.paragraph,
            "start": p.start,
            "end": p.end,
            "exact": q.exact,
            "prefix": q.prefix,
            "suffix": q.suffix,
            "note": self.note,
            "tags": list(self.tags),
            "anchor": self.anchor,
            "created": self.created,
            "modified": self.modified,
        }


def clean_tag(tag: str) -> str:
    """A tag as stored: trimmed, a leading '#' dropped, inner whitespace as '-'; empty or ':' is an error."""
    text = "-".join(str(tag).strip().lstrip("#").split())
    if not text:
        raise AnnotationError(f"empty tag {tag!r}")
    if ":" in text or "," in text:
        raise AnnotationError(f"a tag cannot hold ':' or ',': {tag!r}")
    return text


def clean_tags(tags) -> tuple[str, ...]:
    """Tags cleaned, duplicates dropped, first occurrence order kept."""
    out: list[str] = []
    for tag in tags:
        cleaned = clean_tag(tag)
        if cleaned not in out:
            out.append(cleaned)
    return tuple(out)


def selector_for(doc: Document, paragraph: int, start: int, end: int) -> Selector:
    """The selector for [start, end) of paragraph `paragraph` (1-based) of `doc`, surrounding whitespace trimmed."""
    if paragraph < 1 or paragraph > len(doc.paragraphs):
        raise AnnotationError(f"{doc.doc_id} has {len(doc.paragraphs)} paragraphs (asked for ¶{paragraph})")
    text = doc.paragraphs[paragraph - 1]
    if not (0 <= start < end <= len(text)):
        raise AnnotationError(f"span {start}:{end} is not inside ¶{paragraph} of {doc.doc_id} ({len(text)} characters)")
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start == end:
        raise AnnotationError(f"span marks only whitespace in ¶{paragraph} of {doc.doc_id}")
    quote = TextQuote(
        exact=text[start:end],
        prefix=text[max(0, start - CONTEXT_CHARS) : start],
        suffix=text[end : end + CONTEXT_CHARS],
    )
    return Selector(quote, TextPosition(paragraph, start, end))


def kind_of(doc: Document, position: TextPosition) -> str:
    """`paragraph` when the span is the whole (trimmed) paragraph, `sentence` when it is one sentence, else `span`."""
    text = doc.paragraphs[position.paragraph - 1]
    if text.strip() == text[position.start : position.end]:
        return "paragraph"
    for sentence in split_sentences(text):
        if (sentence.start, sentence.end) == (position.start, position.end):
            return "sentence"
    return "span"
