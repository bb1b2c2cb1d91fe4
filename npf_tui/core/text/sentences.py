"""Sentence splitting for Chinese, English and mixed paragraphs, with character spans into the paragraph."""

from __future__ import annotations

import re
from dataclasses import dataclass

from npf_tui.core.text.textnorm import CJK_WIDE_RE


@dataclass(frozen=True)
class Sentence:
    """One sentence: its text and its [start, end) span in the paragraph (text == paragraph[start:end])."""

    text: str
    start: int
    end: int


#: Chinese full-width enders end a sentence wherever they occur (no abbreviations in Chinese).
_ZH_ENDERS = "。！？；!?"
#: Marks that close a quotation or bracket and stay with the sentence before them (”’」』）) and so on.
_CLOSERS = "”’」』）)】》〉\"'］]"
#: Abbreviated month names (May needs none); entity discovery reads them too (they never start a name).
MONTH_ABBREVIATIONS = frozenset(["jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"])
#: Abbreviations that do not end an English sentence when followed by a period (compared case-insensitively,
#: without the final period). Month and title abbreviations, Latin ones, and common policy-writing ones.
ABBREVIATIONS = (
    frozenset(
        [
            "mr",
            "mrs",
            "ms",
            "dr",
            "prof",
            "sr",
            "jr",
            "st",
            "mt",
            "gen",
            "gov",
            "sen",
            "rep",
            "pres",
            "vs",
            "etc",
            "e.g",
            "i.e",
            "cf",
            "al",
            "approx",
            "est",
            "dept",
            "corp",
            "inc",
            "ltd",
            "co",
            "no",
            "nos",
            "vol",
            "vols",
            "fig",
            "figs",
            "p",
            "pp",
            "ch",
            "sec",
            "art",
            "para",
            "ed",
            "eds",
            "trans",
            "rev",
            "u.s",
            "u.k",
            "u.n",
            "e.u",
            "p.r.c",
            "a.m",
            "p.m",
            "ph.d",
            "b.a",
            "m.a",
            "d.c",
            "n.d",
            "op",
            "cit",
            "ibid",
        ]
    )
    | MONTH_ABBREVIATIONS
)
#: Abbreviations that may also end a sentence ("... in the U.S. The next ..."): they end one only when the next
#: word is capitalised and is not a name-like continuation. Kept short on purpose.
_SENTENCE_FINAL_OK = frozenset(
    {"etc", "u.s", "u.k", "u.n", "e.u", "p.r.c", "d.c", "a.m", "p.m", "al", "inc", "ltd", "co"}
)

_WORD_BEFORE_DOT = re.compile(r"([A-Za-z](?:[A-Za-z.]*[A-Za-z])?)\.$")


def _english_period_ends(text: str, i: int) -> bool:
    """Whether the '.' at text[i] ends an English sentence."""
    before = text[max(0, i - 20) : i + 1]
    nxt = text[i + 1 : i + 2]
    # decimals and numbers: 1.66, 3.5%, v2.0
    if i > 0 and text[i - 1].isdigit() and nxt.isdigit():
        return False
    # ellipsis "..." ends only at its last dot
    if nxt == ".":
        return False
    after = text[i + 1 :].lstrip(_CLOSERS + " \t\n\u3000")
    next_char = after[:1]
    if i > 0 and text[i - 1] == ".":  # the end of "...": a sentence ends only if a new one visibly starts
        return not next_char or not next_char.islower()
    match = _WORD_BEFORE_DOT.search(before)
    if not match:
        return True
    word = match.group(1)
    key = word.lower()
    if key in ABBREVIATIONS:
        return bool(key in _SENTENCE_FINAL_OK and next_char.isupper() and not _looks_like_continuation(after))
    # single initials: "Xi J. Smith", "John F. Kennedy"
    if len(word) == 1 and word.isupper():
        return False
    # a lowercase continuation means the sentence goes on ("approx. ten")
    return not (next_char and next_char.islower())


def _looks_like_continuation(after: str) -> bool:
    """Words that typically follow an abbreviation inside a sentence ("U.S. Congress", "U.S. President")."""
    word = re.match(r"[A-Za-z]+", after)
    return word is not None and word.group(0) in {
        "Congress",
        "President",
        "Treasury",
        "Senate",
        "House",
        "Department",
        "Government",
        "Army",
        "Navy",
        "Secretary",
        "Trade",
        "Commerce",
        "State",
        "Federal",
        "Embassy",
        "Ambassador",
        "Dollar",
        "Dollars",
    }


def _sentence_end(text: str, i: int) -> int | None:
    """If text[i] ends a sentence, the index just past it (and past closing quotes/brackets); else None."""
    ch = text[i]
    if ch in _ZH_ENDERS:
        if ch in "!?" and i + 1 < len(text) and text[i + 1] in "!?":
            return None  # "?!" — end at the last mark
        end = i + 1
    elif ch == ".":
        if not _english_period_ends(text, i):
            return None
        end = i + 1
    else:
        return None
    while end < len(text) and text[end] in _CLOSERS:
        end += 1
    # an English sentence needs a space (or the end) after it; Chinese enders need nothing
    if ch in ".!?" and end < len(text) and not text[end].isspace() and not _is_cjk(text[end]):
        return None
    return end


def _is_cjk(ch: str) -> bool:
    """True for CJK ideographs and full-width punctuation."""
    return CJK_WIDE_RE.match(ch) is not None


def split_sentences(paragraph: str) -> list[Sentence]:
    """The sentences of a paragraph, in order; surrounding whitespace is not part of a sentence."""
    sentences: list[Sentence] = []
    start = 0
    i = 0
    n = len(paragraph)
    while i < n:
        end = _sentence_end(paragraph, i)
        if end is None:
            i += 1
            continue
        _add(paragraph, start, end, sentences)
        start = i = end
    _add(paragraph, start, n, sentences)
    return sentences


def _add(paragraph: str, start: int, end: int, out: list[Sentence]) -> None:
    """Append paragraph[start:end] with its whitespace trimmed (if anything is left)."""
    while start < end and paragraph[start].isspace():
        start += 1
    while end > start and paragraph[end - 1].isspace():
        end -= 1
    if start < end:
        out.append(Sentence(paragraph[start:end], start, end))


def sentence_at(paragraph: str, offset: int) -> Sentence | None:
    """The sentence containing character `offset` (or the nearest one after it), None for an empty paragraph."""
    sentences = split_sentences(paragraph)
    for sentence in sentences:
        if offset < sentence.end:
            return sentence
    return sentences[-1] if sentences else None
