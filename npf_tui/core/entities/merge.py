"""Merging: glossary entries and discovered candidates become entities, their aliases joined across languages."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from itertools import islice, product

from npf_tui.core.entities.candidates import Totals
from npf_tui.core.entities.lexicon import (
    COMMON_OPENERS,
    CONNECTORS,
    DEMONYMS,
    KNOWN_PLACES,
    ORG_WORDS,
    PINYIN_SYLLABLE,
    PINYIN_WORD,
    PLACE_WORDS,
    TITLES,
    ZH_SURNAMES,
    ZH_TAGS,
)
from npf_tui.core.entities.names import Entity, name_key, slug, to_simplified
from npf_tui.core.entities.typeguess import chinese_name_shape, guess_type_en, guess_type_zh, pair_is_name, pair_type
from npf_tui.core.glossary import GlossaryEntry
from npf_tui.core.text.pinyin import readings
from npf_tui.core.text.textnorm import has_han


class _Groups:
    """Union-find over name keys; a group may hold at most one glossary entry."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.gloss: dict[str, int] = {}  # root -> glossary entry index

    def add(self, key: str, gloss: int | None = None) -> None:
        """Register a key (optionally as a name of glossary entry `gloss`)."""
        if key not in self.parent:
            self.parent[key] = key
        if gloss is not None:
            root = self.find(key)
            self.gloss.setdefault(root, gloss)

    def find(self, key: str) -> str:
        """The root of a key's group."""
        root = key
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[key] != root:
            self.parent[key], key = root, self.parent[key]
        return root

    def union(self, a: str, b: str) -> bool:
        """Merge two groups unless that would join two different glossary entries."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        ga, gb = self.gloss.get(ra), self.gloss.get(rb)
        if ga is not None and gb is not None and ga != gb:
            return False
        self.parent[rb] = ra
        if ga is None and gb is not None:
            self.gloss[ra] = gb
        self.gloss.pop(rb, None)
        return True


#: At most this many readings of one name are tried (heteronyms multiply: 重庆 is zhongqing, chongqing, tongqing).
MAX_NAME_READINGS = 16


def pinyin_keys(word: str, person: bool) -> list[str]:
    """English spellings of a Chinese name, one per reading of its characters: `刘海清` -> `liu haiqing`;
    `黑龙江省` -> `heilongjiang province`; `重庆` -> `zhongqing`, `chongqing`, … (a key only links a name to an English
    phrase the corpus actually has, so a wrong reading costs nothing; pypinyin's phrase-aware reading would cost its
    56 MB phrase dictionary in every build and add)."""
    # A bare vowel as a character's other reading (亞 è, 阿 ē) is archaic and makes short keys that hit unrelated
    # English words (西亞 read "xie" linked it with the surname Xie): only the first reading may be one.
    options = [(r[0], *(alt for alt in r[1:] if len(alt) > 1)) if r else r for r in map(readings, word)]
    if not word or not all(options):
        return []
    keys: list[str] = []
    for syl in islice(product(*options), MAX_NAME_READINGS):
        if person:
            if 2 <= len(syl) <= 4:
                keys.append(f"{syl[0]} {''.join(syl[1:])}")
            continue
        keys.append("".join(syl))
        for suffix, en in (("省", "province"), ("市", "city"), ("县", "county")):
            if word.endswith(suffix) and len(word) > 2:
                keys.append(f"{''.join(syl[:-1])} {en}")
                keys.append("".join(syl[:-1]))
    return list(dict.fromkeys(keys))


def _accept_en(phrase: str, rec: list[int]) -> bool:
    """Whether a discovered English phrase is a name (precision first: doubtful ones stay out)."""
    count, person, media, place, mid, lower_seen = rec
    words = phrase.split()
    low = [w.lower() for w in words]
    if len(words) > 1 and phrase.isupper():
        return False  # section headings and shouting ("SEE ALSO", "NO WARRANTY")
    if all(w in TITLES or w in DEMONYMS or w in COMMON_OPENERS or w in CONNECTORS for w in low):
        return False
    typ = guess_type_en(phrase)
    if len(words) == 1:
        if phrase.lower() in KNOWN_PLACES:
            return True
        if phrase.isupper() or low[0] in ORG_WORDS or low[0] in PLACE_WORDS:
            return False  # a bare acronym counts only with its expansion; "Commission" alone is no name
        # A pinyin place name seen after "in"/"from" at least twice and never as an ordinary lower-case word.
        syllables = len(re.findall(PINYIN_SYLLABLE, phrase, re.I))
        return bool(place >= 2 and not lower_seen and PINYIN_WORD.fullmatch(phrase) and syllables >= 2)
    if typ is not None or person or media:
        return True
    return count >= 2 and mid >= 1


def _accept_zh(word: str, tag: str, count: int) -> bool:
    """Whether a jieba-tagged Chinese word is a name on its own evidence (jieba's tags alone are too noisy:
    its dictionary calls 日志 a place and 索引 a person, so a suffix or a surname must agree)."""
    suffix_type = guess_type_zh(word)
    if tag.startswith("nr"):
        # jieba's dictionary tags common words nr (许可); trust it for famous names (nrfg) and otherwise only
        # three-character names it had to guess.
        known = tag in ("nrfg", "nrt") or (tag == "nr*" and len(word) == 3)
        return known and count >= 2 and word[0] in ZH_SURNAMES
    if tag == "ns":
        return suffix_type == "place" and len(word) >= 3
    if tag == "nt":
        return suffix_type in ("organisation", "media") and len(word) >= 4
    return False  # nz (other proper nouns): only through a glossary entry or a mined pair


def _english_facts(phrase: str, rec: list[int]) -> tuple[str, bool, str | None]:
    """What merging derives from an English phrase's totals alone: (name key, accepted on its own evidence, type)."""
    typ = ("person" if rec[1] else None) or ("media" if rec[2] else None) or guess_type_en(phrase)
    if typ is None and rec[3]:
        typ = "place"
    if typ is None and chinese_name_shape(phrase) and rec[0] >= 2:
        typ = "person"
    return name_key(phrase), _accept_en(phrase, rec), typ


