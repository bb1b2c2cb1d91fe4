"""Pinyin without tones: readings of Chinese characters (pypinyin's dictionary); typed pinyin split into syllables."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import unicodedata
from functools import lru_cache

#: At most this many ways to read an ambiguous typed pinyin string (e.g. "xian" = xian | xi'an).
MAX_SPLITS = 4


def strip_tones(syllable: str) -> str:
    """'shēng' → 'sheng', 'lü' → 'lv', 'zhong1' → 'zhong' (the form people type without an input method)."""
    lowered = syllable.lower()
    for umlaut in "üǖǘǚǜ":
        lowered = lowered.replace(umlaut, "v")
    decomposed = unicodedata.normalize("NFD", lowered)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).rstrip("012345")


@lru_cache(maxsize=1)
def _dictionary() -> dict[int, str]:
    """pypinyin's character → readings table, read from its JSON file without importing pypinyin.

    Importing `pypinyin.pinyin_dict` runs the package's `__init__`, which also loads the phrase dictionary: 0.7 s and
    56 MB, against 20 ms and 11 MB for the one table the readings need.
    """
    spec = importlib.util.find_spec("pypinyin")
    folder = spec.submodule_search_locations[0] if spec and spec.submodule_search_locations else None
    try:
        with open(os.path.join(folder or "", "pinyin_dict.json"), encoding="utf-8") as handle:
            table = json.load(handle)
        return {int(code): raw for code, raw in table.items()}
    except (OSError, ValueError, TypeError):  # a packaging we do not know: fall back on pypinyin's own loading
        from pypinyin.pinyin_dict import pinyin_dict

        return pinyin_dict


@lru_cache(maxsize=65536)
def readings(char: str) -> tuple[str, ...]:
    """All toneless readings of one character ('行' → ('xing', 'hang', 'heng')); () for a non-Chinese character."""
    raw = _dictionary().get(ord(char))
    if not raw:
        return ()
    out: list[str] = []
    for reading in raw.split(","):
        plain = strip_tones(reading)
        if plain and plain not in out:
            out.append(plain)
    return tuple(out)


@lru_cache(maxsize=1)
def syllables() -> frozenset[str]:
    """Every toneless syllable that some character is read as."""
    found: set[str] = set()
    for raw in _dictionary().values():
        for reading in raw.split(","):
            plain = strip_tones(reading)
            if plain.isalpha():
                found.add(plain)
    # Interjection readings such as 'm', 'n', 'ng', 'hm' would make nearly any string "pinyin".
    return frozenset(s for s in found if (len(s) > 1 or s in {"a", "e", "o"}) and s not in {"ng", "hm", "hng"})


_TYPED = re.compile(r"^[a-zü0-5'āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ]+$")


def split_typed(word: str) -> list[list[str]]:
    """Ways to read a typed word as pinyin syllables, fewest syllables first ('xinzhi' → [['xin', 'zhi']]).

    An apostrophe forces a boundary ("xi'an"); tone marks and tone numbers are ignored. [] if it is not pinyin.
    """
    word = word.lower().strip()
    if not word or not _TYPED.match(word):
        return []
    # Tone numbers end a syllable: "xin1zhi4" reads as xin'zhi.
    parts = [strip_tones(p) for p in re.split(r"['0-5]", word) if p]
    results: list[list[str]] = [[]]
    for part in parts:
        splits = _split_part(part)
        if not splits:
            return []
        results = [r + s for r in results for s in splits][:MAX_SPLITS]
    return sorted(results, key=len)[:MAX_SPLITS]


@lru_cache(maxsize=4096)
def _split_part(text: str) -> list[list[str]]:
    """All segmentations of `text` into syllables (bounded), by dynamic programming from the end."""
    valid = syllables()
    n = len(text)
    ways: list[list[list[str]]] = [[] for _ in range(n + 1)]
    ways[n] = [[]]
    for i in range(n - 1, -1, -1):
        for j in range(min(n, i + 6), i, -1):  # a syllable has at most 6 letters ("zhuang")
            piece = text[i:j]
            if piece in valid and ways[j]:
                ways[i].extend([piece, *rest] for rest in ways[j])
                if len(ways[i]) >= MAX_SPLITS * 2:
                    break
    return sorted(ways[0], key=len)[:MAX_SPLITS]
