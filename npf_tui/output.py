"""Turning core results into terminal text or the stable JSON schema (no Textual, no Rich: plain ANSI when wanted)."""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import asdict
from typing import TextIO

from npf_tui.core.models import Document, Hit, SearchResult, snippet_markdown
from npf_tui.core.text.controls import BIDI_CLASS, is_safe, make_safe

#: What npf itself writes to a terminal and a document never may: its colour codes (SGR), clearing the rest of the
#: line (the progress line) and carriage returns (the progress line again).
_OWN_SEQUENCES = re.compile(r"\x1b\[[0-9;]*[mK]|\r")
#: What json.dumps leaves raw with ensure_ascii=False although a terminal acts on it: DEL, C1, bidi formatting.
_JSON_RAW_UNSAFE = re.compile(f"[\x7f-\x9f{BIDI_CLASS}]")


def terminal_text(text: str) -> str:
    """`text` as it may reach a terminal: npf's own colour codes, line clears and carriage returns kept, every other
    control character made visible (see core/text/controls.py). Documents are made safe when they are loaded; this
    is the second line, for everything a command prints (file names from disk and from the command line too)."""
    if is_safe(text):
        return text
    out: list[str] = []
    pos = 0
    for match in _OWN_SEQUENCES.finditer(text):
        out.append(make_safe(text[pos : match.start()]))
        out.append(match.group())
        pos = match.end()
    out.append(make_safe(text[pos:]))
    return "".join(out)


class TerminalGuard:
    """A text stream that passes everything written to it through `terminal_text` (the rest is the wrapped
    stream's: isatty, flush, encoding, fileno). `npf` wraps its stdout and stderr in one for every subcommand."""

    def __init__(self, stream: TextIO) -> None:
        self.raw = stream

    def write(self, text: str) -> int:
        """Write `text` made safe; returns the length written as the caller counts it."""
        self.raw.write(terminal_text(text))
        return len(text)

    def __getattr__(self, name: str):
        return getattr(self.raw, name)


def use_colour(stream=None) -> bool:
    """Colour only on a terminal, and never with NO_COLOR set or TERM=dumb."""
    stream = stream or sys.stdout
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return hasattr(stream, "isatty") and stream.isatty()


def _style(text: str, code: str, colour: bool) -> str:
    """Wrap text in an ANSI style when colour is on."""
    return f"\x1b[{code}m{text}\x1b[0m" if colour else text


def dumps(obj) -> str:
    """JSON as npf prints it: UTF-8 characters as they are, indented; every control character escaped (json escapes
    C0 itself; DEL, C1 and bidi formatting as \\uXXXX here), so that the same data is still there for a program and
    nothing in it acts on a terminal."""
    text = json.dumps(obj, ensure_ascii=False, indent=2)
    return _JSON_RAW_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def hit_json(hit: Hit) -> dict:
    """One hit in the `npf search --json` schema."""
    return {
        "doc_id": hit.doc_id,
        "title": hit.title,
        "author": hit.author,
        "outlet": hit.outlet,
        "published": hit.published,
        "paragraph": hit.paragraph,
        "score": hit.score,
        "snippet": snippet_markdown(hit.snippet),
        "text": hit.text,
        "language": hit.language,
        "spans": [[s.start, s.end] for s in hit.spans],
    }


def result_head_json(result) -> dict:
    """What every `npf search --json` answer opens with (passages or, with --by-doc, documents)."""
    return {
        "query": result.query,
        "expanded": result.expanded,
        "total": result.total,
        "took_ms": result.took_ms,
        "notice": result.notice,
    }


def search_json(result: SearchResult) -> dict:
    """The whole answer in the `npf search --json` schema."""
    return {**result_head_json(result), "hits": [hit_json(h) for h in result.hits]}


def snippet_text(parts: list[tuple[str, bool]], colour: bool) -> str:
    """A snippet for the terminal: matches bold yellow in colour, **marked** otherwise."""
    if not colour:
        return snippet_markdown(parts)
    return "".join(_style(t, "1;33", True) if m else t for t, m in parts)


def byline(title: str, outlet: str, published: str, author: str = "") -> str:
    """'Title — Outlet, 2024-05-20' with the unknown parts left out."""
    tail = ", ".join(x for x in (author, outlet, published) if x)
    return f"{title} — {tail}" if tail else title


def style(text: str, code: str, colour: bool) -> str:
    """Wrap text in an ANSI style when colour is on (for commands that print their own lines)."""
    return _style(text, code, colour)


def search_head(result, colour: bool, what: str) -> list[str]:
    """The header lines of a search's text output: what was found, what else was searched, the parser's note."""
    lines = [_style(f"{what} for {result.query!r} ({result.took_ms:.0f} ms)", "2", colour)]
    if result.expanded:
        lines.append(_style("also searched: " + ", ".join(result.expanded) + "  (--exact to turn off)", "2", colour))
    if result.notice:
        lines.append(_style("note: " + result.notice, "33", colour))
    return lines


def search_text(result: SearchResult, colour: bool) -> str:
    """Ranked passages as readable text; a hit that is not a one-passage match says why it is listed."""
    from npf_tui.core.search.documents import why

    if any(hit.match == "document" for hit in result.hits):
        # Documents are listed only when no passage holds the words: the total counts documents then.
        what = f"no passage holds every word, {result.total} document{'s do' if result.total != 1 else ' does'},"
    else:
        what = f"{result.total} passage{'s' if result.total != 1 else ''}"
    lines = search_head(result, colour, what)
    for n, hit in enumerate(result.hits, 1):
        lines.append("")
        ref = _style(f"{hit.doc_id} ¶{hit.paragraph}", "36", colour)
        tag = "" if hit.match == "passage" else "  " + _style(f"({why(hit.match)})", "2", colour)
        lines.append(f"{n:>2}. {_style(byline(hit.title, hit.outlet, hit.published), '1', colour)}")
        lines.append(f"    {ref}{tag}")
        lines.append("    " + snippet_text(hit.snippet, colour))
    return "\n".join(lines)


def doc_json(doc_id: str, meta: dict, paragraphs: int) -> dict:
    """One document in the `npf docs --json` schema."""
    return {"doc_id": doc_id, **meta, "paragraphs": paragraphs}


def document_text(doc: Document, colour: bool, only: int | None = None) -> str:
    """A document (or one paragraph) with a header and numbered paragraphs."""
    lines = [_style(doc.title or doc.doc_id, "1", colour)]
    meta = " · ".join(x for x in (doc.author, doc.outlet, doc.published, doc.url) if x)
    if meta:
        lines.append(meta)
    lines.append(_style(f"[{doc.doc_id}]  {len(doc.paragraphs)} paragraphs", "2", colour))
    for number, text in enumerate(doc.paragraphs, 1):
        if only is not None and number != only:
            continue
        lines.append("")
        lines.append(f"{_style(f'¶{number}', '36', colour)} {text}")
    return "\n".join(lines)


def document_json(doc: Document, only: int | None = None) -> dict:
    """A document in the `npf show --json` schema."""
    data = asdict(doc)
    data.pop("path", None)
    data["paragraphs"] = [
        {"paragraph": n, "text": t} for n, t in enumerate(doc.paragraphs, 1) if only is None or n == only
    ]
    return data
