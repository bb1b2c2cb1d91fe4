"""Entities of the corpus and their store: extraction, merging and mention matching kept per index generation.

The records and the matcher live in entities.names, merging in entities.merge, the candidate totals in
entities.candidates; this module keeps the store up to date (`update_entity_store`) and reads it (`EntityStore`).
"""

from __future__ import annotations

import hashlib
import json
import pickle
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, TypeAlias, TypedDict, cast

from npf_tui.core.entities import STORE_VERSION
from npf_tui.core.entities import discovery as disc
from npf_tui.core.entities.candidates import CandidateStore, StoreDamaged, Totals, candidate_store
from npf_tui.core.entities.merge import merge
from npf_tui.core.entities.names import Entity, EntityCount, Matcher, Mention, name_key
from npf_tui.core.errors import Cancelled, IndexError_, NpfError
from npf_tui.core.fsutil import atomic_write_bytes
from npf_tui.core.glossary import ENTITY_TYPES, GlossaryEntry, user_dictionary
from npf_tui.core.models import Document
from npf_tui.core.sources.corpus import load_document

STORE_DIR = "entities"
CANDIDATES_FILE = "candidates.sqlite"
MENTIONS_FILE = "mentions.pickle"
ENTITIES_FILE = "entities.pickle"
VERSION = STORE_VERSION  # bumped in entities/__init__.py when extraction or merging changes

ProgressFn = Callable[[int, int, str], None]


# ---------------------------------------------------------------- the mentions file's layout

#: The fields of one stored mention, in order: the entity's index in the mentions file's "ids", the paragraph
#: (1-based), the span [start, end) in the paragraph, and the surface text's index in the file's "surfaces".
#: Stored files have this layout: changing it needs a VERSION bump.
MENTION_FIELDS = ("entity", "paragraph", "start", "end", "surface")
MENTION_STRIDE = len(MENTION_FIELDS)
#: A document's mentions packed into one flat list, MENTION_STRIDE ints a mention. Flat ints (and indexes instead
#: of repeated ids and texts) keep the file small and quick to load: 145,000 mentions (the bundled corpus's,
#: repeated over 2,700 documents) pickle to 1.6 MB and load in 28 ms; a tuple a mention takes 2.1 MB and 62 ms, a
#: dict a mention 5.8 MB and 82 ms.
PackedMentions: TypeAlias = list[int]
#: One mention unpacked: its fields in the order of MENTION_FIELDS.
UnpackedMention: TypeAlias = tuple[int, int, int, int, int]


class DocMentions(TypedDict):
    """One document's record in the mentions file: the fingerprint of the text matched, and its mentions."""

    fp: str
    m: PackedMentions


def pack_mention(packed: PackedMentions, entity: int, paragraph: int, start: int, end: int, surface: int) -> None:
    """Append one mention to a document's packed mentions."""
    packed.extend((entity, paragraph, start, end, surface))


def unpack_mentions(packed: PackedMentions) -> Iterator[UnpackedMention]:
    """A document's packed mentions one by one, in stored order (paragraph and text order)."""
    for k in range(0, len(packed), MENTION_STRIDE):
        yield packed[k], packed[k + 1], packed[k + 2], packed[k + 3], packed[k + 4]


def mentioned_entities(packed: PackedMentions) -> list[int]:
    """The entity of every mention of a document, in stored order (the entity is a mention's first field)."""
    return packed[0::MENTION_STRIDE]


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


def _tagger(glossary: list[GlossaryEntry]) -> Any:
    """A rjieba segmenter that knows the glossary's Chinese names with their types' tags (so 刘海清 is one word,
    tagged nr): the index's own segmenter when it is for this glossary, as in every build and update."""
    from npf_tui.core.text.analysis import tagging_segmenter

    return tagging_segmenter(user_dictionary(glossary))


def _read_pickle(path: Path) -> dict[str, Any] | None:
    """A stored file (JSON-shaped data kept as a pickle: reading JSON cost a third of an incremental add on a
    20 MB corpus), or None when absent or unreadable (then it is rebuilt)."""
    try:
        data = pickle.loads(path.read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
        return None
    return data if isinstance(data, dict) else None


def _write_pickle(path: Path, data: dict[str, Any]) -> None:
    """Write the data atomically (see _read_pickle)."""
    atomic_write_bytes(path, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))


