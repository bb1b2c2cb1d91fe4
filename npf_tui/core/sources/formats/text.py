"""Plain text and Markdown files: paragraphs at blank lines (or one per line), Markdown's YAML front matter as
metadata."""

from __future__ import annotations

import re

from npf_tui.core.errors import NpfError
from npf_tui.core.sources.corpus import as_text, split_front_matter, split_paragraphs
from npf_tui.core.sources.formats.base import ImportedText, ImportRejected
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
#: Line breaks other than \n and \r that real text files hold: form feed (page breaks of text exports), vertical tab
#: and NEL. They are line breaks here, not control characters to be shown as ␌.
_OTHER_BREAKS = re.compile("[\x0b\x0c\x85]")
#: A front-matter block: a `---` first line and a closing `---` line (the same pattern corpus.split_front_matter uses).
_FRONT_BLOCK = re.compile(r"---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|$)", re.S)


def read_text(data: bytes) -> ImportedText:
    """Plain text: paragraphs split at blank lines, or at every line when the file has no blank lines at all."""
    text, encoding = decode_text(data)
    return ImportedText(paragraphs=text_paragraphs(_OTHER_BREAKS.sub("\n", text)), encoding=encoding)


def text_paragraphs(text: str) -> list[str]:
    """Paragraphs of plain text (Chinese government texts often put one paragraph per line with no blank lines)."""

    paragraphs = split_paragraphs(text)
    if len(paragraphs) == 1 and "\n" in paragraphs[0]:
        paragraphs = [line.strip() for line in paragraphs[0].split("\n") if line.strip()]
    return paragraphs


def read_markdown(data: bytes) -> ImportedText:
    """Markdown: its YAML front matter (if any) becomes metadata, the body is split at blank lines.

    A file that opens with a `---` line and has a closing `---` line has front matter; when it cannot be read (not
    YAML, not key: value lines) the file is refused with the reason and the line, rather than imported with its
    metadata silently turned into body text and `---` as its title. A `---` first line with no closing one is a
    Markdown rule: the file is all body (the title then comes from its first line with words, or its name).
    """

    text, encoding = decode_text(data)
    if _FRONT_BLOCK.match(text.lstrip("\ufeff")):
        try:
            front, body = split_front_matter(text)
        except NpfError as exc:
            raise ImportRejected(
                f"the {exc}; correct it, or delete the '---' lines around it to import it as text"
            ) from None
    else:
        front, body = {}, text.lstrip("\ufeff")
    meta: dict[str, str] = {}
    for key, value in front.items():
        key = _FRONT_ALIASES.get(str(key).lower(), str(key))
        if key not in meta or not meta[key]:
            meta[key] = as_text(value)
    paragraphs = text_paragraphs(_OTHER_BREAKS.sub("\n", body))
    if not meta.get("title") and paragraphs and paragraphs[0].startswith("#"):
        meta["title"] = paragraphs[0].split("\n")[0].lstrip("#").strip()
    return ImportedText(paragraphs=paragraphs, meta=meta, encoding=encoding)
