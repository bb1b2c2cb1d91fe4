"""Acronyms defined in a paragraph: `Name (ACR)`, `Name (中文) or ACR` and `ACR (Name)`.

An acronym counts when its letters spell the initials of the words before it (or inside its parentheses), the
connectors ("of", "and", "for", "the", "de", "&") taken as initials or skipped.
"""

from __future__ import annotations

import re

from npf_tui.core.entities.lexicon import CONNECTORS
from npf_tui.core.text.textnorm import has_han


def acronym_letters(acr: str) -> str:
    """The letters an acronym stands for: `R&D` -> `rd`, `MOUs` -> `mou`."""
    if len(acr) > 2 and acr.endswith("s") and acr[:-1].isupper():
        acr = acr[:-1]
    return "".join(c.lower() for c in acr if c.isalpha())


def match_expansion(words: list[str], letters: str) -> int | None:
    """Index in `words` where the shortest expansion of `letters` ending at the last word starts, or None."""

    def walk(wi: int, li: int) -> int | None:
        if li < 0:
            return wi + 1
        if wi < 0:
            return None
        word = words[wi]
        if word.lower() in CONNECTORS:
            if word[0].lower() == letters[li]:
                got = walk(wi - 1, li - 1)
                if got is not None:
                    return got
            return walk(wi - 1, li)
        if word[0].lower() != letters[li]:
            return None
        return walk(wi - 1, li - 1)

    if not letters or not words or words[-1].lower() in CONNECTORS:
        return None
    start = walk(len(words) - 1, len(letters) - 1)
    if start is None:
        return None
    while start < len(words) and words[start].lower() in CONNECTORS:
        start += 1
    return start


_ACR = r"[A-Z][A-Za-z&]*[A-Z]s?"
_ACR_AFTER = re.compile(r"[(（]\s*(" + _ACR + r")\s*[)）]")
_ACR_OR = re.compile(r"\bor\s+(" + _ACR + r")\b")
_ACR_OR_LEAD = re.compile(r"(?:[(（][^()（）]{1,30}[)）]\s*)?,?\s*$")
_ACR_BEFORE = re.compile(r"\b(" + _ACR + r")\s*[(（]\s*([A-Za-z][^()（）]{3,90}?)\s*[)）]")
_EXPANSION_WORDS = re.compile(r"[A-Za-z][\w'’-]*|&")


def _expansion_before(text: str, letters: str) -> str | None:
    """The words right before an acronym that its letters spell, as written, or None."""
    text = text[-300:]
    cut = max(text.rfind(c) for c in '.;:!?()（）“”"\n')
    text = text[cut + 1 :]
    matches = list(_EXPANSION_WORDS.finditer(text))[-12:]
    words = [m.group() for m in matches]
    start = match_expansion(words, letters)
    if start is None or start >= len(words):
        return None
    return text[matches[start].start() : matches[-1].end()]


def find_acronyms(para: str) -> list[tuple[str, str]]:
    """(acronym, expansion) pairs defined in a paragraph: `Name (ACR)`, `Name (中文) or ACR`, `ACR (Name)`."""
    found = []
    has_paren = "(" in para or "（" in para
    for m in _ACR_AFTER.finditer(para) if has_paren else ():
        acr = m.group(1)
        exp = _expansion_before(para[: m.start()], acronym_letters(acr))
        if exp:
            found.append((acr, exp))
    for m in _ACR_OR.finditer(para) if " or " in para else ():
        acr = m.group(1)
        head = para[: m.start()]
        lead = _ACR_OR_LEAD.search(head[-60:])  # skip a parenthesised Chinese name: "Science (中国生产力学会) or CAPS"
        exp = _expansion_before(head[: len(head) - len(lead.group())] if lead else head, acronym_letters(acr))
        if exp:
            found.append((acr, exp))
    for m in _ACR_BEFORE.finditer(para) if has_paren else ():
        acr, inner = m.group(1), m.group(2)
        words = _EXPANSION_WORDS.findall(inner)
        if match_expansion(words, acronym_letters(acr)) == 0:
            found.append((acr, inner.strip()))
    clean = []
    for acr, exp in found:
        acr = acr[:-1] if len(acr) > 2 and acr.endswith("s") and acr[:-1].isupper() else acr
        if len(exp.split()) >= 2 and not has_han(exp) and (acr, exp) not in clean:
            clean.append((acr, exp))
    return clean