def update_entity_store(
    gen_dir: Path,
    documents: list[Document],
    glossary: list[GlossaryEntry],
    changed: AbstractSet[str] | None = None,
    removed: AbstractSet[str] = frozenset(),
    *,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
    docs_with_names: Callable[[list[str]], set[str]] | None = None,
    corpus_files: Mapping[str, Path] | None = None,
) -> None:
    """Bring the entity store in `gen_dir/entities` up to date.

    `docs_with_names(names)` (optional, from the passage index) returns the ids of the documents whose text may
    contain any of the given folded names. With it, an incremental update whose set of names changed re-reads and
    re-matches only those documents; the others keep their mentions, re-attributed by their surface text.

    `changed=None`: `documents` is the whole corpus (a full build). Otherwise `documents` holds the new or
    edited documents (ids in `changed`), `removed` the ids that are gone, and every other document keeps its
    stored candidates. Candidates are kept per document (keyed by a fingerprint of the text) with their totals
    over the corpus (see entities.candidates), so an update reads and writes only its own documents' candidates;
    merging runs over the totals, and mentions of unchanged documents are reused as long as the set of names is
    unchanged (otherwise see `docs_with_names`). `corpus_files` (doc id -> path, optional) names every document of
    the corpus, for an update that finds the stored candidates missing or unreadable: it extracts them all again.
    """
    store = _open_store(gen_dir)
    run = _Update(documents, glossary, changed, removed, progress, cancel, docs_with_names, corpus_files)
    db_path = store / CANDIDATES_FILE
    try:
        totals, entities, exact = _update_candidates(db_path, run)
    except StoreDamaged:
        # Damage found inside the database: start again from an empty store (every document is extracted again).
        db_path.unlink(missing_ok=True)
        totals, entities, exact = _update_candidates(db_path, run)
    run.remember_paths(totals)
    matcher = Matcher(entities, exact)
    reusable = _reusable_mentions(_read_pickle(store / MENTIONS_FILE) or {}, matcher, run)
    mentions = _match_mentions(run, totals, matcher, reusable)
    mentions_data = _mentions_file(mentions, entities, matcher)
    entities_data = _entities_file(mentions, entities, glossary, matcher)
    _write_pickle(store / MENTIONS_FILE, mentions_data)
    # Written last: its signature tells readers which mentions file belongs to it.
    _write_pickle(store / ENTITIES_FILE, entities_data)


def _open_store(gen_dir: Path) -> Path:
    """The store's folder, created when missing (a folder that cannot be written is an IndexError_ saying why)."""
    store = Path(gen_dir) / STORE_DIR
    try:
        store.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise IndexError_(f"cannot write the entity store in {store} ({exc.strerror})") from None
    return store


class _Update:
    """One run of `update_entity_store`: what it was asked, and the documents it reads.

    Documents not handed in are read again from their files (only when needed, once each): the stored totals
    name every document's file, and so does `corpus_files` when there are no usable totals.
    """

    def __init__(
        self,
        documents: list[Document],
        glossary: list[GlossaryEntry],
        changed: AbstractSet[str] | None,
        removed: AbstractSet[str],
        progress: ProgressFn | None,
        cancel: threading.Event | None,
        docs_with_names: Callable[[list[str]], set[str]] | None,
        corpus_files: Mapping[str, Path] | None,
    ) -> None:
        self.glossary = glossary
        self.glossary_hash = _glossary_hash(glossary)
        self.given = {d.doc_id: d for d in documents}
        self.changed = changed
        self.removed = removed
        self.progress = progress
        self.cancel = cancel
        self.docs_with_names = docs_with_names
        self.corpus_files = corpus_files
        self.paths: dict[str, str] = {}  # doc id -> the file a document not handed in is read from
        #: A build handed no documents but the corpus's files: it reads each document from its file when needed
        #: (twice: to extract, then to match mentions), so that nothing holds the whole corpus.
        self.from_files = changed is None and not documents and bool(corpus_files)
        if self.from_files:
            self.paths.update((doc_id, str(path)) for doc_id, path in (corpus_files or {}).items())

    def document(self, doc_id: str) -> Document | None:
        """A document: as handed in, else read again from the file it was read from (None when that fails).

        Not kept once read: an update that reads many documents (a build from files, or a store found damaged)
        would otherwise hold the corpus (at 100 MB of text the build's process tree peaked at 703 MB PSS while its
        parent held every document); reading the whole corpus again costs ~0.35 s per 20 MB (docs/benchmark.md).
        """
        given = self.given.get(doc_id)
        if given is not None:
            return given
        path = self.paths.get(doc_id)
        try:
            return load_document(Path(path)) if path else None
        except NpfError:
            return None

    def remember_paths(self, totals: Totals) -> None:
        """Learn the file of every document the totals count."""
        self.paths.update((doc_id, path) for doc_id, (_, path) in totals.docs.items())

    @cached_property
    def tagger(self) -> Any:
        """The tagger, looked up once per update (0.4 ms a time) and only if a document is extracted."""
        return _tagger(self.glossary)

    def check_cancel(self) -> None:
        """Stop between two documents when asked to: during extraction the candidates' transaction is rolled back;
        the mentions and entities files are written only at the end, so they stay as they were."""
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled("entity extraction cancelled")


