"""Where a query matches in a passage (character spans) and the highlighted snippet: the fragments Whoosh's
ContextFragmenter makes, chosen as its highlighter chooses them (ported to plain tuples: see _fragments)."""

from __future__ import annotations

import heapq
from collections import deque

from whoosh import highlight as wh

from npf_tui.core.models import Span
from npf_tui.core.search.query import Literals
from npf_tui.core.text.analysis import scan, word_tokens

SNIPPET_CHARS = 220
SNIPPET_CONTEXT = 40
BETWEEN = "…"


def match_spans(text: str, literals: Literals) -> list[Span]:
    """Every place in `text` that the query's words, phrases, prefixes or Chinese substrings (typed pinyin included,
    as the Chinese it spells) match."""
    if literals.empty() or not text:
        return []
    normalized, runs = scan(text)
    found: list[tuple[int, int]] = []
    if literals.terms or literals.phrases or literals.prefixes:
        tokens = list(word_tokens(text))
        terms, prefixes = literals.terms, tuple(literals.prefixes)
        for term, start, end in tokens:
            if term in terms or (prefixes and term.startswith(prefixes)):
                found.append((start, end))
        for phrase in literals.phrases:
            size = len(phrase)
            for i in range(len(tokens) - size + 1):
                if all(tokens[i + k][0] == phrase[k] for k in range(size)):
                    found.append((tokens[i][1], tokens[i + size - 1][2]))
    for han in literals.han:
        start = normalized.find(han)
        while start >= 0:
            found.append((start, start + len(han)))
            start = normalized.find(han, start + 1)
    return _merge(found)


