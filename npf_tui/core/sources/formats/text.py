"""Plain text and Markdown files: paragraphs at blank lines (or one per line), Markdown's YAML front matter as
metadata."""

from __future__ import annotations

from npf_tui.core.errors import NpfError
from npf_tui.core.sources.corpus import as_text, split_front_matter, split_paragraphs
from npf_tui.core.sources.formats.base import ImportedText
from npf_tui.core.sources.sniffing import decode_text

#: Front-matter keys other tools write (Jekyll, Hugo, Zotero exports), read as npf's own.
_FRONT_ALIASES = {
    "date": "published",
    "lang": "language",
    "site": "outlet",
    "site_name": "outlet",
    "sitename": "outlet",
    "source": "outlet",
    "link": "url",
    "authors": "author",
}


def read_text(data: bytes) -> ImportedText:
    """Plain text: paragraphs split at blank lines, or at every line when the file has no blank lines at all."""
    text, encoding = decode_text(data)
    return ImportedText(paragraphs=text_paragraphs(text), encoding=encoding)


def text_paragraphs(text: str) -> list[str]:
    """Paragraphs of plain text (Chinese government texts often put one paragraph per line with no blank lines)."""

    paragraphs = split_paragraphs(text)
    if len(paragraphs) == 1 and "\n" in paragraphs[0]:
        paragraphs = [line.strip() for line in paragraphs[0].split("\n") if line.strip()]
    return paragraphs


def read_markdown(data: bytes) -> ImportedText:
    """Markdown: its YAML front matter (if any) becomes metadata, the body is split at blank lines."""

    text, encoding = decode_text(data)
    try:
        front, body = split_front_matter(text)
    except NpfError:
        front, body = {}, text  # a stray '---' line is text, not broken metadata
    meta: dict[str, str] = {}
    for key, value in front.items():
        key = _FRONT_ALIASES.get(str(key).lower(), str(key))
        if key not in meta or not meta[key]:
            meta[key] = as_text(value)
    paragraphs = text_paragraphs(body)
    if not meta.get("title") and paragraphs and paragraphs[0].startswith("#"):
        meta["title"] = paragraphs[0].split("\n")[0].lstrip("#").strip()
    return ImportedText(paragraphs=paragraphs, meta=meta, encoding=encoding)
