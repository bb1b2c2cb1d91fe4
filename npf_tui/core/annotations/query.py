"""A small query language over annotations: words and fields, all combined with AND.

* ``word`` or ``"two words"`` — in the quote or the note (folded: width, case, Traditional/Simplified, whitespace
  ignored; a substring match, so Chinese needs no segmentation: ``生产力`` finds ``新质生产力``);
* ``note:WORD`` — in the note only; ``quote:WORD`` — in the quote only;
* ``tag:NAME`` — carries the tag (case-insensitive; ``#NAME`` works too);
* ``doc:ID`` — on the document with that id or id prefix;
* ``kind:sentence|span|paragraph``; ``anchor:anchored|moved|orphaned``;
* ``-term`` — excludes what `term` would match (``-tag:draft``).
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from npf_tui.core.errors import QuerySyntaxError

from .anchoring import squeeze
from .model import ANCHOR_STATES, KINDS, Annotation

FIELDS = ("note", "quote", "tag", "doc", "kind", "anchor")


@dataclass(frozen=True)
class Term:
    """One condition: a field (None: quote or note) and its value; `negated` for a leading '-'."""

    field: str | None
    value: str
    negated: bool = False


def parse(query: str) -> list[Term]:
    """The terms of a query; unbalanced quotes or an empty field value are a QuerySyntaxError."""
    try:
        words = shlex.split(query)
    except ValueError as exc:
        raise QuerySyntaxError(f"cannot read the query {query!r}: {exc}") from None
    terms = []
    for word in words:
        negated = word.startswith("-") and len(word) > 1
        body = word[1:] if negated else word
        name, sep, value = body.partition(":")
        if sep and name.lower() in FIELDS:
            name = name.lower()
            value = value.strip()
            if not value:
                raise QuerySyntaxError(f"'{name}:' needs a value (e.g. {name}:{_example(name)})")
            if name == "kind" and value not in KINDS:
                raise QuerySyntaxError(f"unknown kind {value!r} (one of: {', '.join(KINDS)})")
            if name == "anchor" and value not in ANCHOR_STATES:
                raise QuerySyntaxError(f"unknown anchor state {value!r} (one of: {', '.join(ANCHOR_STATES)})")
            terms.append(Term(name, value, negated))
        elif body.strip():
            terms.append(Term(None, body, negated))
    return terms


def _example(name: str) -> str:
    return {"kind": "sentence", "anchor": "orphaned", "doc": "rainey", "tag": "method"}.get(name, "word")


def _contains(haystack: str, needle: str) -> bool:
    return squeeze(needle)[0] in squeeze(haystack)[0]


def _matcher(term: Term) -> Callable[[Annotation], bool]:
    value = term.value
    if term.field == "note":
        return lambda a: _contains(a.note, value)
    if term.field == "quote":
        return lambda a: _contains(a.exact, value)
    if term.field == "tag":
        wanted = value.lstrip("#").casefold()
        return lambda a: wanted in {t.casefold() for t in a.tags}
    if term.field == "doc":
        return lambda a: a.doc_id == value or a.doc_id.startswith(value)
    if term.field == "kind":
        return lambda a: a.kind == value
    if term.field == "anchor":
        return lambda a: a.anchor == value
    return lambda a: _contains(a.exact, value) or _contains(a.note, value)


def compile_query(query: str) -> Callable[[Annotation], bool]:
    """A predicate true for the annotations that match every term of `query` (an empty query matches all)."""
    checks = [(_matcher(term), term.negated) for term in parse(query)]
    return lambda ann: all(check(ann) != negated for check, negated in checks)


def search(annotations: Iterable[Annotation], query: str) -> list[Annotation]:
    """The annotations that match `query`, in document, paragraph, start order."""
    matches = compile_query(query)
    return sorted((a for a in annotations if matches(a)), key=Annotation.sort_key)