def _merge(spans: list[tuple[int, int]]) -> list[Span]:
    """Sorted, non-overlapping spans (overlapping and touching matches join)."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [Span(s, e) for s, e in merged]


#: Whoosh's ContextFragmenter stops reading a text at this character.
_CHARLIMIT = wh.DEFAULT_CHARLIMIT


def _span_tokens(text: str, spans: list[Span]) -> list[tuple[int, int, bool]]:
    """(start, end, matched) of the text's tokens for fragmenting: words, single Chinese characters, and each match
    span as one token (so a phrase, "two sessions", is one highlight)."""
    _, runs = scan(text)
    tokens: list[tuple[int, int, bool]] = []
    k, emitted, count = 0, -1, len(spans)
    for is_han, start, end in runs:
        pieces = ((i, i + 1) for i in range(start, end)) if is_han else ((start, end),)
        for s, e in pieces:
            while k < count and spans[k].end <= s:
                k += 1
            if k < count and spans[k].start < e:
                if spans[k].start < s and k == emitted:
                    continue  # inside a match already given as one token
                emitted = k
                tokens.append((spans[k].start, spans[k].end, True))
            else:
                tokens.append((s, e, False))
    return tokens


def _fragments(text: str, tokens: list[tuple[int, int, bool]], maxchars: int, surround: int):
    """Whoosh's ContextFragmenter.fragment_tokens, step for step, over plain tuples: (start, end, matches) of each
    fragment. Through Whoosh's generators of Token objects a snippet took 40 µs a hit at 100 MB (a hit's passage
    has ~20 tokens; ~1 ms of a 5 ms search), 25 µs so (tests/test_highlight.py checks the port against Whoosh's own
    pipeline)."""
    first = None
    firsts: deque[int] = deque()
    countdown = -1
    tks: list[tuple[int, int]] = []
    endchar = None
    currentlen = 0
    out = []
    for startchar, endchar, matched in tokens:
        tlength = endchar - startchar
        if endchar > _CHARLIMIT:
            break
        if countdown < 0 and not matched:
            firsts.append(startchar)
            while firsts and endchar - firsts[0] > surround:
                firsts.popleft()
        elif currentlen + tlength > maxchars:
            countdown = 0
        elif matched:
            countdown = surround
            if first is None:
                if firsts:
                    first = firsts[0]
                else:
                    first = startchar
                    countdown += surround
            tks.append((startchar, endchar))
        if countdown >= 0:
            currentlen += tlength
            countdown -= tlength
            if countdown <= 0:
                out.append(_fragment(text, tks, first, endchar))
                tks, firsts, first, currentlen = [], deque(), None, 0
    if tks:
        out.append(_fragment(text, tks, first, endchar))
    return out


def _fragment(text: str, tks: list[tuple[int, int]], first: int | None, endchar: int | None):
    """whoosh.highlight.mkfrag."""
    start = first if first is not None else (tks[0][0] if tks else 0)
    end = endchar if endchar is not None else (tks[-1][1] if tks else len(text))
    return max(0, start), min(len(text), end), tks


def _best(fragments: list, top: int) -> list:
    """whoosh.highlight.top_fragments with BasicFragmentScorer, minscore 1 and FIRST order: the `top` fragments
    with the most matches (100 points a match, as one term matches; ties to the later fragment, as Fragment
    compares by start), those with a match, in text order."""
    best = heapq.nlargest(top, fragments, key=lambda f: (len(f[2]) * 100.0, f[0]))
    return sorted((f for f in best if f[2]), key=lambda f: f[0])


def _parts(text: str, fragments: list) -> list[tuple[str, bool]]:
    """(start, end, matches) fragments as (text, is_match) parts in text order, with … between and around them."""
    parts: list[tuple[str, bool]] = []
    fragments = sorted(fragments, key=lambda f: f[0])
    for n, (startchar, endchar, matches) in enumerate(fragments):
        if n:
            parts.append((BETWEEN, False))
        elif 0 < startchar <= 8:
            parts.append((text[:startchar], False))  # a few leading characters: show, don't elide
        elif startchar > 8:
            parts.append((BETWEEN, False))
        pos = startchar
        for tok_start, tok_end in matches:
            if tok_start < pos:
                continue
            if tok_start > pos:
                parts.append((text[pos:tok_start], False))
            parts.append((text[tok_start:tok_end], True))
            pos = tok_end
        if pos < endchar:
            parts.append((text[pos:endchar], False))
        if n == len(fragments) - 1 and endchar < len(text):
            rest = text[endchar:]
            parts.append((rest, False) if len(rest) <= 8 else (BETWEEN, False))
    return _join_parts(parts)


def _join_parts(parts: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """Merge neighbouring parts of the same kind (one highlight per match, not per character)."""
    out: list[tuple[str, bool]] = []
    for text, matched in parts:
        if not text:
            continue
        if out and out[-1][1] == matched:
            out[-1] = (out[-1][0] + text, matched)
        else:
            out.append((text, matched))
    return out


def snippet(text: str, spans: list[Span], max_chars: int = SNIPPET_CHARS) -> list[tuple[str, bool]]:
    """The passage's best fragments around its matches (Whoosh's ContextFragmenter, top 2), or its opening if
    none."""
    flat = " ".join(text.split())
    if flat != text:
        # Snippets are one line: re-finding the spans in the flattened text would cost a rescan; whitespace runs
        # only shrink, so the offsets are mapped instead.
        spans = [Span(_flat_offset(text, s.start), _flat_offset(text, s.end - 1) + 1) for s in spans]
        text = flat
    if not spans:
        cut = text[:max_chars]
        return [(cut + ("…" if len(text) > max_chars else ""), False)]
    fragments = _fragments(text, _span_tokens(text, spans), max_chars, SNIPPET_CONTEXT)
    parts = _parts(text, _best(fragments, 2))
    return parts or [(text[:max_chars], False)]


def _flat_offset(text: str, i: int) -> int:
    """The offset in `' '.join(text.split())` (whitespace runs become one space, none at the ends) of character `i`
    of `text`: a whitespace character maps to the space its run becomes (0 before the first word). Computed for
    the spans' ends only, by C string operations: a table of every character cost 12 µs a hit at 100 MB."""
    prefix = text[:i]
    n = len(" ".join(prefix.split()))
    return n + 1 if n and prefix[-1].isspace() and not text[i].isspace() else n