# ---------------------------------------------------------------- candidates and their totals


def _update_candidates(db_path: Path, run: _Update) -> tuple[Totals, list[Entity], set[str]]:
    """Bring the stored candidates and their totals up to date in one transaction; merge from the totals (merging
    fills their cache of facts, saved with them)."""
    with candidate_store(db_path) as db:
        old = db.totals(VERSION)
        if old is not None:
            run.remember_paths(old)
        elif run.changed is not None:
            # An update without usable stored totals: the corpus's files say where every document is read from.
            run.paths.update((doc_id, str(path)) for doc_id, path in (run.corpus_files or {}).items())
        if run.changed is not None and old is not None and old.glossary == run.glossary_hash:
            totals = old
            _count_changes(db, totals, run, run.changed)
        else:
            # Everything is extracted: a build, a new glossary (it changes jieba's dictionary), or an update that
            # found no usable stored candidates (then the corpus's files say which documents there are).
            totals = _extract_all(db, run, _documents_to_extract(run, old))
        entities, exact = merge(totals, run.glossary)
        db.save_totals(totals)
    return totals, entities, exact


def _count_changes(db: CandidateStore, totals: Totals, run: _Update, changed: AbstractSet[str]) -> None:
    """Count the changed and removed documents' stored candidates out of the totals and the new ones in."""
    removed = set(run.removed)
    touched = set(changed) | removed
    previous = db.candidates(sorted(touched & set(totals.docs)))
    for doc_id in sorted(touched):
        run.check_cancel()
        doc = run.given.get(doc_id) if doc_id not in removed else None
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
        if doc is not None and fp is not None:
            cands = disc.extract(doc, fp, run.tagger)
            totals.add(doc_id, cands, path)
            db.put(doc_id, cands)


def _documents_to_extract(run: _Update, old: Totals | None) -> list[str]:
    """The documents a full extraction reads: a build's own; for an update, those the stored totals (or else the
    corpus's files) know, less the removed ones, plus the ones handed in."""
    if run.changed is None:
        return sorted(run.paths) if run.from_files else sorted(run.given)
    known = set(old.docs) if old is not None else set(run.corpus_files or ())
    return sorted((known - set(run.removed) - set(run.changed)) | set(run.given))


def _extract_all(db: CandidateStore, run: _Update, doc_ids: list[str]) -> Totals:
    """Extract the candidates of every one of `doc_ids` into an emptied store, reporting progress every 200."""
    totals = Totals(VERSION, run.glossary_hash)
    db.clear()
    for n, doc_id in enumerate(doc_ids, 1):
        run.check_cancel()
        doc = run.document(doc_id)
        if doc is not None:
            cands = disc.extract(doc, _fingerprint(doc), run.tagger)
            totals.add(doc_id, cands, str(doc.path or run.paths.get(doc_id, "")))
            db.put(doc_id, cands)
        if run.progress is not None and (n % 200 == 0 or n == len(doc_ids)):
            run.progress(n, len(doc_ids), "finding entities")
    return totals


# ---------------------------------------------------------------- mentions


@dataclass
class _Reusable:
    """What the previous mentions file lends an update."""

    same_names: dict[str, DocMentions]  # the set of names is unchanged: kept as they are
    other_names: dict[str, DocMentions]  # the names changed: kept re-attributed by their surface text
    affected: set[str]  # documents that contain an added or dropped name: matched again
    surfaces: list[str]  # the surface texts the stored mentions index


