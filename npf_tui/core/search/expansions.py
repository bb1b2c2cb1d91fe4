"""Cross-language expansion: the names a glossary entry or a mined pair gives one thing in both languages, looked
up by their folded form, so that `Liu Haiqing` also searches 刘海清 and the reverse; below them, the corpus's part
of CC-CEDICT (text/dictionary.py), and the regional wording of Taiwan and Hong Kong (OpenCC's phrase tables).

Order of authority (docs/search.md): the glossary and the mined pairs the corpus trusts (glossary.trusted_pairs)
first; the dictionary only for a term they do not know, and only for specific matches (the typed text is a whole
sense of the entry, the entry is a word of the corpus), and among several candidates those the corpus writes beside
the word (`_supported`: 命令 → command, not order).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from functools import lru_cache

from npf_tui.core.text.dictionary import Dictionary
from npf_tui.core.text.textnorm import HAN_RUN_RE, has_han, normalize

#: At most this many dictionary equivalents per term, closest first ("file" → 档案, 文件): a term with more senses
#: in the dictionary than that is too vague to expand with all of them.
MAX_DICTIONARY = 3
#: English equivalents of a Chinese word are senses of this many words at most.
MAX_ENGLISH_WORDS = 2
#: Of several Chinese equivalents, those the corpus writes at least 1/MIN_SHARE as often as the most written one.
MIN_SHARE = 10
#: Corpus evidence for a dictionary sense: the passages that hold the word and the equivalent together. Texts
#: that translate often keep the source term beside its translation ("命令 (command)", "显示 show"), so a sense the
#: corpus really uses for the word co-occurs with it; another sense of the entry hardly ever does. In the 20 MB man
#: pages: 命令 with "command" 336 passages, with "order" 4; 文件 with "file" 332, with "document" 9; 执行 with
#: "execute" 35, with "implement" 0. When the best-supported candidate has at least MIN_EVIDENCE such passages, a
#: candidate is kept only with at least 1/EVIDENCE_SHARE of the best one's ("display" keeps 16 beside "show"'s 65
#: for 显示), or when at least OWN_SHARE of its own passages (and MIN_OWN) are beside the word: a less used
#: synonym (远程 6 of its 107 beside "remote", against 远端's 36), not a word that is mostly something else
#: (设置 "to set up", 3 of 1,691 beside "install").
MIN_EVIDENCE = 10
EVIDENCE_SHARE = 5
OWN_SHARE = 0.025
MIN_OWN = 3
#: A candidate that is a form of a kept one ("debugging" beside "debug") is the same sense: kept with it.
MIN_FORM_CHARS = 4
#: A Chinese query this long or longer that is part of a known name expands as the name would (自立自强 ⊂
#: 科技自立自强); shorter fragments (自立) are parts of too many things.
MIN_PART_CHARS = 3
#: ... of known names this long at most (科技自立自强 is 6).
MAX_WHOLE_CHARS = 8
#: ... and only when it is part of this many known names at most.
MAX_WHOLES = 3
#: OpenCC configurations that rewrite regional wording phrase by phrase into mainland Simplified.
REGIONAL_CONFIGS = ("tw2sp", "hk2s")


class Expansions:
    """Equivalent names across languages (glossary entries and mined pairs), looked up by normalised name, and the
    dictionary below them."""

    def __init__(self, groups: list[list[str]], dictionary: Dictionary | None = None):
        self.dictionary = dictionary
        #: Counts over the corpus that query compiling asks again and again (passages holding a Chinese string, or
        #: two texts together), kept as long as this object: one per index generation and refresh.
        self.counts: dict[tuple[str, ...], int] = {}
        self._by_key: dict[str, list[str]] = {}
        for names in groups:
            names = [n.strip() for n in names if n and n.strip()]
            for name in names:
                key = self.key(name)
                bucket = self._by_key.setdefault(key, [])
                for other in names:
                    if self.key(other) != key and other not in bucket:
                        bucket.append(other)
        # Names a query can be part of: a mined "name" of more than MAX_WHOLE_CHARS is a clause the miner took whole
        self._han_keys = sorted(k for k in self._by_key if HAN_RUN_RE.fullmatch(k) and len(k) <= MAX_WHOLE_CHARS)
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

    def wholes(self, name: str) -> list[str]:
        """The known Chinese names a Chinese query is a part of (自立自强 → 科技自立自强), when it is long enough
        and part of few of them ([] otherwise, and for a name known as it is)."""
        key = self.key(name)
        if len(key) < MIN_PART_CHARS or not HAN_RUN_RE.fullmatch(key) or key in self._by_key:
            return []
        found = [k for k in self._han_keys if key in k]
        return found if len(found) <= MAX_WHOLES else []

    def known_alternatives(self, name: str, frequency: Callable[[str], int] | None = None) -> list[str]:
        """The glossary's and the mined pairs' names for `name`, or for the known names it is part of — those it
        is mostly part of, when `frequency` (passages holding a word) is given: 自立自强 is hardly ever written
        outside 科技自立自强, but 生产力 is a word of its own far more often than a part of 新质生产力."""
        direct = self.alternatives(name)
        if direct:
            return list(direct)
        out: list[str] = []
        wholes = self.wholes(name)
        if wholes and frequency is not None:
            alone = frequency(name)
            wholes = [w for w in wholes if frequency(w) * 2 >= alone]
        for whole in wholes:
            for alt in self._by_key[whole]:
                if not has_han(alt) and alt not in out:
                    out.append(alt)  # the whole's Chinese spellings contain the part: already found as typed
        return out

    def dictionary_alternatives(
        self,
        name: str,
        present: Callable[[str], bool],
        frequency: Callable[[str], int] | None = None,
        together: Callable[[str, str], int] | None = None,
    ) -> list[str]:
        """CC-CEDICT equivalents of `name` that `present` says the corpus holds, closest first, at most
        MAX_DICTIONARY: Chinese headwords whose sense is the English typed; for Chinese, its first short senses.
        With `frequency` (passages holding a word), the corpus picks the sense: a headword written less than
        1/MIN_SHARE as often as the most written one is dropped ("process" → 进程 in man pages, not 加工).
        With `together` (passages holding both texts), candidates the corpus gives no support beside a
        well-supported one are dropped (命令 → command, not order: see MIN_EVIDENCE); for Chinese without such
        support, only the first sense is used (信息 → information, not also news and message)."""
        if self.dictionary is None:
            return []
        text = " ".join(name.split())
        if has_han(text):
            if not HAN_RUN_RE.fullmatch(normalize(text)):
                return []
            # Short senses only: "search for address" is how a dictionary explains 寻址, not how a text says it
            found = [e for e in self.dictionary.english_for(text) if len(e.text.split()) <= MAX_ENGLISH_WORDS]
        else:
            found = self.dictionary.chinese_for(text)
        out: list[str] = []
        for equivalent in found:
            if equivalent.text not in out and self.key(equivalent.text) != self.key(text) and present(equivalent.text):
                out.append(equivalent.text)
        if together is not None and len(out) > 1:
            out = _supported(text, out, together, frequency)
        if frequency is not None and len(out) > 1:
            counts = {zh: frequency(zh) for zh in out}
            most = max(counts.values())
            out = [zh for zh in out if counts[zh] * MIN_SHARE >= most]
        return out[:MAX_DICTIONARY]

    def quote_names(self, text: str) -> str:
        """Wrap known multi-word names outside quotes in quotes, so `Liu Haiqing` is one phrase to expand."""
        if self._multiword is None:
            return text
        pieces = re.split(r'("[^"]*")', text)
        for i in range(0, len(pieces), 2):
            pieces[i] = self._multiword.sub(lambda m: f'"{m.group(1)}"', pieces[i])
        return "".join(pieces)


def _supported(
    text: str,
    candidates: list[str],
    together: Callable[[str, str], int],
    frequency: Callable[[str], int] | None = None,
) -> list[str]:
    """The candidates the corpus supports as equivalents of `text` (see MIN_EVIDENCE), in their order; without
    support for any, all of them for English (the headwords of one sense), the first for Chinese (its first sense:
    the senses of a Chinese entry are often different meanings). Forms of a kept candidate are kept with it."""
    support = {c: together(text, c) for c in candidates}
    best = max(support.values())
    if best >= MIN_EVIDENCE:
        kept = [
            c
            for c in candidates
            if support[c] * EVIDENCE_SHARE >= best
            or (support[c] >= MIN_OWN and frequency is not None and support[c] >= OWN_SHARE * frequency(c))
        ]
    else:
        kept = candidates[:1] if has_han(text) else list(candidates)
    return [c for c in candidates if c in kept or any(_form_of(c, k) for k in kept)]


def _form_of(word: str, other: str) -> bool:
    """Whether two English equivalents are forms of one word: the longer is the shorter with an inflection ("debug",
    "debugging"; "install", "installed"), not merely longer ("form" is no form of "format")."""
    a, b = sorted((word.lower(), other.lower()), key=len)
    if not (a.isascii() and b.isascii() and len(a) >= MIN_FORM_CHARS and b.startswith(a)):
        return False
    rest = b[len(a) :]
    if rest[:1] == a[-1]:  # a doubled final consonant: debug → debugging
        rest = rest[1:]
    return rest in _INFLECTIONS


_INFLECTIONS = {"s", "es", "d", "ed", "ing", "er", "ers"}


def regional_forms(text: str) -> list[str]:
    """Mainland Simplified wording of a Traditional query, phrase by phrase (檔案系統 → 文件系统, 軟體 → 软件), when
    it differs from the character-by-character folding every query gets anyway ([] for Simplified text: a mainland
    query needs nothing, and OpenCC is not even loaded)."""
    if not has_han(text):
        return []
    folded = normalize(text)
    if folded == text.lower():
        return []  # no Traditional character: OpenCC's Taiwan/HK tables read Traditional text
    out = []
    for config in REGIONAL_CONFIGS:
        converted = normalize(_converter(config).convert(text))
        if converted != folded and converted not in out:
            out.append(converted)
    return out


@lru_cache(maxsize=4)
def _converter(config: str):
    """An OpenCC converter (~5 ms to load one configuration)."""
    import opencc

    return opencc.OpenCC(config)


def open_dictionary(gen_dir, bigrams: Callable[[], set[str]] | None = None) -> Dictionary:
    """The compiled dictionary of an index generation. A generation built before there was one gets it compiled
    from `bigrams()` (the pinyin map's), once, when the folder can be written; otherwise no dictionary."""
    from pathlib import Path

    from npf_tui.core.text.dictionary import DICTIONARY_FILE, compile_dictionary, is_current

    if gen_dir is None:
        return Dictionary(None)
    path = Path(gen_dir) / DICTIONARY_FILE
    if not is_current(path) and bigrams is not None:
        try:
            compile_dictionary(path, bigrams())
        except (OSError, sqlite3.Error):  # a read-only or full index folder: search without the dictionary
            return Dictionary(None)
    return Dictionary(path)
