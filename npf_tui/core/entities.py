"""Entities of the corpus: glossary + discovered names merged across languages, their mentions, and their store."""

from __future__ import annotations

import hashlib
import json
import pickle
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice, product
from pathlib import Path

from . import entity_discovery as disc
from .corpus import load_document
from .entity_candidates import CandidateStore, Totals, candidate_store
from .errors import Cancelled, IndexError_, NpfError
from .fsutil import atomic_write_bytes
from .glossary import ENTITY_TYPES, GlossaryEntry, user_dictionary
from .models import Document
from .pinyin import readings

STORE_DIR = "entities"
CANDIDATES_FILE = "candidates.sqlite"
MENTIONS_FILE = "mentions.pickle"
ENTITIES_FILE = "entities.pickle"
#: Bump when extraction or merging changes, so stored candidates are recomputed.
VERSION = 9

ProgressFn = Callable[[int, int, str], None]


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
        return {"id": self.id, "type": self.type, "name_en": self.name_en, "name_zh": self.name_zh,
                "names": self.names, "note": self.note}


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


# ---------------------------------------------------------------- normalisation

@lru_cache(maxsize=1)
def _t2s():
    """The Traditional -> Simplified converter (loaded once)."""
    import opencc

    return opencc.OpenCC("t2s")


_FOLD_NEEDED = re.compile("[’‘＇–—‐‑\u00a0]")
_FOLD = str.maketrans({"’": "'", "‘": "'", "＇": "'", "–": "-", "—": "-", "‐": "-", "‑": "-", "\u00a0": " "})


def match_text(text: str) -> str:
    """Text folded for matching with the same length: Simplified Chinese, lower case, plain quotes and dashes."""
    if disc.is_han(text):
        simp = _t2s().convert(text)
        text = simp if len(simp) == len(text) else "".join(_t2s().convert(c) if len(_t2s().convert(c)) == 1 else c for c in text)
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
    return not disc.is_han(name) and (len(name) <= 3 or (letters and all(c.isupper() for c in letters) and len(name) <= 6))


def _slug(text: str) -> str:
    """An ASCII id from a name (Chinese-only names keep their characters)."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or re.sub(r"\s+", "-", text.strip())


# ---------------------------------------------------------------- merging

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


def _pinyin_keys(word: str, person: bool) -> list[str]:
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
    if all(w in disc.TITLES or w in disc.DEMONYMS or w in disc.COMMON_OPENERS or w in disc.CONNECTORS for w in low):
        return False
    typ = disc.guess_type_en(phrase)
    if len(words) == 1:
        if phrase.lower() in disc.KNOWN_PLACES:
            return True
        if phrase.isupper() or low[0] in disc.ORG_WORDS or low[0] in disc.PLACE_WORDS:
            return False  # a bare acronym counts only with its expansion; "Commission" alone is no name
        # A pinyin place name seen after "in"/"from" at least twice and never as an ordinary lower-case word.
        syllables = len(re.findall(disc._PINYIN_SYLLABLE, phrase, re.I))
        return bool(place >= 2 and not lower_seen and disc.PINYIN_WORD.fullmatch(phrase) and syllables >= 2)
    if typ is not None or person or media:
        return True
    return count >= 2 and mid >= 1


def _accept_zh(word: str, tag: str, count: int) -> bool:
    """Whether a jieba-tagged Chinese word is a name on its own evidence (jieba's tags alone are too noisy:
    its dictionary calls 日志 a place and 索引 a person, so a suffix or a surname must agree)."""
    suffix_type = disc.guess_type_zh(word)
    if tag.startswith("nr"):
        # jieba's dictionary tags common words nr (许可); trust it for famous names (nrfg) and otherwise only
        # three-character names it had to guess.
        known = tag in ("nrfg", "nrt") or (tag == "nr*" and len(word) == 3)
        return known and count >= 2 and word[0] in disc.ZH_SURNAMES
    if tag == "ns":
        return suffix_type == "place" and len(word) >= 3
    if tag == "nt":
        return suffix_type in ("organisation", "media") and len(word) >= 4
    return False  # nz (other proper nouns): only through a glossary entry or a mined pair


def _english_facts(phrase: str, rec: list[int]) -> tuple[str, bool, str | None]:
    """What merging derives from an English phrase's totals alone: (name key, accepted on its own evidence, type)."""
    typ = ("person" if rec[1] else None) or ("media" if rec[2] else None) or disc.guess_type_en(phrase)
    if typ is None and rec[3]:
        typ = "place"
    if typ is None and disc.chinese_name_shape(phrase) and rec[0] >= 2:
        typ = "person"
    return name_key(phrase), _accept_en(phrase, rec), typ


