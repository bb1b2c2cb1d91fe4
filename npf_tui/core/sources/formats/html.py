"""Saved web pages: the article text and its metadata, taken out by trafilatura."""

from __future__ import annotations

import codecs
import re

from npf_tui.core.sources.formats.base import ImportedText, ImportRejected
from npf_tui.core.sources.sniffing import checked, decode_text

_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)


def read_html(data: bytes) -> ImportedText:
    """A saved web page: the article text and its metadata, taken out by trafilatura."""
    import trafilatura

    html, encoding = decode_html(data)
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
    meta: dict[str, str] = {}
    if fields is not None:
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
    paragraphs = [line.strip() for line in text.split("\n") if line.strip()]
    return ImportedText(paragraphs=paragraphs, meta=meta, encoding=encoding)


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
