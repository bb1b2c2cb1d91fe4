"""Plain dataclasses shared by the core, the command line and the UI."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

#: Metadata keys every document file carries in its front matter, in this order.
META_KEYS = ("title", "author", "outlet", "published", "url", "language", "source_file")


@dataclass
class Document:
    """One source document: its metadata and its paragraphs (numbered from 1)."""

    doc_id: str
    title: str = ""
    author: str = ""
    outlet: str = ""
    published: str = ""  # ISO date "YYYY-MM-DD" (or "YYYY-MM" / "YYYY"), "" when unknown
    url: str = ""
    language: str = ""
    source_file: str = ""
    paragraphs: list[str] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)  # further front-matter keys, kept verbatim
    path: Path | None = None

    def meta(self) -> dict[str, str]:
        """The standard metadata as a dict (no paragraphs)."""
        return {key: getattr(self, key) for key in META_KEYS}

    def paragraph(self, number: int) -> str:
        """Paragraph `number` (1-based); raises IndexError when out of range."""
        if number < 1 or number > len(self.paragraphs):
            raise IndexError(number)
        return self.paragraphs[number - 1]


@dataclass
class Span:
    """A character span [start, end) inside one paragraph's text."""

    start: int
    end: int


@dataclass
class Hit:
    """One ranked passage found by a search."""

    doc_id: str
    paragraph: int
    score: float
    text: str
    snippet: list[tuple[str, bool]]  # the snippet as (text, is_match) parts
    spans: list[Span]  # match spans in `text`
    title: str = ""
    author: str = ""
    outlet: str = ""
    published: str = ""
    language: str = ""
    #: "passage" (one passage holds every word), "metadata" (with its document's title/author/outlet words) or
    #: "document" (the words are spread over the document; core/search/documents.py)
    match: str = "passage"


def snippet_markdown(parts: list[tuple[str, bool]]) -> str:
    """Render snippet parts with matches in **bold** (the JSON and plain-text form)."""
    return "".join(f"**{text}**" if matched else text for text, matched in parts)


@dataclass
class SearchResult:
    """The answer to one query."""

    query: str
    expanded: list[str]
    total: int
    took_ms: float
    hits: list[Hit]
    notice: str = ""  # e.g. "query syntax not understood; searched as plain words"
