"""Whoosh tokenizers for bilingual passages: jieba words and Chinese character bigrams (pinyin is matched through the
bigrams, see pinyin_map).

Both read the same length-preserving normalisation (see textnorm), so character offsets always point into the
original text. They are defined here (not taken from jieba.analyse) so that opening an index unpickles only this
small module, and so that token positions are word positions (phrase queries work).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Mapping
from functools import lru_cache

from whoosh.analysis import Token, Tokenizer
from whoosh.lang.porter import stem as _porter_stem

from npf_tui.core.text.textnorm import RUN_RE, normalize

#: Positions left empty between two Chinese runs, so no phrase or bigram chain matches across punctuation.
RUN_GAP = 2

_lock = threading.Lock()
_segmenters: dict[str, object] = {}
#: The active user dictionary: (its key for manifests, its segmenter's key, its (word, tag) entries).
_wanted: tuple[str, str, tuple[tuple[str, str | None], ...]] = ("", "", ())
_default_taken = False
_claim_lock = threading.Lock()


def _new_segmenter(entries: tuple[tuple[str, str | None], ...]):
    """An rjieba (jieba-rs, jieba's dictionary) segmenter with our user words added.

    rjieba builds a default segmenter when imported (~0.3 s); the first dictionary reuses it instead of paying
    for a second copy, which matters for the cold start of `npf search`.
    """
    seg = claim_segmenter()
    for word, tag in entries:
        # A high frequency makes the user word win over the dictionary's splits (e.g. 中国|生产力|学会).
        seg.add_word(word, 100000, tag)
    return seg


def claim_segmenter():
    """A fresh rjieba segmenter for the caller alone: the one rjieba builds when imported, if nobody has taken it yet.

    A segmenter takes ~24 MB and ~0.1-0.3 s to build; the first dictionary in a process reuses rjieba's own
    instead of building a second one.
    """
    global _default_taken
    import rjieba

    with _claim_lock:
        if not _default_taken:
            _default_taken = True
            return rjieba._DEFAULT_JIEBA
    return rjieba.Jieba()


def user_words_key(words: Iterable[str]) -> str:
    """A short fingerprint of a user dictionary's words, a list or a dict of words → jieba tags (the tags do not
    count); stored with the index to detect a changed dictionary."""
    return hashlib.sha1("\n".join(sorted(set(words))).encode("utf-8")).hexdigest()[:16]


def _dictionary(words: Mapping[str, str | None] | Iterable[str]) -> tuple[str, str, tuple]:
    """(manifest key, segmenter key, entries) of a user dictionary.

    Each word enters as written and in its normalised form (what the index segments), with its part-of-speech
    tag: one segmenter then serves the index (which reads normalised text) and the entity tagger (which reads the
    text as written) — a second one would cost ~0.1 s and ~24 MB in every update.
    """
    tagged = dict(words) if isinstance(words, Mapping) else dict.fromkeys(words)
    entries: dict[str, str | None] = {}
    for word, tag in tagged.items():
        for form in (word.strip(), normalize(word).strip()):
            if form and entries.get(form) is None:
                entries[form] = tag
    normalized = sorted({normalize(w).strip() for w in tagged if w and w.strip()})
    ordered = tuple(sorted(entries.items()))
    seg_key = hashlib.sha1(repr(ordered).encode("utf-8")).hexdigest()[:16]
    return user_words_key(normalized), seg_key, ordered


def use_user_words(words: Mapping[str, str | None] | Iterable[str]) -> str:
    """Make `words` (a list, or words with their jieba tags) the active user dictionary for segmentation (index
    and query must share it); returns its key.

    The segmenter itself is created on first use: an English-only query never loads jieba's dictionary.
    """
    global _wanted
    wanted = _dictionary(words)
    with _lock:
        if wanted[1] != _wanted[1]:
            _wanted = wanted
            _segment_cached.cache_clear()
    return wanted[0]


def active_key() -> str:
    """The key of the user dictionary segmentation uses now."""
    return _wanted[0]


def _segmenter():
    """The segmenter of the active user dictionary."""
    return _segmenter_of(_wanted[1], _wanted[2])


def _segmenter_of(seg_key: str, entries: tuple):
    """The segmenter of one user dictionary, built once per process."""
    seg = _segmenters.get(seg_key)
    if seg is None:
        with _lock:
            seg = _segmenters.get(seg_key)
            if seg is None:
                seg = _segmenters[seg_key] = _new_segmenter(entries)
    return seg


def tagging_segmenter(words: Mapping[str, str | None]):
    """A segmenter whose dictionary holds `words` with their tags, for part-of-speech tagging: the active one when
    it is this dictionary (the usual case: an index update tags with what it indexes), else one of its own."""
    _, seg_key, entries = _dictionary(words)
    return _segmenter_of(seg_key, entries)


def segment(han_run: str) -> list[tuple[str, int, int]]:
    """jieba words of a run of (normalised) Chinese characters, with offsets inside the run."""
    if len(han_run) <= 24:
        return _segment_cached(han_run)
    return _segmenter().tokenize(han_run, "default", False)


@lru_cache(maxsize=20000)
def _segment_cached(han_run: str) -> list[tuple[str, int, int]]:
    """Short runs repeat a lot (names, terms, query words): segment each once."""
    return _segmenter().tokenize(han_run, "default", False)


@lru_cache(maxsize=100000)
def stem(word: str) -> str:
    """English stem (Porter, as Whoosh's StemmingAnalyzer uses), cached: 'innovation' → 'innov'."""
    if not word.isascii() or not word.isalpha() or len(word) < 3:
        return word
    return _porter_stem(word)


class _Scan:
    """One-entry memo of the last text scanned: Whoosh runs each field's analyzer over the same paragraph."""

    __slots__ = ("text", "normalized", "runs")

    def __init__(self):
        self.text = None
        self.normalized = ""
        self.runs: list[tuple[bool, int, int]] = []


_scan_local = threading.local()


def scan(text: str) -> tuple[str, list[tuple[bool, int, int]]]:
    """(normalised text, runs) where each run is (is_han, start, end) over the text."""
    memo = getattr(_scan_local, "memo", None)
    if memo is None:
        memo = _scan_local.memo = _Scan()
    if memo.text is text or memo.text == text:
        return memo.normalized, memo.runs
    normalized = normalize(text)
    runs = [(m.lastgroup == "han", m.start(), m.end()) for m in RUN_RE.finditer(normalized)]
    memo.text, memo.normalized, memo.runs = text, normalized, runs
    return normalized, runs


def word_tokens(text: str):
    """(term, startchar, endchar) of the words field: jieba words for Chinese, stemmed lower-case words otherwise."""
    normalized, runs = scan(text)
    for is_han, start, end in runs:
        if is_han:
            for word, ws, we in segment(normalized[start:end]):
                yield word, start + ws, start + we
        else:
            yield stem(normalized[start:end]), start, end


class _BaseTokenizer(Tokenizer):
    """Shared Whoosh plumbing: one reusable Token, positions and characters on request."""

    def __eq__(self, other):
        return type(self) is type(other)

    def __hash__(self):
        return hash(type(self).__name__)

    def _token(self, positions, chars, keeporiginal, removestops, mode, kwargs):
        """The one Token object a call reuses for every token it yields (Whoosh's convention, for speed)."""
        return Token(positions, chars, removestops=removestops, mode=mode, **kwargs)

    @staticmethod
    def _emit(t, value, pieces, positions, chars, keeporiginal, start_pos, start_char):
        """Yield `t` filled in for each (term, start, end) piece, numbering positions from start_pos."""
        pos = start_pos
        for term, start, end in pieces:
            t.text = term
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = value[start:end]
            if positions:
                t.pos = pos
            if chars:
                t.startchar, t.endchar = start_char + start, start_char + end
            pos += 1
            yield t


class WordTokenizer(_BaseTokenizer):
    """Field `words`: one token per jieba word or English word; positions count words, so phrases work."""

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
        t = self._token(positions, chars, keeporiginal, removestops, mode, kwargs)
        return self._emit(t, value, word_tokens(value), positions, chars, keeporiginal, start_pos, start_char)


class BigramTokenizer(_BaseTokenizer):
    """Field `cjk`: overlapping character bigrams of each Chinese run, plus its last character alone.

    Any run of two or more characters of a passage is then a phrase of consecutive bigrams (full substring recall,
    across jieba's word boundaries); one character is a prefix of a bigram or the final single character.
    """

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
        t = self._token(positions, chars, keeporiginal, removestops, mode, kwargs)
        normalized, runs = scan(value)
        pos = start_pos
        for is_han, start, end in runs:
            if not is_han:
                continue
            for i in range(start, end):
                t.text = normalized[i : i + 2] if i + 1 < end else normalized[i]
                t.boost = 1.0
                t.stopped = False
                if positions:
                    t.pos = pos
                if chars:
                    t.startchar, t.endchar = start_char + i, start_char + min(i + 2, end)
                pos += 1
                yield t
            pos += RUN_GAP


class PlainTokenizer(_BaseTokenizer):
    """Metadata values (author, outlet, title): normalised words without stemming, Chinese by jieba words."""

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
        t = self._token(positions, chars, keeporiginal, removestops, mode, kwargs)
        return self._emit(t, value, plain_words(value), positions, chars, keeporiginal, start_pos, start_char)


def plain_words(value: str):
    """(word, start, end) of a metadata value: folded words as they are, Chinese runs by jieba words."""
    normalized = normalize(value)
    for m in RUN_RE.finditer(normalized):
        if m.lastgroup == "han":
            for word, start, end in segment(m.group()):
                yield word, m.start() + start, m.start() + end
        else:
            yield m.group(), m.start(), m.end()
