"""The curated bilingual glossary/gazetteer (data/glossary.toml) and bilingual pairs mined from the corpus text."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import SimpleNamespace

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from npf_tui.core.errors import CorpusError
from npf_tui.core.models import Document
from npf_tui.core.text.controls import make_safe
from npf_tui.core.text.textnorm import HAN_CLASS, has_han

GLOSSARY_FILE = "glossary.toml"
ENTITY_TYPES = ("person", "organisation", "place", "concept", "media")
#: The jieba part-of-speech tag a glossary name of each type gets in the segmenter's dictionary.
POS_TAGS = {"person": "nr", "place": "ns", "organisation": "nt", "media": "nt", "concept": "nz"}


@dataclass
class GlossaryEntry:
    """One curated entity/term: its type, canonical names in both languages and aliases."""

    id: str
    type: str
    en: str = ""
    zh: str = ""
    aliases: list[str] = field(default_factory=list)
    note: str = ""

    def names(self) -> list[str]:
        """Every name of the entry: English, Chinese, then aliases (no empties, no repeats)."""
        out: list[str] = []
        for name in [self.en, self.zh, *self.aliases]:
            if name and name not in out:
                out.append(name)
        return out


@dataclass
class BilingualPair:
    """An English name and a Chinese name the corpus itself gives as equivalents, and where."""

    en: str
    zh: str
    doc_id: str
    paragraph: int


def user_dictionary(glossary: list[GlossaryEntry]) -> dict[str, str | None]:
    """The glossary's names that contain Chinese, for jieba's dictionary: each is kept one word, and the entity
    tagger reports it with its type's tag (one-character names carry none: they are never name candidates)."""
    words: dict[str, str | None] = {}
    for entry in glossary:
        for name in entry.names():
            if has_han(name) and words.get(name) is None:
                words[name] = POS_TAGS.get(entry.type, "nz") if len(name) >= 2 else None
    return dict(sorted(words.items()))


def load_glossary(corpus_dir: Path) -> list[GlossaryEntry]:
    """Read data/glossary.toml (`[[entity]]` tables); a corpus without one has an empty glossary."""
    path = Path(corpus_dir) / GLOSSARY_FILE
    if not path.exists():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{path}: not valid TOML ({exc})") from None
    entries = []
    for n, raw in enumerate(data.get("entity", []), 1):
        if not isinstance(raw, dict) or not (raw.get("en") or raw.get("zh")):
            raise CorpusError(f"{path}: entity #{n} needs at least an 'en' or 'zh' name")
        etype = str(raw.get("type", "concept"))
        if etype not in ENTITY_TYPES:
            raise CorpusError(f"{path}: entity #{n} has unknown type '{etype}' (use one of {', '.join(ENTITY_TYPES)})")
        # TOML can spell any control character (\u001b): names from here are shown and searched like document text
        entries.append(
            GlossaryEntry(
                id=make_safe(str(raw.get("id") or raw.get("en") or raw.get("zh"))),
                type=etype,
                en=make_safe(str(raw.get("en", ""))),
                zh=make_safe(str(raw.get("zh", ""))),
                aliases=[make_safe(str(a)) for a in raw.get("aliases", [])],
                note=make_safe(str(raw.get("note", ""))),
            )
        )
    return entries


_HAN = f"[{HAN_CLASS}]"
# "English Name (中文)" — up to six capitalised/connector words before a parenthesised Chinese name.
# A dot only inside a word (U.S), never at its end: "…about AI. Xi Jinping (习近平)" must not start at "AI".
_CAP_WORD = r"[A-Z](?:[\w'’-]|\.(?=\w))*"
# A name starts a word: "daemon (守护进程)" is no pair "on (守护进程)".
_EN_THEN_ZH = (
    r"(?<![\w'’-])((?:"
    + _CAP_WORD
    + r"|of|and|the|for|in|on|de|to)(?:[ \t]+(?:"
    + _CAP_WORD
    + r"|of|and|the|for|in|on|de|to|[0-9]+)){0,7})"
    r"[ \t]*[（(][ \t]*(" + _HAN + r"[^()（）\n]{0,24}?)[ \t]*[）)]"
)
# “quoted term” (中文) — lower-case concepts are introduced this way ("future industries" (未来产业)).
_QUOTED_THEN_ZH = (
    r"[“\"‘]([A-Za-z0-9][^“”\"‘’\n]{1,60}?)[”\"’][ \t]*[（(][ \t]*(" + _HAN + r"[^()（）\n]{0,24}?)[ \t]*[）)]"
)
# "中文 (English Name)"
_ZH_THEN_EN = r"(" + _HAN + r"{2,16})[ \t]*[（(][ \t]*([A-Z][A-Za-z'’. -]{1,60}?)[ \t]*[）)]"
_LEADING_CONNECTORS = r"^(?:(?:of|and|the|for|in|on|de|to)\s+)+"
_QUOTE_CHARS = "“”\"'‘’"


