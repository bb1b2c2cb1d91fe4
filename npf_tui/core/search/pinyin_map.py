"""Pinyin search through the Chinese bigram index: which bigrams of the corpus are read as which syllable pairs.

Instead of indexing every character's readings (a third copy of all Chinese text, a third of the build time), an
index generation keeps a small map 'xin zhi' → {新质, 心智, …} of the bigrams that actually occur. Typed pinyin is split
into syllables, the map chains the syllables into the Chinese strings the corpus contains, and those are searched as
ordinary substrings (so highlighting and ranking are those of Chinese queries).
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterable
from itertools import product
from pathlib import Path

from npf_tui.core.fsutil import atomic_write_bytes
from npf_tui.core.text.pinyin import readings
from npf_tui.core.text.textnorm import HAN_RUN_RE, normalize

PINYIN_MAP = "pinyin.pickle"
#: At most this many Chinese strings are searched for one typed pinyin word (the corpus's most frequent readings
#: are rare to exceed it; a longer syllable chain narrows quickly).
MAX_CANDIDATES = 64

#: The bigrams read as one syllable pair: a set while the map is built or updated, one string of concatenated
#: bigrams ('新质心智') once saved (loading 54k small sets took 120 ms of every `npf add` and first pinyin query; the
#: strings load in 15 ms).
Bucket = set[str] | str
#: character → its toneless readings.
CharReadings = dict[str, tuple[str, ...]]
#: 'xin zhi' → its Bucket, plus, under `_CHARS`, the CharReadings of every character seen. One dict, pickled as it
#: is, so the saved format is that of every existing index; a pair key always holds a space, `_CHARS` never does.
PinyinMap = dict[str, Bucket | CharReadings]
#: Key under which the map also keeps the readings of every character it has seen (a tuple per character), so an
#: incremental update rarely needs pypinyin's large dictionary (~0.25 s to import).
_CHARS = "\x00chars"


def _readings(mapping: PinyinMap, char: str) -> tuple[str, ...]:
    """A character's toneless readings, from the map's own table when it has them."""
    known = mapping.get(_CHARS)
    if not isinstance(known, dict):  # a new map, or one saved before it kept readings
        known = mapping[_CHARS] = {}
    found = known.get(char)
    if found is None:
        found = known[char] = readings(char)
    return found


def add_bigrams(mapping: PinyinMap, bigrams: Iterable[str]) -> bool:
    """Record each two-character string under every reading pair of its characters; True when any was new (only
    then must the map be saved again)."""
    added = False
    for gram in bigrams:
        if len(gram) != 2:
            continue
        first, second = _readings(mapping, gram[0]), _readings(mapping, gram[1])
        for a, b in product(first, second):
            key = f"{a} {b}"
            bucket = mapping.get(key)  # never the readings table: a pair key has a space, `_CHARS` has none
            if bucket is None:
                mapping[key] = {gram}
            elif isinstance(bucket, set):
                if gram in bucket:
                    continue
                bucket.add(gram)
            elif isinstance(bucket, str):
                known = grams(bucket)
                if gram in known:
                    continue
                mapping[key] = {*known, gram}
            added = True
    return added


def grams(bucket: Bucket) -> list[str]:
    """The bigrams of one map entry, packed or not."""
    if isinstance(bucket, str):
        return [bucket[i : i + 2] for i in range(0, len(bucket), 2)]
    return list(bucket)


def bigrams_of(texts: Iterable[str]) -> set[str]:
    """The normalised bigrams of the Chinese runs of some texts (what the `cjk` field indexes)."""
    out: set[str] = set()
    for text in texts:
        for run in HAN_RUN_RE.findall(normalize(text)):
            out.update(run[i : i + 2] for i in range(len(run) - 1))
    return out


def has_bigram(mapping: PinyinMap, gram: str) -> bool:
    """Whether the map records a two-character string (under its first reading pair: it is under all of them)."""
    if len(gram) != 2:
        return False
    first, second = _readings(mapping, gram[0]), _readings(mapping, gram[1])
    if not first or not second:
        return False
    bucket = _bucket(mapping, first[0], second[0])
    return gram in (bucket if isinstance(bucket, set) else grams(bucket))


def unrecorded(mapping: PinyinMap, bigrams: Iterable[str]) -> set[str]:
    """The bigrams the map does not record yet (what an update adds: only these can complete a dictionary entry)."""
    return {gram for gram in bigrams if len(gram) == 2 and not has_bigram(mapping, gram)}


def save(gen_dir: Path, mapping: PinyinMap, canonical: bool = True) -> None:
    """Store the map with an index generation (atomically), its entries packed into strings.

    `canonical`: in key order (and the readings table too). The sets the map is built from iterate in an order that
    changes with every process's string hashing, so a build's file could not be compared with another's; an update
    skips the sort (30-60 ms at 20 MB: it appends new keys to a sorted map anyway)."""
    packed: dict = {}
    for key in sorted(mapping) if canonical else mapping:
        value = mapping[key]
        if key == _CHARS and isinstance(value, dict):
            packed[key] = {char: value[char] for char in sorted(value)} if canonical else value
        else:
            packed[key] = value if isinstance(value, str) else "".join(sorted(value))
    atomic_write_bytes(Path(gen_dir) / PINYIN_MAP, pickle.dumps(packed, protocol=pickle.HIGHEST_PROTOCOL))


def load(gen_dir: Path) -> PinyinMap:
    """The stored map of a generation ({} when missing or unreadable: pinyin then finds nothing, nothing breaks)."""
    try:
        data = pickle.loads((Path(gen_dir) / PINYIN_MAP).read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
        return {}
    return data if isinstance(data, dict) else {}


def from_lexicon(terms: Iterable[bytes | str]) -> PinyinMap:
    """Build the map from the `cjk` field's terms (bigrams and single run-final characters)."""
    mapping: PinyinMap = {}
    add_bigrams(mapping, (t.decode("utf-8") if isinstance(t, bytes) else t for t in terms))
    return mapping


