"""Where a query matches in a passage (character spans) and the highlighted snippet, using Whoosh's fragmenter."""

from __future__ import annotations

from whoosh import highlight as wh
from whoosh.analysis import Token

from npf_tui.core.models import Span
from npf_tui.core.search.query import Literals
from npf_tui.core.text.analysis import scan, word_tokens

_MATCH = "\x00match"
SNIPPET_CHARS = 220
SNIPPET_CONTEXT = 40


def match_spans(text: str, literals: Literals) -> list[Span]:
    """Every place in `text` that the query's words, phrases, prefixes or Chinese substrings (typed pinyin included,
    as the Chinese it spells) match."""
    if literals.empty() or not text:
        return []
    normalized, runs = scan(text)
    found: list[tuple[int, int]] = []
    if literals.terms or literals.phrases or literals.prefixes:
        tokens = list(word_tokens(text))
        for term, start, end in tokens:
            if term in literals.terms or any(term.startswith(p) for p in literals.prefixes):
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


class _SpanTokens:
    """A Whoosh 'analyzer' for highlighting: words and single Chinese characters, marked when inside a match span."""

    def __init__(self, spans: list[Span]):
        self.spans = spans

    def __call__(self, text, chars=True, **kwargs):
        _, runs = scan(text)
        token = Token(chars=True)
        spans, k = self.spans, 0
        for is_han, start, end in runs:
            pieces = ((i, i + 1) for i in range(start, end)) if is_han else ((start, end),)
            for s, e in pieces:
                while k < len(spans) and spans[k].end <= s:
                    k += 1
                if k < len(spans) and spans[k].start < e:
                    # One token for the whole match, so a phrase ("two sessions") is one highlight.
                    if spans[k].start < s and k == getattr(self, "_emitted", -1):
                        continue
                    self._emitted = k
                    token.text, token.startchar, token.endchar = _MATCH, spans[k].start, spans[k].end
                else:
                    token.text, token.startchar, token.endchar = "w", s, e
                yield token


class _PartsFormatter(wh.Formatter):
    """Formats Whoosh fragments as (text, is_match) parts with … between and around them."""

    between = "…"

    def format(self, fragments, replace=False):
        """Join the best fragments in text order."""
        parts: list[tuple[str, bool]] = []
        for n, frag in enumerate(sorted(fragments, key=lambda f: f.startchar)):
            text = frag.text
            if n:
                parts.append((self.between, False))
            elif 0 < frag.startchar <= 8:
                parts.append((text[: frag.startchar], False))  # a few leading characters: show, don't elide
            elif frag.startchar > 8:
                parts.append((self.between, False))
            pos = frag.startchar
            for tok in frag.matches:
                if tok.startchar < pos:
                    continue
                if tok.startchar > pos:
                    parts.append((text[pos : tok.startchar], False))
                parts.append((text[tok.startchar : tok.endchar], True))
                pos = tok.endchar
            if pos < frag.endchar:
                parts.append((text[pos : frag.endchar], False))
            if n == len(fragments) - 1 and frag.endchar < len(text):
                rest = text[frag.endchar :]
                parts.append((rest, False) if len(rest) <= 8 else (self.between, False))
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
    """The passage's best fragments around its matches (Whoosh's ContextFragmenter), or its opening if none."""
    flat = " ".join(text.split())
    if flat != text:
        # Snippets are one line: re-find the spans in the flattened text by re-running on it would cost a rescan;
        # whitespace runs only shrink, so map offsets through a table instead.
        mapping, spans = _flatten_map(text), spans
        spans = [Span(mapping[s.start], mapping[s.end - 1] + 1) for s in spans]
        text = flat
    if not spans:
        cut = text[:max_chars]
        return [(cut + ("…" if len(text) > max_chars else ""), False)]
    fragmenter = wh.ContextFragmenter(maxchars=max_chars, surround=SNIPPET_CONTEXT)
    parts = wh.highlight(text, {_MATCH}, _SpanTokens(spans), fragmenter, _PartsFormatter(), top=2)
    return parts or [(text[:max_chars], False)]


def _flatten_map(text: str) -> list[int]:
    """For each character of `text`, its offset in `' '.join(text.split())` (whitespace runs become one space)."""
    mapping, out_pos, in_space, started = [], 0, False, False
    for ch in text:
        if ch.isspace():
            if started and not in_space:
                out_pos += 1
            in_space = True
            mapping.append(max(out_pos - 1, 0))
        else:
            in_space = False
            started = True
            mapping.append(out_pos)
            out_pos += 1
    return mapping