def _chinese_facts(word: str, tags: dict[str, int]) -> tuple[str, str, int, list[str], bool]:
    """What merging derives from a Chinese word's totals alone: (name key, type, count, English spellings,
    accepted on its own evidence). Its tag is the one jieba gave it most often (ties: the first in sorted order)."""
    tag = min(tags, key=lambda t: (-tags[t], t))
    count = sum(tags.values())
    typ = guess_type_zh(word) or ZH_TAGS[tag.rstrip("*")]
    return name_key(word), typ, count, pinyin_keys(word, tag.startswith("nr")), _accept_zh(word, tag, count)


def merge(totals: Totals, glossary: list[GlossaryEntry]) -> tuple[list[Entity], set[str]]:
    """Glossary entries plus accepted discovered names, aliases merged into one Entity each (all languages).

    Also returns the discovered Latin-script names, which are matched case-sensitively. Every candidate is taken
    in sorted order, so the result depends on the corpus, never on the order its documents were added in (an
    incremental update equals a full build). What is derived from one phrase's totals alone is kept in
    `totals.facts_en` / `facts_zh` for the next update.
    """
    names = _Names()
    gloss_keys = _add_glossary(names, glossary)
    _add_pairs(names, totals, gloss_keys)
    _add_acronyms(names, totals)
    en_by_key = _add_english(names, totals)
    _add_chinese(names, totals, en_by_key)
    _link_known_places(names)
    return _entities(names, glossary), _exact_names(names, glossary)


class _Names:
    """The names merging has taken so far: their groups, their surface forms and the types they were seen as."""

    def __init__(self) -> None:
        self.groups = _Groups()
        self.forms: dict[str, Counter[str]] = defaultdict(Counter)  # key -> surface forms and how often seen
        self.votes: dict[str, Counter[str]] = defaultdict(Counter)  # key -> type votes

    def add(self, name: str, weight: int = 1, typ: str | None = None, gloss: int | None = None, seen: int = 1) -> str:
        """Take a name (`weight` occurrences, `seen` votes for `typ`; a name of glossary entry `gloss`): its key."""
        key = name_key(name)
        self.groups.add(key, gloss)
        self.forms[key][name] += weight
        if typ:
            self.votes[key][typ] += seen
        return key

    def known(self, key: str) -> bool:
        """Whether a name with this key was taken."""
        return key in self.groups.parent


def _add_glossary(names: _Names, glossary: list[GlossaryEntry]) -> set[str]:
    """Take every glossary entry's names as one group each; return their keys."""
    gloss_keys = set()
    for i, entry in enumerate(glossary):
        keys = [names.add(n, 0, None, i) for n in entry.names()]
        gloss_keys.update(keys)
        for key in keys[1:]:
            names.groups.union(keys[0], key)
    return gloss_keys


def _add_pairs(names: _Names, totals: Totals, gloss_keys: set[str]) -> None:
    """Take the mined English-Chinese pairs that are names (or name a glossary entry), each pair as one group."""
    for (en, zh), n in sorted(totals.pairs.items()):
        # The pair miner lets a word with a full stop start the name ("… about AI. Xi Jinping (习近平)").
        en = re.split(r"(?<=\w\w)\.\s+", en)[-1]
        if not pair_is_name(en, zh) and not (name_key(en) in gloss_keys or name_key(zh) in gloss_keys):
            continue
        typ = pair_type([en, zh]) or "concept"
        names.groups.union(names.add(en, n, typ, seen=n), names.add(zh, n, typ, seen=n))


def _add_acronyms(names: _Names, totals: Totals) -> None:
    """Take each acronym with its expansion as one group (not a common noun's abbreviation)."""
    for (acr, exp), n in sorted(totals.acronyms.items()):
        if exp[:1].islower():
            continue  # "research and development (R&D)": a common noun with an abbreviation, not a name
        typ = guess_type_en(exp) or "concept"
        names.groups.union(names.add(exp, n, typ, seen=n), names.add(acr, n, typ, seen=n))


