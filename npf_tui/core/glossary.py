"""The curated bilingual glossary/gazetteer (data/glossary.toml) and bilingual pairs mined from the corpus text."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

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
_EN_THEN_ZH = re.compile(
    r"((?:"
    + _CAP_WORD
    + r"|of|and|the|for|in|on|de|to)(?:[ \t]+(?:"
    + _CAP_WORD
    + r"|of|and|the|for|in|on|de|to|[0-9]+)){0,7})"
    r"[ \t]*[（(][ \t]*(" + _HAN + r"[^()（）\n]{0,24}?)[ \t]*[）)]"
)
# “quoted term” (中文) — lower-case concepts are introduced this way ("future industries" (未来产业)).
_QUOTED_THEN_ZH = re.compile(
    r"[“\"‘]([A-Za-z0-9][^“”\"‘’\n]{1,60}?)[”\"’][ \t]*[（(][ \t]*(" + _HAN + r"[^()（）\n]{0,24}?)[ \t]*[）)]"
)
# "中文 (English Name)"
_ZH_THEN_EN = re.compile(r"(" + _HAN + r"{2,16})[ \t]*[（(][ \t]*([A-Z][A-Za-z'’. -]{1,60}?)[ \t]*[）)]")
_HAN_RE = re.compile(_HAN)
_LEADING_CONNECTORS = re.compile(r"^(?:(?:of|and|the|for|in|on|de|to)\s+)+", re.I)
_QUOTE_CHARS = "“”\"'‘’"


def _clean_en(name: str) -> str:
    """Trim a mined English name: leading connectors/quotes and sentence-initial 'The'."""
    name = name.strip().strip(_QUOTE_CHARS).strip()
    name = _LEADING_CONNECTORS.sub("", name)
    return name.strip(" -–—,.;:")


def mine_pairs(docs: list[Document]) -> list[BilingualPair]:
    """Bilingual pairs written in the text as `English (中文)` or `中文 (English)`, in corpus order."""
    pairs: list[BilingualPair] = []
    for doc in docs:
        for number, para in enumerate(doc.paragraphs, 1):
            if not _HAN_RE.search(para):
                continue  # every pattern needs Chinese; skipping the rest keeps long English text cheap
            for match in [*_QUOTED_THEN_ZH.finditer(para), *_EN_THEN_ZH.finditer(para)]:
                en, zh = _clean_en(match.group(1)), match.group(2).strip()
                if en and re.search("[A-Za-z]", en) and re.fullmatch(_HAN + "+", zh):
                    pairs.append(BilingualPair(en=en, zh=zh, doc_id=doc.doc_id, paragraph=number))
            for match in _ZH_THEN_EN.finditer(para):
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
