"""The query syntax: Whoosh's parser set up for npf (AND by default, `-word`, `>`/`<` ranges, no single-quote
phrases), and what tells a query it cannot take (errors, stray operators) from one it can."""

from __future__ import annotations

import re

from whoosh import qparser
from whoosh import query as Q
from whoosh.analysis import Token, Tokenizer
from whoosh.fields import ID, TEXT, Schema

from npf_tui.core.text.textnorm import fold_table

#: Whoosh's operators (upper case only: `and`, `or`, `not` are words). Binary ones need a word on both sides.
_BINARY_OPERATORS = frozenset({"AND", "OR", "ANDNOT", "ANDMAYBE", "REQUIRE"})
_OPERATORS = _BINARY_OPERATORS | {"NOT"}


class _WholeText(Tokenizer):
    """Query-time analyzer of the pseudo field `text`: the raw word or phrase as one token (we compile it ourselves)."""

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        t.text, t.boost, t.stopped = value, 1.0, False
        if positions:
            t.pos = start_pos
        if chars:
            t.startchar, t.endchar = start_char, start_char + len(value)
        yield t


_QUERY_SCHEMA = Schema(
    text=TEXT(analyzer=_WholeText(), phrase=True),
    title=TEXT(analyzer=_WholeText(), phrase=True),
    author=TEXT(analyzer=_WholeText(), phrase=True),
    outlet=TEXT(analyzer=_WholeText(), phrase=True),
    lang=ID(),
    doc=ID(),
    published=ID(),
)


def _parser() -> qparser.QueryParser:
    """Whoosh's parser with AND as the default, `-word`/`+word`, `>`/`<` ranges, and no single-quote phrases
    (an apostrophe is part of words like Xi's and xi'an)."""
    parser = qparser.QueryParser("text", _QUERY_SCHEMA, group=qparser.AndGroup)
    parser.remove_plugin_class(qparser.SingleQuotePlugin)
    # Only a sign at the start of a word is an operator: "high-quality", "GPT-4o" and 2024-05 stay whole.
    parser.add_plugin(
        qparser.PlusMinusPlugin(plusexpr=r"(?:(?<=[\s(])|^)\+(?=\S)", minusexpr=r"(?:(?<=[\s(])|^)-(?=\S)")
    )
    parser.add_plugin(qparser.GtLtPlugin())
    return parser


_PARSER = _parser()


def parse(text: str):
    """Whoosh's parse, or None where Whoosh itself fails (it raises IndexError on e.g. '<0')."""
    try:
        return _PARSER.parse(text)
    except Exception:  # noqa: BLE001 - any parser failure means "not valid syntax": the caller falls back
        return None


#: A question mark that ends a word (before a space, a closing quote or bracket, or the end): the end of a pasted
#: question ("…economic thought?", "这是什么？" once folded), not Whoosh's one-character wildcard, which the query
#: language only has inside a word (`organi?ation`).
_QUESTION_MARK = re.compile(r"(?<=[^\s?*])\?+(?=[\s\"')\]]|$)")


def clean(text: str) -> str:
    """Fold width and quote forms so “curly” and full-width quotes delimit phrases; drop control characters and
    the question marks that end a word."""
    text = text.translate(fold_table())
    text = "".join(c if c.isprintable() else " " for c in text)
    return _QUESTION_MARK.sub(" ", text)


def plain_query(text: str) -> str:
    """The fallback for a query the parser cannot take: its words only, no syntax characters (an operator's word in
    lower case: the parser would take `AND` as an operator again, `and` is a word)."""
    return " ".join(w.lower() if w in _OPERATORS else w for w in re.findall(r"\w+", text))


def stray_operator(text: str) -> bool:
    """True when an operator has nothing to work on: `AND OR NOT`, `a AND`, `OR b`, `a OR OR b`, `a NOT`.

    Whoosh does not mark these as errors: it reads a stray operator as the word (`AND` searched "and") or drops it
    (`a OR OR b` became a AND b), both without a word to the user. Such a query is searched as plain words, with
    the notice every query the parser cannot take gets. Phrases in quotes hold words, not operators.
    """
    tokens = re.findall(r"[()]|[^\s()]+", re.sub(r'"[^"]*"', " phrase ", text))
    if not _OPERATORS.intersection(tokens):
        return False
    for i, token in enumerate(tokens):
        if token not in _OPERATORS:
            continue
        before = tokens[i - 1] if i > 0 else None
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        if after is None or after == ")" or after in _BINARY_OPERATORS:
            return True  # nothing after it
        if token in _BINARY_OPERATORS and (before is None or before == "(" or before in _OPERATORS):
            return True  # nothing before it
    return False


def has_error(q) -> bool:
    """True if the parser marked any part of the query as an error (or produced nothing)."""
    if q is None or q is Q.NullQuery:
        return True
    if getattr(q, "error", None):
        return True
    return any(has_error(c) for c in q.children()) if q.children() else False


def only_negative(q) -> bool:
    """A query of exclusions only (`-foo`) means 'everything but foo'."""
    if isinstance(q, Q.Not):
        return True
    if isinstance(q, Q.And):
        return all(only_negative(c) for c in q.subqueries)
    return False