def _clean_en(name: str) -> str:
    """Trim a mined English name: leading connectors/quotes and sentence-initial 'The'."""
    name = name.strip().strip(_QUOTE_CHARS).strip()
    name = _patterns().leading_connectors.sub("", name)
    return name.strip(" -–—,.;:")


# Lower-case glosses, taken only when asked (`lowercase=True`, for search expansion; the entity store takes names):
# "守护进程（daemon）", "文件系统 (file system)" …
_ZH_THEN_LOWER = r"(" + _HAN + r"{2,16})[ \t]*[（(][ \t]*([a-z][a-z0-9'’-]*(?:[ \t]+[a-z][a-z0-9'’-]*){0,3})[ \t]*[）)]"
# … and "the ssh daemon (守护进程)": the last one to three lower-case words before the Chinese, after any article or
# function word.
_LOWER_THEN_ZH = (
    r"(?<![\w'’-])([a-z][a-z0-9'’-]*(?:[ \t]+[a-z][a-z0-9'’-]*){0,2})[ \t]*[（(][ \t]*(" + _HAN + r"{2,16})[ \t]*[）)]"
)
# fmt: off
_FUNCTION_WORDS = {
    "a", "an", "the", "of", "and", "or", "to", "in", "on", "for", "by", "with", "from", "at", "as", "is", "are",
    "be", "was", "were", "this", "that", "these", "those", "its", "their", "which", "when", "where", "how", "what",
    "it", "not", "no", "use", "using", "see", "also",
}
# fmt: on
# A table row or a list of alternatives: "eog\t图像浏览器（GNOME）", "| ssh-add | 密码 (GNOME) |". What a cell's
# parenthesis holds is a qualifier of the row (the desktop, the package), not a translation.
_CELL = r"\||\t| {3,}"


@cache
def _patterns() -> SimpleNamespace:
    """The mining patterns, compiled on first use: compiling them took ~12 ms of every process that imports the
    glossary (every search), and only building the index and the entities mine pairs."""
    return SimpleNamespace(
        en_then_zh=re.compile(_EN_THEN_ZH),
        quoted_then_zh=re.compile(_QUOTED_THEN_ZH),
        zh_then_en=re.compile(_ZH_THEN_EN),
        han=re.compile(_HAN),
        han_only=re.compile(_HAN + "+"),
        latin=re.compile("[A-Za-z]"),
        leading_connectors=re.compile(_LEADING_CONNECTORS, re.I),
        zh_then_lower=re.compile(_ZH_THEN_LOWER),
        lower_then_zh=re.compile(_LOWER_THEN_ZH),
        cell=re.compile(_CELL),
    )


def _term_tail(han: str) -> str:
    """The term a lower-case gloss follows, out of the Chinese run before its parenthesis: the run's last one or two
    words of two characters or more, at most 8 characters ("此命令还会显示对文件系统" → 文件系统, "命令在睡眠" →
    睡眠); '' when the run ends in a one-character word (a clause, not a term)."""
    from npf_tui.core.text.analysis import segment  # jieba: only for the rare lower-case gloss

    kept: list[str] = []
    for _word, start, end in reversed(segment(han)):
        piece = han[start:end]
        if len(piece) < 2 or len(kept) == 2 or sum(map(len, kept)) + len(piece) > 8:
            break
        kept.insert(0, piece)
    return "".join(kept)


def _lower_en(words: str) -> str:
    """The gloss in a run of lower-case words before a Chinese term: the words after the last function word."""
    kept: list[str] = []
    for word in reversed(words.split()):
        if word in _FUNCTION_WORDS:
            break
        kept.insert(0, word)
    return " ".join(kept)