def _chinese_facts(word: str, tags: dict[str, int]) -> tuple[str, str, int, list[str], bool]:
    """What merging derives from a Chinese word's totals alone: (name key, type, count, English spellings,
    accepted on its own evidence). The word's tag is the one jieba gave it most often (ties: the first in order)."""
    tag = min(tags, key=lambda t: (-tags[t], t))
    count = sum(tags.values())
    typ = disc.guess_type_zh(word) or disc.ZH_TAGS[tag.rstrip("*")]
    return name_key(word), typ, count, _pinyin_keys(word, tag.startswith("nr")), _accept_zh(word, tag, count)


def merge(totals: Totals, glossary: list[GlossaryEntry]) -> tuple[list[Entity], set[str]]:
    """Glossary entries plus accepted discovered names, aliases merged into one Entity each (all languages).

    Also returns the discovered Latin-script names, which are matched case-sensitively. Every candidate is taken
    in sorted order, so the result depends on the corpus, never on the order its documents were added in (an
    incremental update equals a full build). What is derived from one phrase's totals alone is kept in
    `totals.facts_en` / `facts_zh` for the next update.
    """
    groups = _Groups()
    forms: dict[str, Counter] = defaultdict(Counter)  # key -> surface forms and how often seen
    votes: dict[str, Counter] = defaultdict(Counter)  # key -> type votes

    def add(name: str, weight: int = 1, typ: str | None = None, gloss: int | None = None, seen: int = 1) -> str:
        key = name_key(name)
        groups.add(key, gloss)
        forms[key][name] += weight
        if typ:
            votes[key][typ] += seen
        return key

    gloss_keys = set()
    for i, entry in enumerate(glossary):
        keys = [add(n, 0, None, i) for n in entry.names()]
        gloss_keys.update(keys)
        for key in keys[1:]:
            groups.union(keys[0], key)

    for (en, zh), n in sorted(totals.pairs.items()):
        # The pair miner lets a word with a full stop start the name ("… about AI. Xi Jinping (习近平)").
        en = re.split(r"(?<=\w\w)\.\s+", en)[-1]
        if not disc.pair_is_name(en, zh) and not (name_key(en) in gloss_keys or name_key(zh) in gloss_keys):
            continue
        typ = disc.pair_type([en, zh]) or "concept"
        groups.union(add(en, n, typ, seen=n), add(zh, n, typ, seen=n))
    for (acr, exp), n in sorted(totals.acronyms.items()):
        if exp[:1].islower():
            continue  # "research and development (R&D)": a common noun with an abbreviation, not a name
        typ = disc.guess_type_en(exp) or "concept"
        groups.union(add(exp, n, typ, seen=n), add(acr, n, typ, seen=n))

    # An English phrase counts on its own evidence or as a name the glossary, a pair or an acronym gave; another
    # spelling of an accepted phrase does not carry it in ("RETURN VALUES", a man page's heading, with "Return
    # Values"): headings and shouting are kept out on purpose, and the order phrases come in must not decide.
    en_by_key: dict[str, str] = {}
    facts_en, facts_zh = totals.facts_en, totals.facts_zh
    named = set(groups.parent)
    for phrase in sorted(totals.en):
        rec = totals.en[phrase]
        fact = facts_en.get(phrase)
        if fact is None:
            fact = facts_en[phrase] = _english_facts(phrase, rec)
        key, alone, typ = fact
        en_by_key.setdefault(key, phrase)
        if alone or key in named:
            add(phrase, rec[0], typ)
    # A Chinese word counts with all its scripts (its key is folded to Simplified): judged over all words first.
    chinese: list[tuple[str, tuple, list[str]]] = []
    named = set(groups.parent)
    for word in sorted(totals.zh):
        fact = facts_zh.get(word)
        if fact is None:
            fact = facts_zh[word] = _chinese_facts(word, totals.zh[word])
        key, typ, count, pinyin_keys, alone = fact
        linked = [k for k in pinyin_keys if k in en_by_key or k in groups.parent]
        chinese.append((word, fact, linked))
        if linked or alone:
            named.add(key)
    for word, (key, typ, count, _, _), linked in chinese:
        if key in named:
            add(word, count, typ)
            for k in linked:
                groups.union(key, add(en_by_key.get(k) or k, 0, typ))

    for en, zh in disc.KNOWN_PLACES.items():
        # Link a well-known country to its Chinese name when the corpus uses either.
        ek, zk = name_key(en), name_key(zh)
        if ek in groups.parent or zk in groups.parent:
            groups.union(add(en if ek not in groups.parent else next(iter(forms[ek]), en), 0, "place"), add(zh, 0, "place"))

    members: dict[str, list[str]] = defaultdict(list)
    for key in groups.parent:
        members[groups.find(key)].append(key)
    entities: list[Entity] = []
    used_ids: set[str] = set()
    for root, keys in members.items():
        gi = groups.gloss.get(root)
        surface: Counter = Counter()
        typ_votes: Counter = Counter()
        for key in keys:
            surface.update(forms[key])
            typ_votes.update(votes[key])
        entry = glossary[gi] if gi is not None else None
        zh_forms = [n for n, _ in surface.most_common() if disc.is_han(n)]
        en_forms = sorted((n for n in surface if not disc.is_han(n)),
                          key=lambda n: (n.isupper(), -surface[n], -len(n)))
        name_en = (entry.en if entry else "") or (en_forms[0] if en_forms else "")
        name_zh = (entry.zh if entry else "") or (_t2s().convert(zh_forms[0]) if zh_forms else "")
        names: list[str] = []
        for n in [name_en, name_zh, *(entry.names() if entry else []), *sorted(surface, key=lambda n: -surface[n])]:
            if n and n not in names:
                names.append(n)
        if entry:
            typ, eid, note = entry.type, entry.id, entry.note
        else:
            typ = typ_votes.most_common(1)[0][0] if typ_votes else "concept"
            eid, note = _slug(name_en or name_zh), ""
        base, n = eid, 2
        while eid in used_ids:
            eid, n = f"{base}-{n}", n + 1
        used_ids.add(eid)
        entities.append(Entity(eid, typ, name_en, name_zh, names, note))
    entities.sort(key=lambda e: e.id)
    gloss_names = {n for g in glossary for n in g.names()}
    exact = {n for f in forms.values() for n in f if n not in gloss_names and not disc.is_han(n)}
    return entities, exact


