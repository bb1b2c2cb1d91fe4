"""Type guesses for names from their words, suffixes and shape, and whether a mined `English (中文)` pair is a name.

A guess returns "person", "organisation", "place", "concept" or "media", or None when the name itself does not say;
discovery adds the evidence of the words around each occurrence, merging weighs both (entities.merge).
"""

from __future__ import annotations

import re
from functools import lru_cache

from npf_tui.core.entities.lexicon import (
    CHINESE_SURNAMES,
    COMPASS,
    CONCEPT_WORDS,
    CONNECTORS,
    KNOWN_PLACES,
    MEDIA_WORDS,
    ORG_WORDS,
    PINYIN_WORD,
    PLACE_WORDS,
    ZH_CLAUSE_START,
    ZH_MEDIA_SUFFIXES,
    ZH_ORG_SUFFIXES,
    ZH_PLACE_SUFFIXES,
)
from npf_tui.core.glossary import BilingualPair
from npf_tui.core.text.textnorm import has_han


def words_of(name: str) -> list[str]:
    """Lower-case words of a name (for keyword tests)."""
    return [w.lower().strip(".") for w in re.findall(r"[\w.]+", name)]


@lru_cache(maxsize=65536)
def chinese_name_shape(name: str) -> bool:
    """`Liu Haiqing`-like: a common Chinese surname followed by one or two pinyin words."""
    parts = name.split()
    return (
        2 <= len(parts) <= 3
        and parts[0].lower() in CHINESE_SURNAMES
        and all(p[:1].isupper() and PINYIN_WORD.fullmatch(p) for p in parts)
    )


@lru_cache(maxsize=65536)
def guess_type_en(name: str) -> str | None:
    """Type suggested by the words of an English name, or None when nothing in it says."""
    words = words_of(name)
    if not words:
        return None
    last = words[-1]
    if any(w in MEDIA_WORDS for w in words) and not any(w in ("ministry", "university", "bureau") for w in words):
        return "media"
    if last in PLACE_WORDS or (
        len(words) > 1 and words[0] in PLACE_WORDS and "of" in words[:2] and last not in ORG_WORDS
    ):
        return "place"
    if any(w in ORG_WORDS for w in words):
        return "organisation"
    if last in CONCEPT_WORDS:
        return "concept"
    if " ".join(words) in KNOWN_PLACES or (len(words) == 2 and words[0] in COMPASS and words[1] in KNOWN_PLACES):
        return "place"
    return None


def guess_type_zh(name: str) -> str | None:
    """Type suggested by the suffix of a Chinese name, or None."""
    if name.endswith(ZH_MEDIA_SUFFIXES):
        return "media"
    if name.endswith(ZH_ORG_SUFFIXES) and len(name) >= 3:
        return "organisation"
    if name.endswith(ZH_PLACE_SUFFIXES) and 2 <= len(name) <= 6:
        return "place"
    return None


def pair_is_name(en: str, zh: str) -> bool:
    """Whether a mined `English (中文)` pair names something rather than glossing a word ("命令 (COMMAND)")."""
    words = en.split()
    if not 2 <= len(zh) <= 12 or zh[0] in ZH_CLAUSE_START or not all(has_han(c) for c in zh):
        return False
    if len(words) < 2 or len(words) > 10 or en.isupper() and len(words) > 1:
        return False
    caps = sum(w[:1].isupper() for w in words)
    # Title Case names, or quoted lower-case terms of two or more words ("future industries").
    return caps == 0 or caps >= max(2, (len([w for w in words if w.lower() not in CONNECTORS]) + 1) // 2)


def pair_type(pair: BilingualPair | list[str]) -> str | None:
    """A type suggested by a mined pair's names."""
    en, zh = (pair.en, pair.zh) if isinstance(pair, BilingualPair) else pair
    return guess_type_en(en) or guess_type_zh(zh) or ("person" if chinese_name_shape(en) and len(zh) <= 4 else None)