def _reusable_mentions(old: dict[str, Any], matcher: Matcher, run: _Update) -> _Reusable:
    """Which stored mentions (`old`: the mentions file, or {}) this update may keep.

    Names changed in an incremental update: documents that contain none of the added or dropped names keep
    their mentions (a name's entity may have changed: found again from the surface text); only documents that
    contain one are matched again (a new longer name can also swallow an old shorter one, hence dropped too).
    """
    same_version = old.get("version") == VERSION
    same_names = old.get("signature") == matcher.signature and same_version
    reusable = _Reusable(
        old.get("docs", {}) if same_names else {}, {}, set(), old.get("surfaces", []) if same_version else []
    )
    if (
        not same_names
        and run.changed is not None
        and run.docs_with_names is not None
        and same_version
        and "keys" in old
    ):
        delta = sorted(set(old["keys"]) ^ matcher.keys)
        reusable.affected = set(run.docs_with_names(delta)) if delta else set()
        reusable.other_names = old.get("docs", {})
    return reusable


class _NewMentions:
    """The mentions being stored: each document's packed mentions, and the surface texts they index (each text
    stored once: a name is mentioned many times)."""

    def __init__(self, matcher: Matcher, base: list[str] | None = None) -> None:
        """`base`: the previous mentions file's surface texts, kept at their indexes (an update) so that stored
        mentions are kept without rewriting them one by one; new texts are appended. A build starts empty."""
        self.matcher = matcher
        self.docs: dict[str, DocMentions] = {}
        self.base = base
        self.surfaces: list[str] = list(base or ())
        self._surface_index: dict[str, int] = {}
        for n, text in enumerate(self.surfaces):
            self._surface_index.setdefault(text, n)
        self._entity_of_surface: dict[str, int | None] = {}
        self._remap: list[int | None] | None = None  # base surface index -> its entity now (see reattributed)

    def surface(self, text: str) -> int:
        """The index of a surface text (added when new)."""
        s = self._surface_index.setdefault(text, len(self.surfaces))
        if s == len(self.surfaces):
            self.surfaces.append(text)
        return s

    def matched(self, doc: Document) -> PackedMentions:
        """A document's mentions, found in its paragraphs."""
        packed: PackedMentions = []
        for number, para in enumerate(doc.paragraphs, 1):
            for idx, start, end in self.matcher.paragraph(para):
                pack_mention(packed, idx, number, start, end, self.surface(para[start:end]))
        return packed

    def copied(self, stored: PackedMentions, old_surfaces: list[str]) -> PackedMentions:
        """Stored mentions kept as they are (only their surface texts are indexed again, unless they index the
        kept surface texts already: then the stored list itself is kept)."""
        if old_surfaces is self.base:
            return stored
        packed: PackedMentions = []
        for entity, paragraph, start, end, surface in unpack_mentions(stored):
            pack_mention(packed, entity, paragraph, start, end, self.surface(old_surfaces[surface]))
        return packed

    def reattributed(self, stored: PackedMentions, old_surfaces: list[str]) -> PackedMentions:
        """Stored mentions under new names: each goes to the entity its surface text names now, or is dropped when
        that text is no longer a whole name.

        Against the kept surface texts, each text's entity is found once for the whole store and the entity column
        replaced by slicing: the mention-by-mention loop took ~0.35 s of an add at 100 MB."""
        if old_surfaces is self.base:
            if self._remap is None:
                self._remap = [self._entity_of(text) for text in old_surfaces]
            remap = self._remap
            entities = [remap[surface] for surface in stored[MENTION_STRIDE - 1 :: MENTION_STRIDE]]
            if None not in entities:
                packed = list(stored)
                packed[0::MENTION_STRIDE] = cast(list[int], entities)
                return packed
        packed = []
        for _, paragraph, start, end, surface in unpack_mentions(stored):
            text = old_surfaces[surface]
            entity = self._entity_of(text)
            if entity is not None:
                pack_mention(packed, entity, paragraph, start, end, self.surface(text))
        return packed

    def _entity_of(self, surface: str) -> int | None:
        """The entity a stored surface text belongs to now (None if it is no longer a whole name); once a text."""
        if surface not in self._entity_of_surface:
            found = self.matcher.paragraph(surface)
            whole = len(found) == 1 and found[0][1] == 0 and found[0][2] == len(surface)
            self._entity_of_surface[surface] = found[0][0] if whole else None
        return self._entity_of_surface[surface]


def _match_mentions(run: _Update, totals: Totals, matcher: Matcher, reusable: _Reusable) -> _NewMentions:
    """The mentions of every document the totals count, in document id order."""
    kept = reusable.surfaces if (reusable.same_names or reusable.other_names) else None
    mentions = _NewMentions(matcher, kept)
    for doc_id in sorted(totals.docs):
        run.check_cancel()
        fingerprint = totals.docs[doc_id][0]
        packed = _document_mentions(doc_id, fingerprint, run, reusable, mentions)
        mentions.docs[doc_id] = {"fp": fingerprint, "m": packed}
    return mentions