# ---------------------------------------------------------------- mention matching

class Matcher:
    """One Aho-Corasick automaton over every name of every entity, with word-boundary and case rules."""

    def __init__(self, entities: list[Entity], exact_names: set[str] = frozenset()) -> None:
        """`exact_names` must match with their own capitalisation (discovered names: "Think Tank" is not "think tank")."""
        import ahocorasick

        self.automaton = ahocorasick.Automaton()
        table: dict[str, tuple[int, set[str] | None]] = {}
        for idx, ent in enumerate(entities):
            for name in ent.names:
                key = name_key(name)
                if len(key) < 2 and not disc.is_han(key):
                    continue
                prev = table.get(key)
                if _case_sensitive(name) or name in exact_names:
                    exact = " ".join(name.split()).translate(_FOLD)
                    table[key] = (idx, None if prev and prev[1] is None else {exact, *(prev[1] if prev else ())})
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
        for form, idx in short.items():
            self.short.add_word(form, (len(form), idx))
        if self.short is not None:
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


# ---------------------------------------------------------------- the store

def _fingerprint(doc: Document) -> str:
    """A hash of a document's paragraphs (what entity extraction reads)."""
    h = hashlib.blake2b(digest_size=12)
    for para in doc.paragraphs:
        h.update(para.encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()


def _glossary_hash(glossary: list[GlossaryEntry]) -> str:
    """A hash of the glossary (candidate extraction depends on it through jieba's dictionary)."""
    data = [[g.id, g.type, g.en, g.zh, g.aliases, g.note] for g in glossary]
    return hashlib.blake2b(json.dumps(data, ensure_ascii=False).encode(), digest_size=12).hexdigest()


def _tagger(glossary: list[GlossaryEntry]):
    """A rjieba segmenter that knows the glossary's Chinese names with their types' tags (so 刘海清 is one word,
    tagged nr): the index's own segmenter when it is for this glossary, as in every build and update."""
    from .analysis import tagging_segmenter

    return tagging_segmenter(user_dictionary(glossary))


def _read_json(path: Path) -> dict | None:
    """A stored file (JSON-shaped data kept as a pickle: reading JSON cost a third of an incremental add on a
    20 MB corpus), or None when absent or unreadable (then it is rebuilt)."""
    try:
        data = pickle.loads(path.read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
        return None
    return data if isinstance(data, dict) else None


def _write_json(path: Path, data) -> None:
    """Write the data atomically (see _read_json)."""
    atomic_write_bytes(path, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))


def update_entity_store(
    gen_dir: Path,
    documents: list[Document],
    glossary: list[GlossaryEntry],
    changed: set[str] | None = None,
    removed: set[str] = frozenset(),
    *,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
    docs_with_names: Callable[[list[str]], set[str]] | None = None,
    corpus_files: dict[str, Path] | None = None,
) -> None:
    """Bring the entity store in `gen_dir/entities` up to date.

    `docs_with_names(names)` (optional, from the passage index) returns the ids of the documents whose text may
    contain any of the given folded names. With it, an incremental update whose set of names changed re-reads and
    re-matches only those documents; the others keep their mentions, re-attributed by their surface text.

    `changed=None`: `documents` is the whole corpus (a full build). Otherwise `documents` holds the new or
    edited documents (ids in `changed`), `removed` the ids that are gone, and every other document keeps its
    stored candidates. Candidates are kept per document (keyed by a fingerprint of the text) with their totals
    over the corpus (see entity_candidates), so an update reads and writes only its own documents' candidates;
    merging runs over the totals, and mentions of unchanged documents are reused as long as the set of names is
    unchanged (otherwise see `docs_with_names`). `corpus_files` (doc id -> path, optional) names every document of
    the corpus, for an update that finds the stored candidates missing or unreadable: it extracts them all again.
    """
    store = Path(gen_dir) / STORE_DIR
    try:
        store.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise IndexError_(f"cannot write the entity store in {store} ({exc.strerror})") from None
    ghash = _glossary_hash(glossary)
    given = {d.doc_id: d for d in documents}
    loaded: dict[str, Document] = dict(given)
    paths: dict[str, str] = {}  # doc id -> the file a document not handed in is read from

    def document(doc_id: str) -> Document | None:
        """A document not handed in: re-read from the file it was read from."""
        if doc_id not in loaded:
            path = paths.get(doc_id)
            try:
                loaded[doc_id] = load_document(Path(path)) if path else None
            except NpfError:
                loaded[doc_id] = None
        return loaded[doc_id]

    def check_cancel() -> None:
        """Stop between two documents when asked to (the transaction is rolled back)."""
        if cancel is not None and cancel.is_set():
            raise Cancelled("entity extraction cancelled")

    with candidate_store(store / CANDIDATES_FILE) as db:
        old = db.totals(VERSION)
        if old is not None:
            paths.update((doc_id, path) for doc_id, (_, path) in old.docs.items())
        if changed is not None and old is not None and old.glossary == ghash:
            totals = old
            _count_changes(db, totals, given, set(changed), set(removed), glossary, check_cancel)
        else:
            # Everything is extracted: a build, a new glossary (it changes jieba's dictionary), or an update that
            # found no usable stored candidates (then the corpus's files say which documents there are).
            if changed is None:
                doc_ids = sorted(given)
            else:
                if old is None:
                    paths.update((doc_id, str(path)) for doc_id, path in (corpus_files or {}).items())
                known = set(old.docs) if old is not None else set(corpus_files or ())
                doc_ids = sorted((known - set(removed) - set(changed)) | set(given))
            totals = Totals(VERSION, ghash)
            db.clear()
            for n, doc_id in enumerate(doc_ids, 1):
                check_cancel()
                doc = document(doc_id)
                if doc is not None:
                    cands = disc.extract(doc, _fingerprint(doc), _tagger(glossary))
                    totals.add(doc_id, cands, str(doc.path or paths.get(doc_id, "")))
                    db.put(doc_id, cands)
                if progress is not None and (n % 200 == 0 or n == len(doc_ids)):
                    progress(n, len(doc_ids), "finding entities")
        entities, exact = merge(totals, glossary)
        db.save_totals(totals)
    paths.update((doc_id, path) for doc_id, (_, path) in totals.docs.items())
    matcher = Matcher(entities, exact)
    old_m = _read_json(store / MENTIONS_FILE) or {}
    same_names = old_m.get("signature") == matcher.signature and old_m.get("version") == VERSION
    reuse = old_m.get("docs", {}) if same_names else {}
    old_surfaces = old_m.get("surfaces", []) if old_m.get("version") == VERSION else []
    # Names changed in an incremental update: documents that contain none of the added or dropped names keep
    # their mentions (a name's entity may have changed: found again from the surface text); only documents that
    # contain one are matched again (a new longer name can also swallow an old shorter one, hence dropped too).
    partial: dict[str, dict] = {}
    affected: set[str] = set()
    if (not same_names and changed is not None and docs_with_names is not None
            and old_m.get("version") == VERSION and "keys" in old_m):
        delta = sorted(set(old_m["keys"]) ^ matcher.keys)
        affected = set(docs_with_names(delta)) if delta else set()
        partial = old_m.get("docs", {})
    entity_of_surface: dict[str, int | None] = {}

    def reattributed(surface: str) -> int | None:
        """The entity a stored surface text belongs to now (None if it is no longer a whole name)."""
        if surface not in entity_of_surface:
            found = matcher.paragraph(surface)
            whole = len(found) == 1 and found[0][1] == 0 and found[0][2] == len(surface)
            entity_of_surface[surface] = found[0][0] if whole else None
        return entity_of_surface[surface]

    surfaces: list[str] = []
    surface_idx: dict[str, int] = {}
    mentions: dict[str, dict] = {}
    for doc_id in sorted(totals.docs):
        check_cancel()
        fingerprint = totals.docs[doc_id][0]
        prev = reuse.get(doc_id)
        flat: list[int] = []
        kept = partial.get(doc_id)
        if prev is None and kept is not None and kept.get("fp") == fingerprint and doc_id not in affected:
            m = kept["m"]
            for k in range(0, len(m), 5):
                text = old_surfaces[m[k + 4]]
                idx = reattributed(text)
                if idx is None:
                    continue
                s = surface_idx.setdefault(text, len(surfaces))
                if s == len(surfaces):
                    surfaces.append(text)
                flat.extend((idx, m[k + 1], m[k + 2], m[k + 3], s))
            mentions[doc_id] = {"fp": fingerprint, "m": flat}
            continue
        doc = None if prev is not None and prev.get("fp") == fingerprint else document(doc_id)
        if doc is None and prev is not None:
            m = prev["m"]
            for k in range(0, len(m), 5):
                text = old_surfaces[m[k + 4]]
                s = surface_idx.setdefault(text, len(surfaces))
                if s == len(surfaces):
                    surfaces.append(text)
                flat.extend((m[k], m[k + 1], m[k + 2], m[k + 3], s))
        elif doc is not None:
            for number, para in enumerate(doc.paragraphs, 1):
                for idx, start, end in matcher.paragraph(para):
                    text = para[start:end]
                    s = surface_idx.setdefault(text, len(surfaces))
                    if s == len(surfaces):
                        surfaces.append(text)
                    flat.extend((idx, number, start, end, s))
        mentions[doc_id] = {"fp": fingerprint, "m": flat}
    # Counts per entity and per document; discovered names that never matched (always inside a longer name) go.
    gloss_ids = {g.id for g in glossary}
    per_doc = {doc_id: Counter(rec["m"][0::5]) for doc_id, rec in mentions.items()}
    counts: Counter = Counter()
    for per in per_doc.values():
        counts.update(per)
    kept = [i for i, e in enumerate(entities) if counts[i] or e.id in gloss_ids]
    new_index = {old: new for new, old in enumerate(kept)}
    doc_ids = list(mentions)
    entity_docs: dict[int, list[int]] = defaultdict(list)
    doc_counts = []
    for d, doc_id in enumerate(doc_ids):
        per = per_doc[doc_id]
        for idx in per:
            entity_docs[new_index[idx]].append(d)
        doc_counts.append([[new_index[i], c] for i, c in sorted(per.items(), key=lambda x: (-x[1], x[0]))])
    _write_json(store / MENTIONS_FILE, {"version": VERSION, "signature": matcher.signature,
                                        "ids": [e.id for e in entities], "surfaces": surfaces, "docs": mentions,
                                        "keys": sorted(matcher.keys)})
    # Written last: its signature tells readers which mentions file belongs to it.
    _write_json(store / ENTITIES_FILE, {
        "version": VERSION,
        "signature": matcher.signature,
        "doc_ids": doc_ids,
        "entities": [entities[i].to_json() for i in kept],
        "counts": [[counts[i], entity_docs[n]] for n, i in enumerate(kept)],
        "doc_counts": doc_counts,
    })


def _count_changes(db: CandidateStore, totals: Totals, given: dict[str, Document], changed: set[str],
                   removed: set[str], glossary: list[GlossaryEntry], check_cancel: Callable[[], None]) -> None:
    """Count the changed and removed documents' stored candidates out of the totals and the new ones in."""
    previous = db.candidates(sorted((changed | removed) & set(totals.docs)))
    for doc_id in sorted(changed | removed):
        check_cancel()
        doc = given.get(doc_id) if doc_id not in removed else None
        prev = previous.get(doc_id)
        fp = _fingerprint(doc) if doc is not None else None
        path = str(doc.path or "") if doc is not None else ""
        if prev is not None and prev.fingerprint == fp:
            # The same text (a re-done update, or only the front matter changed): the same candidates.
            totals.docs[doc_id] = (fp, path or totals.docs[doc_id][1])
            continue
        if prev is not None:
            totals.subtract(doc_id, prev)
            db.delete(doc_id)
        totals.docs.pop(doc_id, None)
        if doc is not None:
            cands = disc.extract(doc, fp, _tagger(glossary))
            totals.add(doc_id, cands, path)
            db.put(doc_id, cands)


class EntityStore:
    """The stored entities of one index generation (load with `load_entity_store`)."""

    def __init__(self, store_dir: Path, data: dict | None) -> None:
        data = data or {}
        self._dir = store_dir
        self.signature = data.get("signature", "")
        self.entities = [Entity(**e) for e in data.get("entities", [])]
        self._by_id = {e.id: e for e in self.entities}
        self._doc_ids: list[str] = data.get("doc_ids", [])
        self._doc_index = {d: n for n, d in enumerate(self._doc_ids)}
        self._counts: list[list] = data.get("counts", [])  # per entity: [count, [doc index, ...]]
        self._doc_counts: list[list] = data.get("doc_counts", [])  # per document: [[entity index, count], ...]
        self._index = {e.id: n for n, e in enumerate(self.entities)}
        self._by_name: dict[str, Entity] | None = None
        self._mentions: dict | None = None

    @property
    def available(self) -> bool:
        """False when no store has been built yet."""
        return bool(self.signature)

    def _count(self, n: int, count: int | None = None) -> EntityCount:
        """EntityCount of entity number `n` (corpus count unless `count` is given)."""
        total, docs = self._counts[n] if n < len(self._counts) else (0, [])
        return EntityCount(self.entities[n], total if count is None else count, [self._doc_ids[d] for d in docs])

    def for_document(self, doc_id: str) -> list[EntityCount]:
        """Entities mentioned in one document, grouped by type, most mentioned first; `count` is in that document."""
        d = self._doc_index.get(doc_id)
        if d is None:
            return []
        out = [self._count(n, c) for n, c in self._doc_counts[d]]
        order = {t: i for i, t in enumerate(ENTITY_TYPES)}
        out.sort(key=lambda ec: (order.get(ec.entity.type, 9), -ec.count, ec.entity.name.lower()))
        return out

    def all(self) -> list[EntityCount]:
        """Every entity mentioned anywhere, most mentioned first; `count` is over the corpus."""
        out = [self._count(n) for n in range(len(self.entities)) if n < len(self._counts) and self._counts[n][0]]
        out.sort(key=lambda ec: (-ec.count, ec.entity.name.lower()))
        return out

    def get(self, entity_id: str) -> Entity | None:
        """The entity with this id."""
        return self._by_id.get(entity_id)

    def find(self, name: str) -> Entity | None:
        """The entity with this id or name/alias (case, Traditional/Simplified and quote-style insensitive)."""
        if self._by_name is None:
            self._by_name = {}
            for e in self.entities:
                for alias in e.names:
                    self._by_name.setdefault(name_key(alias), e)
        return self._by_id.get(name) or self._by_name.get(name_key(name))

    def count(self, entity_id: str) -> EntityCount | None:
        """Corpus-wide count and documents of one entity."""
        n = self._index.get(entity_id)
        return self._count(n) if n is not None else None

    def mentions(self, entity_id: str, doc_id: str | None = None) -> list[Mention]:
        """Mentions of an entity (in one document, or everywhere), in document and text order."""
        if self._mentions is None:
            data = _read_json(self._dir / MENTIONS_FILE) or {}
            self._mentions = data if data.get("signature") == self.signature else {}
        data = self._mentions
        ids, surfaces = data.get("ids", []), data.get("surfaces", [])
        try:
            want = ids.index(entity_id)
        except ValueError:
            return []
        ec = self.count(entity_id)
        doc_ids = [doc_id] if doc_id is not None else (ec.docs if ec else [])
        out = []
        for d in doc_ids:
            m = data.get("docs", {}).get(d, {}).get("m", [])
            for k in range(0, len(m), 5):
                if m[k] == want:
                    out.append(Mention(entity_id, d, m[k + 1], m[k + 2], m[k + 3], surfaces[m[k + 4]]))
        return out

    def document_mentions(self, doc_id: str) -> list[Mention]:
        """Every entity mention in one document (for highlighting), in paragraph and text order."""
        if self._mentions is None:
            self.mentions("")
        data = self._mentions or {}
        ids, surfaces = data.get("ids", []), data.get("surfaces", [])
        m = data.get("docs", {}).get(doc_id, {}).get("m", [])
        return [Mention(ids[m[k]], doc_id, m[k + 1], m[k + 2], m[k + 3], surfaces[m[k + 4]]) for k in range(0, len(m), 5)]


def load_entity_store(gen_dir: Path) -> EntityStore:
    """Open the entity store of an index generation (an empty store when none was built)."""
    store = Path(gen_dir) / STORE_DIR
    data = _read_json(store / ENTITIES_FILE)
    if data is not None and data.get("version") != VERSION:
        data = None
    return EntityStore(store, data)