def _add_english(names: _Names, totals: Totals) -> dict[str, str]:
    """Take the accepted English phrases; return every phrase by its key (the first in sorted order), accepted or
    not, for linking Chinese names through their spellings.

    An English phrase counts on its own evidence or as a name the glossary, a pair or an acronym gave; another
    spelling of an accepted phrase does not carry it in ("RETURN VALUES", a man page's heading, with "Return
    Values"): headings and shouting are kept out on purpose, and the order phrases come in must not decide.
    """
    en_by_key: dict[str, str] = {}
    facts_en = totals.facts_en
    named = set(names.groups.parent)
    for phrase in sorted(totals.en):
        rec = totals.en[phrase]
        fact = facts_en.get(phrase)
        if fact is None:
            fact = facts_en[phrase] = _english_facts(phrase, rec)
        key, alone, typ = fact
        en_by_key.setdefault(key, phrase)
        if alone or key in named:
            names.add(phrase, rec[0], typ)
    return en_by_key


def _add_chinese(names: _Names, totals: Totals, en_by_key: dict[str, str]) -> None:
    """Take the accepted Chinese words, each joined with the English names its pinyin spellings match.

    A Chinese word counts with all its scripts (its key is folded to Simplified): judged over all words first.
    """
    facts_zh = totals.facts_zh
    chinese: list[tuple[str, tuple, list[str]]] = []
    named = set(names.groups.parent)
    for word in sorted(totals.zh):
        fact = facts_zh.get(word)
        if fact is None:
            fact = facts_zh[word] = _chinese_facts(word, totals.zh[word])
        key, typ, count, spellings, alone = fact
        linked = [k for k in spellings if k in en_by_key or names.known(k)]
        chinese.append((word, fact, linked))
        if linked or alone:
            named.add(key)
    for word, (key, typ, count, _, _), linked in chinese:
        if key in named:
            names.add(word, count, typ)
            for k in linked:
                names.groups.union(key, names.add(en_by_key.get(k) or k, 0, typ))


def _link_known_places(names: _Names) -> None:
    """Link a well-known country to its Chinese name when the corpus uses either."""
    for en, zh in KNOWN_PLACES.items():
        ek, zk = name_key(en), name_key(zh)
        if names.known(ek) or names.known(zk):
            english = en if not names.known(ek) else next(iter(names.forms[ek]), en)
            names.groups.union(names.add(english, 0, "place"), names.add(zh, 0, "place"))


def _entities(names: _Names, glossary: list[GlossaryEntry]) -> list[Entity]:
    """One entity per group, sorted by id (an id taken already gets -2, -3, …)."""
    groups = names.groups
    members: dict[str, list[str]] = defaultdict(list)
    for key in groups.parent:
        members[groups.find(key)].append(key)
    entities: list[Entity] = []
    used_ids: set[str] = set()
    for root, keys in members.items():
        gi = groups.gloss.get(root)
        entity = _entity(names, keys, glossary[gi] if gi is not None else None)
        base, n = entity.id, 2
        while entity.id in used_ids:
            entity.id, n = f"{base}-{n}", n + 1
        used_ids.add(entity.id)
        entities.append(entity)
    entities.sort(key=lambda e: e.id)
    return entities


def _entity(names: _Names, keys: list[str], entry: GlossaryEntry | None) -> Entity:
    """The entity of one group (`keys`; `entry` its glossary entry, if any): canonical names, aliases, type."""
    surface: Counter[str] = Counter()
    typ_votes: Counter[str] = Counter()
    for key in keys:
        surface.update(names.forms[key])
        typ_votes.update(names.votes[key])
    zh_forms = [n for n, _ in surface.most_common() if has_han(n)]
    en_forms = sorted((n for n in surface if not has_han(n)), key=lambda n: (n.isupper(), -surface[n], -len(n)))
    name_en = (entry.en if entry else "") or (en_forms[0] if en_forms else "")
    name_zh = (entry.zh if entry else "") or (to_simplified(zh_forms[0]) if zh_forms else "")
    all_names: list[str] = []
    for n in [name_en, name_zh, *(entry.names() if entry else []), *sorted(surface, key=lambda n: -surface[n])]:
        if n and n not in all_names:
            all_names.append(n)
    if entry:
        typ, eid, note = entry.type, entry.id, entry.note
    else:
        typ = typ_votes.most_common(1)[0][0] if typ_votes else "concept"
        eid, note = slug(name_en or name_zh), ""
    return Entity(eid, typ, name_en, name_zh, all_names, note)


def _exact_names(names: _Names, glossary: list[GlossaryEntry]) -> set[str]:
    """The discovered Latin-script names (not the glossary's): matched with their own capitalisation."""
    gloss_names = {n for g in glossary for n in g.names()}
    return {n for f in names.forms.values() for n in f if n not in gloss_names and not has_han(n)}
