"""Entity records, and how names are compared and found: folding for matching, ids, the mention matcher."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import lru_cache

from npf_tui.core.text.textnorm import has_han


@dataclass
class Entity:
    """One person, organisation, place, concept or media outlet, with its names in both languages."""

    id: str
    type: str
    name_en: str = ""
    name_zh: str = ""
    names: list[str] = field(default_factory=list)  # every name and alias, canonical names first
    note: str = ""

    @property
    def name(self) -> str:
        """The display name: English when known, else Chinese."""
        return self.name_en or self.name_zh or self.id

    def to_json(self) -> dict:
        """A JSON-ready dict."""
        return {
            "id": self.id,
            "type": self.type,
            "name_en": self.name_en,
            "name_zh": self.name_zh,
            "names": self.names,
            "note": self.note,
        }


@dataclass
class Mention:
    """One occurrence of an entity: document, paragraph (1-based), span [start, end) in the paragraph, surface."""

    entity_id: str
    doc_id: str
    paragraph: int
    start: int
    end: int
    text: str


@dataclass
class EntityCount:
    """An entity with a mention count and the ids of every document that mentions it."""

    entity: Entity
    count: int
    docs: list[str]


@lru_cache(maxsize=1)
def _t2s():
    """The Traditional -> Simplified converter (loaded once)."""
    import opencc

    return opencc.OpenCC("t2s")


_FOLD_NEEDED = re.compile("[’‘＇–—‐‑\u00a0]")
_FOLD = str.maketrans({"’": "'", "‘": "'", "＇": "'", "–": "-", "—": "-", "‐": "-", "‑": "-", "\u00a0": " "})


def match_text(text: str) -> str:
    """Text folded for matching with the same length: Simplified Chinese, lower case, plain quotes and dashes."""
    if has_han(text):
        simp = _t2s().convert(text)
        text = (
            simp
            if len(simp) == len(text)
            else "".join(_t2s().convert(c) if len(_t2s().convert(c)) == 1 else c for c in text)
        )
    low = text.lower()
    if len(low) != len(text):
        low = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    # str.translate walks every character in Python-level steps; most paragraphs need no folding at all.
    return low.translate(_FOLD) if _FOLD_NEEDED.search(low) else low


def name_key(name: str) -> str:
    """The key under which names are one: folded as in `match_text`, inner spaces collapsed."""
    return match_text(" ".join(name.split()))


def _case_sensitive(name: str) -> bool:
    """Short all-caps acronyms and very short names must match exactly ("CAPS" is not "caps", "Xi" not "xi")."""
    letters = [c for c in name if c.isalpha()]
    return not has_han(name) and (
        len(name) <= 3 or (bool(letters) and all(c.isupper() for c in letters) and len(name) <= 6)
    )


def slug(text: str) -> str:
    """An ASCII id from a name (Chinese-only names keep their characters)."""
    ascii_id = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return ascii_id or re.sub(r"\s+", "-", text.strip())


def to_simplified(text: str) -> str:
    """Chinese text in Simplified characters (OpenCC t2s)."""
    return _t2s().convert(text)


# ---------------------------------------------------------------- mention matching


class Matcher:
    """One Aho-Corasick automaton over every name of every entity, with word-boundary and case rules."""

    def __init__(self, entities: list[Entity], exact_names: AbstractSet[str] = frozenset()) -> None:
        """`exact_names` match with their own capitalisation (discovered names: "Think Tank" is not "think tank")."""
        import ahocorasick

        self.automaton = ahocorasick.Automaton()
        table: dict[str, tuple[int, set[str] | None]] = {}
        for idx, ent in enumerate(entities):
            for name in ent.names:
                key = name_key(name)
                if len(key) < 2 and not has_han(key):
                    continue
                prev = table.get(key)
                if _case_sensitive(name) or name in exact_names:
                    # Exact forms add up under one key, unless an earlier name made the key case-insensitive.
                    form = " ".join(name.split()).translate(_FOLD)
                    if prev is None:
                        table[key] = (idx, {form})
                    else:
                        table[key] = (idx, None if prev[1] is None else {form, *prev[1]})
                else:
                    table[key] = (idx, None)
        # Short exact-case Latin names ("Xi", "US", "CAPS") would hit inside countless words ("status", "xiang"):
        # one regex anchored at word starts finds them instead of the automaton.
        short: dict[str, int] = {}
        added = 0
        for key, (idx, exact) in table.items():
            if exact is not None and len(key) <= 6 and all(_latin(c) or c in ".&-+" for c in key):
                for form in exact:
                    short[form] = idx
            else:
                self.automaton.add_word(key, (len(key), idx, frozenset(exact) if exact else None))
                added += 1
        # Exact-case short names go into a second automaton run over the unfolded text: matching them
        # case-sensitively there leaves few in-word hits to reject ("Xi" in "Xiamen"), unlike "xi" in folded text.
        self.short = ahocorasick.Automaton() if short else None
        if self.short is not None:
            for form, idx in short.items():
                self.short.add_word(form, (len(form), idx))
            self.short.make_automaton()
        self.empty = not table
        self.keys = frozenset(table)  # every folded name: what a document can be matched against
        self.has_automaton = added > 0
        if self.has_automaton:
            self.automaton.make_automaton()
        self.signature = hashlib.blake2b(
            json.dumps(sorted((k, v[0], sorted(v[1] or ())) for k, v in table.items()), ensure_ascii=False).encode(),
            digest_size=12,
        ).hexdigest()

    def paragraph(self, text: str) -> list[tuple[int, int, int]]:
        """(entity index, start, end) of the mentions in one paragraph: leftmost-longest, no overlaps."""
        if self.empty or not text:
            return []
        found = []
        if self.has_automaton:
            for end, (length, idx, exact) in self.automaton.iter(match_text(text)):
                start, stop = end - length + 1, end + 1
                if not _bounded(text, start, stop):
                    continue
                if exact is not None and text[start:stop].translate(_FOLD) not in exact:
                    continue
                found.append((start, -length, idx))
        if self.short is not None:
            for end, (length, idx) in self.short.iter(text):
                start, stop = end - length + 1, end + 1
                if _bounded(text, start, stop):
                    found.append((start, -length, idx))
        found.sort()
        out, last = [], 0
        for start, neg, idx in found:
            if start >= last:
                out.append((idx, start, start - neg))
                last = start - neg
        return out


def _latin(ch: str) -> bool:
    """A letter or digit of an alphabetic script (where names need word boundaries); CJK has none."""
    return ch.isalnum() and ch < "\u2e80"


def _bounded(text: str, start: int, stop: int) -> bool:
    """A match of a Latin name must not start or end inside a word ("Xi" is not in "Xiamen" or "Xi’an")."""
    if _latin(text[start]) and start > 0 and _latin(text[start - 1]):
        return False
    if _latin(text[stop - 1]) and stop < len(text):
        nxt = text[stop]
        if _latin(nxt):
            return False
        if nxt in "'’" and stop + 1 < len(text) and _latin(text[stop + 1]):
            # A possessive ("Xi’s") still ends the name; "Xi’an" does not.
            return text[stop + 1] in "sS" and (stop + 2 >= len(text) or not _latin(text[stop + 2]))
    return True
