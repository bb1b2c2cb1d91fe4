"""Cross-language expansion: the names a glossary entry or a mined pair gives one thing in both languages, looked
up by their folded form, so that `Liu Haiqing` also searches 刘海清 and the reverse."""

from __future__ import annotations

import re

from npf_tui.core.text.textnorm import normalize


class Expansions:
    """Equivalent names across languages (glossary entries and mined pairs), looked up by normalised name."""

    def __init__(self, groups: list[list[str]]):
        self._by_key: dict[str, list[str]] = {}
        for names in groups:
            names = [n.strip() for n in names if n and n.strip()]
            for name in names:
                key = self.key(name)
                bucket = self._by_key.setdefault(key, [])
                for other in names:
                    if self.key(other) != key and other not in bucket:
                        bucket.append(other)
        multi = sorted((k for k in self._by_key if " " in k), key=len, reverse=True)
        self._multiword = (
            re.compile(
                r"(?<![\w\"])(" + "|".join(re.escape(k).replace(r"\ ", r"\s+") for k in multi) + r")(?![\w\"])", re.I
            )
            if multi
            else None
        )

    @staticmethod
    def key(name: str) -> str:
        """Folded form used for look-up: width, case, Traditional/Simplified and spacing do not matter."""
        return " ".join(normalize(name).split())

    def alternatives(self, name: str) -> list[str]:
        """Other names of the same thing (empty when none is known)."""
        return self._by_key.get(self.key(name), [])

    def quote_names(self, text: str) -> str:
        """Wrap known multi-word names outside quotes in quotes, so `Liu Haiqing` is one phrase to expand."""
        if self._multiword is None:
            return text
        pieces = re.split(r'("[^"]*")', text)
        for i in range(0, len(pieces), 2):
            pieces[i] = self._multiword.sub(lambda m: f'"{m.group(1)}"', pieces[i])
        return "".join(pieces)
