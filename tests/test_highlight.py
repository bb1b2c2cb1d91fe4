"""Snippets are what Whoosh's highlighter makes of the match spans: the port in highlight.py (plain tuples instead
of Token generators) is checked against Whoosh's own pipeline, as npf called it before the port."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import highlight as wh
from whoosh.analysis import Token

from npf_tui.core.models import Span
from npf_tui.core.search import highlight
from npf_tui.core.search.highlight import SNIPPET_CHARS, SNIPPET_CONTEXT, _merge, match_spans, snippet
from npf_tui.core.text.analysis import scan

_MATCH = "\x00match"


class _SpanTokens:
    """The Whoosh 'analyzer' npf highlighted with before the port: words and single Chinese characters, marked
    when inside a match span (one token a span)."""

    def __init__(self, spans):
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
                    if spans[k].start < s and k == getattr(self, "_emitted", -1):
                        continue
                    self._emitted = k
                    token.text, token.startchar, token.endchar = _MATCH, spans[k].start, spans[k].end
                else:
                    token.text, token.startchar, token.endchar = "w", s, e
                yield token


class _Formatter(wh.Formatter):
    """Whoosh's fragments handed to the same parts formatting."""

    def format(self, fragments, replace=False):
        text = fragments[0].text if fragments else ""
        frags = [(f.startchar, f.endchar, [(t.startchar, t.endchar) for t in f.matches]) for f in fragments]
        return highlight._parts(text, frags)


def whoosh_snippet(text: str, spans: list[Span], max_chars: int = SNIPPET_CHARS):
    """`snippet` as it was: Whoosh's highlight() with its ContextFragmenter, top 2."""
    flat = " ".join(text.split())
    if flat != text:
        mapping = _flatten_map(text)
        spans = [Span(mapping[s.start], mapping[s.end - 1] + 1) for s in spans]
        text = flat
    if not spans:
        cut = text[:max_chars]
        return [(cut + ("…" if len(text) > max_chars else ""), False)]
    fragmenter = wh.ContextFragmenter(maxchars=max_chars, surround=SNIPPET_CONTEXT)
    parts = wh.highlight(text, {_MATCH}, _SpanTokens(spans), fragmenter, _Formatter(), top=2)
    return parts or [(text[:max_chars], False)]


def _flatten_map(text: str) -> list[int]:
    """For each character of `text`, its offset in `' '.join(text.split())`, as npf mapped it before."""
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


@given(st.text(alphabet=" \n\tab新。", max_size=60))
def test_flat_offsets_are_the_flattening_table(text):
    assert [highlight._flat_offset(text, i) for i in range(len(text))] == _flatten_map(text)


_PIECES = st.sampled_from(
    [
        "新",
        "质",
        "生产力",
        "發展",
        " ",
        "  ",
        "\n",
        "、",
        "，",
        "。",
        "—",
        "==",
        "a",
        "file",
        "descriptor",
        "x1",
        "-",
        "(",
        ")",
    ]
)


@st.composite
def texts_and_spans(draw):
    """A passage of Chinese, English, spaces and punctuation, and match spans over it as match_spans gives them
    (sorted, merged), anywhere, of any length."""
    text = "".join(draw(st.lists(_PIECES, min_size=1, max_size=400)))
    raw = draw(
        st.lists(st.tuples(st.integers(0, len(text) - 1), st.integers(1, 30)), max_size=12),
    )
    spans = _merge([(s, min(len(text), s + n)) for s, n in raw])
    return text, spans


@settings(max_examples=400, deadline=None)
@given(texts_and_spans(), st.sampled_from([SNIPPET_CHARS, 60, 15]))
def test_snippets_are_whoosh_highlights(case, max_chars):
    text, spans = case
    assert snippet(text, spans, max_chars) == whoosh_snippet(text, spans, max_chars)


@pytest.mark.parametrize("query", ["新质生产力", "科技 创新", "productive forces", '"new quality"', "xinzhi", "习近平"])
def test_snippets_of_the_bundled_corpus_are_whoosh_highlights(library, query):
    literals = library.compile(query).literals
    checked = 0
    for doc in library.documents:
        for text in doc.paragraphs:
            spans = match_spans(text, literals)
            if spans:
                assert snippet(text, spans) == whoosh_snippet(text, spans)
                checked += 1
    assert checked >= 3


def test_a_text_beyond_whoosh_char_limit_stops_where_whoosh_stops():
    """Whoosh's fragmenter reads a text up to 32,768 characters: a match beyond is not shown, one just before is."""
    text = "词语 " * 11_000 + "新质生产力 end"
    at = text.index("新质")
    for spans in ([Span(at, at + 5)], [Span(10, 12), Span(at, at + 5)], [Span(32_760, 32_770)]):
        assert snippet(text, spans) == whoosh_snippet(text, spans)
