"""Saved web pages: the article text and its metadata, taken out by trafilatura (very large pages: all their text,
block by block)."""

from __future__ import annotations

import codecs
import re

from npf_tui.core.sources.formats.base import ImportedText, ImportRejected
from npf_tui.core.sources.sniffing import checked, decode_text

_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
#: Pages longer than this (in characters) skip trafilatura's article extraction. Two reasons, both measured: its
#: parser (libxml2 without the "huge" option) silently drops a text node over 10 MB, so a 50 MB one-line page came
#: out as "no text found" after 8.7 s; and it takes about 0.5 s per MB on real pages, far more on repetitive ones (a
#: 21 MB page of short paragraphs: 72 s). A page this large is a whole report, not an article in a page.
MAX_ARTICLE_HTML_CHARS = 4_000_000
#: Elements that end a line of text in the large-page reader (the rest run on inside one paragraph).
_BLOCK_NAMES = (
    "address article aside blockquote body br caption dd details dialog div dl dt fieldset figcaption figure footer "
    "form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody td tfoot th thead tr ul"
)
_BLOCK_TAGS = frozenset(_BLOCK_NAMES.split())
#: Elements whose content is never text to read, or is a site's menus and footers rather than the page's text.
_SKIPPED_NAMES = "script style noscript template svg math head iframe object canvas select button nav aside footer"
_SKIPPED_TAGS = frozenset(_SKIPPED_NAMES.split())


def read_html(data: bytes) -> ImportedText:
    """A saved web page: the article text and its metadata, taken out by trafilatura; a page over
    MAX_ARTICLE_HTML_CHARS: all its text, one paragraph per block element, and the metadata of its head."""
    import trafilatura

    html, encoding = decode_html(data)
    if len(html) > MAX_ARTICLE_HTML_CHARS:
        return _read_large_html(html, encoding)
    try:
        doc = trafilatura.bare_extraction(
            html, with_metadata=True, favor_recall=True, include_comments=False, include_tables=True
        )
    except Exception as exc:  # trafilatura raises assorted parser errors on malformed pages
        raise ImportRejected(f"cannot parse the HTML ({type(exc).__name__})") from None
    # trafilatura 2 returns a Document (None when nothing was extracted); 1.x (pyproject allows >=1.12) returned the
    # same fields as a dict by default, which the annotation still allows. Document.as_dict() is its attributes.
    fields = doc if isinstance(doc, dict) else doc.as_dict() if doc is not None else None
    text = (fields.get("text") if fields is not None else "") or trafilatura.html2txt(html) or ""
    meta = _metadata(fields)
    paragraphs = [line.strip() for line in text.split("\n") if line.strip()]
    return ImportedText(paragraphs=paragraphs, meta=meta, encoding=encoding)


def _metadata(fields) -> dict[str, str]:
    """npf's metadata keys from trafilatura's fields (a dict, or None when it found nothing)."""
    meta: dict[str, str] = {}
    if fields is None:
        return meta
    for key, attr in (
        ("title", "title"),
        ("author", "author"),
        ("published", "date"),
        ("outlet", "sitename"),
        ("url", "url"),
    ):
        value = fields.get(attr)
        if value:
            meta[key] = str(value)
    language = fields.get("language")
    if language:
        meta["language"] = "zh" if language.startswith("zh") else language
    return meta


def _read_large_html(html: str, encoding: str) -> ImportedText:
    """A very large page: every text block of its body (scripts, styles and the like left out), in time and memory
    proportional to its size; the metadata trafilatura finds in its head alone.

    lxml's "huge tree" option keeps text nodes over 10 MB. A 50 MB one-line page takes about 2 s (then it is
    refused as more text than one document holds; a 20 MB one is imported).
    """
    import copy

    import lxml.html
    import trafilatura
    from lxml import etree

    parser = lxml.html.HTMLParser(
        huge_tree=True,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
        default_doctype=False,
        encoding="utf-8",
    )
    try:
        root = lxml.html.document_fromstring(html.encode("utf-8", "replace"), parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise ImportRejected(f"cannot parse the HTML ({type(exc).__name__})") from None
    meta: dict[str, str] = {}
    head = root.find("head")
    if head is not None:
        # trafilatura reads metadata from the whole tree, at 0.35 s per MB; the head holds what it finds.
        page = lxml.html.document_fromstring("<html><body><p></p></body></html>")
        page.insert(0, copy.deepcopy(head))
        try:
            meta = _metadata(trafilatura.extract_metadata(page).as_dict())
        except Exception:  # metadata is a bonus: a page whose head trafilatura cannot read still has its text
            meta = {}
    body = root.find("body")
    parts: list[str] = []
    if body is not None:
        skipping = 0
        for event, element in etree.iterwalk(body, events=("start", "end")):
            tag = element.tag if isinstance(element.tag, str) else ""
            if event == "start":
                if tag in _SKIPPED_TAGS:
                    skipping += 1
                elif not skipping:
                    if tag in _BLOCK_TAGS:
                        parts.append("\n")
                    if element.text:
                        parts.append(element.text)
                continue
            if tag in _SKIPPED_TAGS:
                skipping -= 1
            elif not skipping and tag in _BLOCK_TAGS:
                parts.append("\n")
            if not skipping and element.tail and element is not body:
                parts.append(element.tail)
    paragraphs = [" ".join(line.split()) for line in "".join(parts).split("\n")]
    return ImportedText(paragraphs=[p for p in paragraphs if p], meta=meta, encoding=encoding)


def decode_html(data: bytes) -> tuple[str, str]:
    """An HTML page's text: its declared charset when that decodes cleanly, otherwise detection as for text files."""
    match = _META_CHARSET.search(data[:4096])
    if match and not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        declared = match.group(1).decode("ascii").lower()
        if declared in ("gb2312", "gbk", "x-gbk"):
            declared = "gb18030"  # pages labelled GB2312 routinely use GBK characters
        try:
            return checked(data.decode(declared), declared), declared
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_text(data)