def mine_pairs(docs: list[Document], lowercase: bool = False) -> list[BilingualPair]:
    """Bilingual pairs written in the text as `English (中文)` or `中文 (English)`, in corpus order.

    `lowercase` also takes lower-case glosses (`守护进程（daemon）`, `file system (文件系统)`): what search expands
    with, once `trusted_pairs` has seen them recur. Table rows and lists of alternatives give no pairs at all."""
    pairs: list[BilingualPair] = []
    p = _patterns()
    for doc in docs:
        for number, para in enumerate(doc.paragraphs, 1):
            if not p.han.search(para):
                continue  # every pattern needs Chinese; skipping the rest keeps long English text cheap
            if p.cell.search(para):
                continue
            if lowercase:
                for match in p.zh_then_lower.finditer(para):
                    zh = _term_tail(match.group(1))
                    if zh:
                        pairs.append(BilingualPair(en=match.group(2), zh=zh, doc_id=doc.doc_id, paragraph=number))
                for match in p.lower_then_zh.finditer(para):
                    en = _lower_en(match.group(1))
                    if en:
                        pairs.append(BilingualPair(en=en, zh=match.group(2), doc_id=doc.doc_id, paragraph=number))
            for match in [*p.quoted_then_zh.finditer(para), *p.en_then_zh.finditer(para)]:
                en, zh = _clean_en(match.group(1)), match.group(2).strip()
                if en and p.latin.search(en) and p.han_only.fullmatch(zh):
                    pairs.append(BilingualPair(en=en, zh=zh, doc_id=doc.doc_id, paragraph=number))
            for match in p.zh_then_en.finditer(para):
                zh, en = match.group(1), _clean_en(match.group(2))
                if en:
                    pairs.append(BilingualPair(en=en, zh=zh, doc_id=doc.doc_id, paragraph=number))
    # A quoted term may also be caught by the capitalised-name pattern: keep one pair per (en, zh, place).
    seen: set[tuple[str, str, str, int]] = set()
    unique = []
    for pair in pairs:
        key = (pair.en.lower(), pair.zh, pair.doc_id, pair.paragraph)
        if key not in seen:
            seen.add(key)
            unique.append(pair)
    return unique


#: An English name that the corpus pairs with this many different Chinese words or more, none of them most of the
#: time, is a qualifier ("图像浏览器（GNOME）", "密码 (GNOME)", "程序 (KDE)"), not a translation of any of them.
QUALIFIER_SPREAD = 3


def name_like(en: str) -> bool:
    """Whether mined English reads as a name: two words or more with capitals ("Xi Jinping", "Made in China"), or
    one Title-case word of four letters or more ("Xiconomics"). A man page's headings and switches ("COPYING",
    "DF", "N") and lower-case words are not: their pairs need more evidence."""
    words = en.split()
    if len(words) >= 2:
        return sum(w[:1].isupper() for w in words) >= 2 and not en.isupper()
    return len(en) >= 4 and en[:1].isupper() and not en.isupper() and en[1:].islower()


def trusted_pairs(pairs: list[BilingualPair]) -> list[BilingualPair]:
    """The mined pairs search may expand with: one pair per (English, Chinese), first place kept.

    Evidence decides (docs/search.md). A name-like pair (`name_like`) is trusted as one. Any other must recur
    (twice or more in the corpus) and be consistent both ways: this Chinese is the English's most frequent, in at
    least half of its pairs, and this English is the Chinese's most frequent, in at least half of its pairs
    (命令 glossed "request" here and "slave command" there is glossed by neither). Any English spread over
    QUALIFIER_SPREAD Chinese words or more with none at half of them is a qualifier and gives nothing."""
    by_en: dict[str, dict[str, int]] = {}
    by_zh: dict[str, dict[str, int]] = {}
    first: dict[tuple[str, str], BilingualPair] = {}
    for pair in pairs:
        key = (" ".join(pair.en.lower().split()), pair.zh)
        counts = by_en.setdefault(key[0], {})
        counts[pair.zh] = counts.get(pair.zh, 0) + 1
        back = by_zh.setdefault(pair.zh, {})
        back[key[0]] = back.get(key[0], 0) + 1
        first.setdefault(key, pair)
    out = []
    for (en, zh), pair in first.items():
        counts, back = by_en[en], by_zh[zh]
        total, n = sum(counts.values()), counts[zh]
        top = max(counts.values())
        if len(counts) >= QUALIFIER_SPREAD and top * 2 < total:
            continue
        consistent = n == top and n * 2 >= total and n == max(back.values()) and n * 2 >= sum(back.values())
        if name_like(pair.en) or (n >= 2 and consistent):
            out.append(pair)
    return out