def _document_mentions(
    doc_id: str, fingerprint: str, run: _Update, reusable: _Reusable, mentions: _NewMentions
) -> PackedMentions:
    """One document's mentions: the stored ones when neither its text nor the names changed, re-attributed when
    only names it does not contain changed, else matched in its text (a document that cannot be read keeps the
    mentions stored under the same names, if any)."""
    prev = reusable.same_names.get(doc_id)
    kept = reusable.other_names.get(doc_id)
    if prev is None and kept is not None and kept.get("fp") == fingerprint and doc_id not in reusable.affected:
        return mentions.reattributed(kept["m"], reusable.surfaces)
    doc = None if prev is not None and prev.get("fp") == fingerprint else run.document(doc_id)
    if doc is None and prev is not None:
        return mentions.copied(prev["m"], reusable.surfaces)
    if doc is not None:
        return mentions.matched(doc)
    return []


def _mentions_file(mentions: _NewMentions, entities: list[Entity], matcher: Matcher) -> dict[str, Any]:
    """The mentions file: each document's packed mentions (see MENTION_FIELDS), the entity ids and surface texts
    they index, and every folded name (what the next update compares its names with)."""
    return {
        "version": VERSION,
        "signature": matcher.signature,
        "ids": [e.id for e in entities],
        "surfaces": mentions.surfaces,
        "docs": mentions.docs,
        "keys": sorted(matcher.keys),
    }


def _entities_file(
    mentions: _NewMentions, entities: list[Entity], glossary: list[GlossaryEntry], matcher: Matcher
) -> dict[str, Any]:
    """The entities file: the entities that are mentioned or in the glossary (a discovered name that never matched
    was always inside a longer name: it goes), with their counts over the corpus and per document."""
    gloss_ids = {g.id for g in glossary}
    per_doc = {doc_id: Counter(mentioned_entities(rec["m"])) for doc_id, rec in mentions.docs.items()}
    counts: Counter[int] = Counter()
    for per in per_doc.values():
        counts.update(per)
    kept = [i for i, e in enumerate(entities) if counts[i] or e.id in gloss_ids]
    new_index = {old: new for new, old in enumerate(kept)}
    doc_ids = list(mentions.docs)
    entity_docs: dict[int, list[int]] = defaultdict(list)
    doc_counts: list[list[list[int]]] = []
    for d, doc_id in enumerate(doc_ids):
        per = per_doc[doc_id]
        for idx in per:
            entity_docs[new_index[idx]].append(d)
        doc_counts.append([[new_index[i], c] for i, c in sorted(per.items(), key=lambda x: (-x[1], x[0]))])
    return {
        "version": VERSION,
        "signature": matcher.signature,
        "doc_ids": doc_ids,
        "entities": [entities[i].to_json() for i in kept],
        "counts": [[counts[i], entity_docs[n]] for n, i in enumerate(kept)],
        "doc_counts": doc_counts,
    }


# ---------------------------------------------------------------- reading the store


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
            data = _read_pickle(self._dir / MENTIONS_FILE) or {}
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
            packed = data.get("docs", {}).get(d, {}).get("m", [])
            for entity, paragraph, start, end, surface in unpack_mentions(packed):
                if entity == want:
                    out.append(Mention(entity_id, d, paragraph, start, end, surfaces[surface]))
        return out

    def document_mentions(self, doc_id: str) -> list[Mention]:
        """Every entity mention in one document (for highlighting), in paragraph and text order."""
        if self._mentions is None:
            self.mentions("")
        data = self._mentions or {}
        ids, surfaces = data.get("ids", []), data.get("surfaces", [])
        packed = data.get("docs", {}).get(doc_id, {}).get("m", [])
        return [
            Mention(ids[entity], doc_id, paragraph, start, end, surfaces[surface])
            for entity, paragraph, start, end, surface in unpack_mentions(packed)
        ]


def load_entity_store(gen_dir: Path) -> EntityStore:
    """Open the entity store of an index generation (an empty store when none was built)."""
    store = Path(gen_dir) / STORE_DIR
    data = _read_pickle(store / ENTITIES_FILE)
    if data is not None and data.get("version") != VERSION:
        data = None
    return EntityStore(store, data)
