"""Entities of the corpus and their store: extraction, merging and mention matching kept per index generation.

The records and the matcher live in entity_names, merging in entity_merge, the candidate totals in
entity_candidates; this module keeps the store up to date (`update_entity_store`) and reads it (`EntityStore`).
"""

from __future__ import annotations

import hashlib
import json
import pickle
import threading
from collections import Counter, defaultdict
from collections.abc import Callable
from functools import cache
from pathlib import Path

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
#: Bump when extraction or merging changes, so stored candidates are recomputed.
VERSION = 9

ProgressFn = Callable[[int, int, str], None]


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
    from npf_tui.core.text.analysis import tagging_segmenter

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

    @cache
    def tagger():
        """The tagger, looked up once per update (0.4 ms a time) and only if a document is extracted."""
        return _tagger(glossary)

    def check_cancel() -> None:
        """Stop between two documents when asked to (the transaction is rolled back)."""
        if cancel is not None and cancel.is_set():
            raise Cancelled("entity extraction cancelled")

    def update_candidates(db_path: Path) -> tuple[Totals, list[Entity], set[str]]:
        """Bring the stored candidates and their totals up to date in one transaction; merge from the totals."""
        with candidate_store(db_path) as db:
            old = db.totals(VERSION)
            if old is not None:
                paths.update((doc_id, path) for doc_id, (_, path) in old.docs.items())
            if changed is not None and old is not None and old.glossary == ghash:
                totals = old
                _count_changes(db, totals, given, set(changed), set(removed), tagger, check_cancel)
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
                        cands = disc.extract(doc, _fingerprint(doc), tagger())
                        totals.add(doc_id, cands, str(doc.path or paths.get(doc_id, "")))
                        db.put(doc_id, cands)
                    if progress is not None and (n % 200 == 0 or n == len(doc_ids)):
                        progress(n, len(doc_ids), "finding entities")
            entities, exact = merge(totals, glossary)
            db.save_totals(totals)
        return totals, entities, exact

    db_path = store / CANDIDATES_FILE
    try:
        totals, entities, exact = update_candidates(db_path)
    except StoreDamaged:
        # Damage found inside the database: start again from an empty store (every document is extracted again).
        db_path.unlink(missing_ok=True)
        totals, entities, exact = update_candidates(db_path)
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
    if (
        not same_names
        and changed is not None
        and docs_with_names is not None
        and old_m.get("version") == VERSION
        and "keys" in old_m
    ):
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
    _write_json(
        store / MENTIONS_FILE,
        {
            "version": VERSION,
            "signature": matcher.signature,
            "ids": [e.id for e in entities],
            "surfaces": surfaces,
            "docs": mentions,
            "keys": sorted(matcher.keys),
        },
    )
    # Written last: its signature tells readers which mentions file belongs to it.
    _write_json(
        store / ENTITIES_FILE,
        {
            "version": VERSION,
            "signature": matcher.signature,
            "doc_ids": doc_ids,
            "entities": [entities[i].to_json() for i in kept],
            "counts": [[counts[i], entity_docs[n]] for n, i in enumerate(kept)],
            "doc_counts": doc_counts,
        },
    )


def _count_changes(
    db: CandidateStore,
    totals: Totals,
    given: dict[str, Document],
    changed: set[str],
    removed: set[str],
    tagger: Callable[[], object],
    check_cancel: Callable[[], None],
) -> None:
    """Count the changed and removed documents' stored candidates out of the totals and the new ones in
    (`tagger()` gives the part-of-speech tagger for extraction)."""
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
            cands = disc.extract(doc, fp, tagger())
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
        return [
            Mention(ids[m[k]], doc_id, m[k + 1], m[k + 2], m[k + 3], surfaces[m[k + 4]]) for k in range(0, len(m), 5)
        ]


def load_entity_store(gen_dir: Path) -> EntityStore:
    """Open the entity store of an index generation (an empty store when none was built)."""
    store = Path(gen_dir) / STORE_DIR
    data = _read_json(store / ENTITIES_FILE)
    if data is not None and data.get("version") != VERSION:
        data = None
    return EntityStore(store, data)