def chinese_for(syllables: list[str], mapping: PinyinMap, limit: int = MAX_CANDIDATES) -> list[str]:
    """The Chinese strings of the corpus whose characters read as `syllables` (two or more), at most `limit`."""
    if len(syllables) < 2:
        return []
    chains = sorted(grams(_bucket(mapping, syllables[0], syllables[1])))
    for i in range(1, len(syllables) - 1):
        pairs = grams(_bucket(mapping, syllables[i], syllables[i + 1]))
        if not pairs:
            return []
        by_first: dict[str, list[str]] = {}
        for gram in pairs:
            by_first.setdefault(gram[0], []).append(gram[1])
        chains = [c + nxt for c in chains for nxt in sorted(by_first.get(c[-1], ()))][: limit * 4]
        if not chains:
            return []
    return chains[:limit]


def _bucket(mapping: PinyinMap, first: str, second: str) -> Bucket:
    """The bigrams read as two syllables ('' when none are)."""
    found = mapping.get(f"{first} {second}", "")
    return "" if isinstance(found, dict) else found  # a dict only under _CHARS, whose key has no space


def corpus_bigrams(mapping: PinyinMap) -> set[str]:
    """Every bigram the map records (those of the corpus's Chinese text): what a generation's dictionary is compiled
    for when the text itself is not at hand (an update, an index older than the dictionary)."""
    out: set[str] = set()
    for key, bucket in mapping.items():
        if key != _CHARS and not isinstance(bucket, dict):
            out.update(grams(bucket))
    return out


def best_readings(strings: list[str], is_word: Callable[[str], bool]) -> list[str]:
    """The readings of typed pinyin worth searching: those that are words of the corpus (备份 for 'beifen'); failing
    any, those made of such words (文件系统 as 文件|系统 for 'wenjianxitong'); only when neither exists, strings that
    straddle word boundaries (被分 in 被|分词). Order kept within the chosen tier."""
    from npf_tui.core.text.analysis import segment

    def tier(text: str) -> int:
        if is_word(text):
            return 0
        pieces = [text[a:b] for _, a, b in segment(text)]
        return 1 if len(pieces) > 1 and all(len(p) >= 2 and is_word(p) for p in pieces) else 2

    tiers = [tier(s) for s in strings]
    best = min(tiers, default=2)
    return [s for s, t in zip(strings, tiers, strict=True) if t == best]
