"""The per-corpus store of what a person wrote about a corpus: annotations, document tags and reading status, the
place each document was left at, and the last session's panes. One SQLite file in `paths.library_state_dir`.

Why SQLite (WAL, synchronous=FULL) rather than a JSON-lines journal:

* Durability without code of our own: a committed transaction is on disk when `commit` returns (FULL syncs the WAL
  on every commit); a process killed mid-write leaves the last transaction uncommitted and SQLite rolls it back on
  the next open. A journal needs its own torn-line recovery, fsync discipline and compaction, all to be tested.
* Concurrency: the reader and `npf note` may write at the same time. WAL lets readers go on while one writer
  commits; writers queue on SQLite's lock (a busy timeout, below), and each write is one short transaction that
  changes only its own rows (an edit of a note never rewrites another annotation, a re-anchoring never touches a
  note). A journal file would need a lock file and a compaction protocol between processes.
* Edits and deletions are updates in place, not records to replay; listing by document or tag is an indexed query.

A connection is opened per operation (≈0.4 ms measured; see docs/annotations.md), so a store object can be shared by
threads (a Textual worker) and processes without a connection crossing a thread. WAL needs a local filesystem:
the data folder is one (`~/.local/share`), unlike a corpus that may be mounted.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from npf_tui.core.models import Document

from .model import (
    ANCHOR_STATES,
    ANCHORED,
    Annotation,
    AnnotationError,
    AnnotationNotFound,
    Selector,
    TextPosition,
    TextQuote,
    clean_tags,
    kind_of,
    selector_for,
)

FILE_NAME = "annotations.sqlite3"
SCHEMA_VERSION = 1
#: Reading statuses of a document, in the order a reader goes through them (`key`: a key source).
STATUSES = ("to-read", "reading", "read", "key")
#: How long a writer waits for another one (the reader and a CLI) before giving up, seconds.
BUSY_TIMEOUT = 30.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS annotations (
    id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL,
    created TEXT NOT NULL,
    modified TEXT NOT NULL,
    kind TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '[]',
    exact TEXT NOT NULL,
    prefix TEXT NOT NULL DEFAULT '',
    suffix TEXT NOT NULL DEFAULT '',
    paragraph INTEGER NOT NULL,
    pos_start INTEGER NOT NULL,
    pos_end INTEGER NOT NULL,
    source_file TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    anchor TEXT NOT NULL DEFAULT 'anchored'
);
CREATE INDEX IF NOT EXISTS annotations_doc ON annotations (doc_id, paragraph, pos_start);
CREATE TABLE IF NOT EXISTS doc_tags (doc_id TEXT NOT NULL, tag TEXT NOT NULL, PRIMARY KEY (doc_id, tag));
CREATE TABLE IF NOT EXISTS doc_status (doc_id TEXT PRIMARY KEY, status TEXT NOT NULL, modified TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS places (
    doc_id TEXT PRIMARY KEY, paragraph INTEGER NOT NULL, sentence INTEGER, time TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS session (key TEXT PRIMARY KEY, value TEXT NOT NULL, time TEXT NOT NULL);
"""

_COLUMNS = (
    "id, doc_id, created, modified, kind, note, tags, exact, prefix, suffix, paragraph, pos_start, pos_end, "
    "source_file, title, anchor"
)

#: What anchoring may change (never the note, tags or times: another process may be editing them).
_ANCHOR_COLUMNS: tuple[str, ...] = ("doc_id", "exact", "prefix", "suffix", "paragraph", "pos_start", "pos_end")
_ANCHOR_COLUMNS += ("anchor", "source_file", "title")


def now() -> str:
    """The current time, ISO 8601 UTC to the millisecond (sortable as text)."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Place:
    """Where a document was left: paragraph (1-based), sentence in it (1-based, None for its start), when."""

    doc_id: str
    paragraph: int
    sentence: int | None = None
    time: str = ""

    def to_json(self) -> dict:
        return {"doc_id": self.doc_id, "paragraph": self.paragraph, "sentence": self.sentence, "time": self.time}


@dataclass(frozen=True)
class Session:
    """The panes open when the reader was last left (their documents and places) and which one had the focus."""

    panes: tuple[Place, ...] = ()
    focused: int = 0
    time: str = ""

    def to_json(self) -> dict:
        return {"panes": [p.to_json() for p in self.panes], "focused": self.focused, "time": self.time}


@dataclass(frozen=True)
class DocState:
    """A person's tags and reading status for one document."""

    doc_id: str
    tags: tuple[str, ...] = ()
    status: str | None = None

    def to_json(self) -> dict:
        return {"doc_id": self.doc_id, "tags": list(self.tags), "status": self.status}


@dataclass
class AnnotationStore:
    """The store of one corpus. Cheap to create; every method opens, uses and closes its own connection."""

    path: Path
    _ready: bool = field(default=False, repr=False)

    @classmethod
    def for_corpus(cls, corpus_dir: Path) -> AnnotationStore:
        """The store for the corpus in `corpus_dir` (in the platform's data folder, created on first write)."""
        from npf_tui.core.paths import library_state_dir

        return cls(library_state_dir(corpus_dir) / FILE_NAME)

    # --- connections ------------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _connect(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        """A connection in autocommit mode; with `write`, inside one IMMEDIATE transaction (committed on exit)."""
        if not write and not self.path.exists():
            # Reading a store nobody wrote yet: an empty in-memory one with the schema (nothing created on disk).
            conn = sqlite3.connect(":memory:")
            conn.executescript(_SCHEMA)
            try:
                yield conn
            finally:
                conn.close()
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise AnnotationError(f"cannot open the annotations store {self.path}: {exc}") from None
        try:
            conn.execute("PRAGMA synchronous=FULL")
            if not self._ready:
                self._prepare(conn)
            if write:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            else:
                yield conn
        except sqlite3.Error as exc:
            raise AnnotationError(f"annotations store {self.path}: {exc}") from None
        finally:
            conn.close()

    def _prepare(self, conn: sqlite3.Connection) -> None:
        """WAL mode (persistent in the file) and the schema, once per store object."""
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("BEGIN IMMEDIATE")
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if row is None:
            conn.execute("INSERT INTO meta (key, value) VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        elif int(row[0]) > SCHEMA_VERSION:
            conn.execute("ROLLBACK")
            raise AnnotationError(f"{self.path} was written by a newer npf (schema {row[0]}); update npf to read it")
        conn.execute("COMMIT")
        self._ready = True

    # --- annotations ------------------------------------------------------------------------------------------

    def add(
        self,
        doc: Document,
        paragraph: int,
        start: int | None = None,
        end: int | None = None,
        note: str = "",
        tags: Iterable[str] = (),
    ) -> Annotation:
        """Mark [start, end) of paragraph `paragraph` (1-based) of `doc` — the whole paragraph without a span —
        with a note and tags; returns the stored annotation (its kind guessed: paragraph, sentence or span)."""
        if paragraph < 1 or paragraph > len(doc.paragraphs):
            raise AnnotationError(f"{doc.doc_id} has {len(doc.paragraphs)} paragraphs (asked for ¶{paragraph})")
        text = doc.paragraphs[paragraph - 1]
        selector = selector_for(doc, paragraph, 0 if start is None else start, len(text) if end is None else end)
        stamp = now()
        ann = Annotation(
            id=uuid.uuid4().hex[:12],
            doc_id=doc.doc_id,
            created=stamp,
            modified=stamp,
            selector=selector,
            kind=kind_of(doc, selector.position),
            note=note.strip(),
            tags=clean_tags(tags),
            source_file=doc.source_file,
            title=doc.title,
        )
        with self._connect(write=True) as conn:
            conn.execute(f"INSERT INTO annotations ({_COLUMNS}) VALUES ({', '.join('?' * 16)})", _row(ann))
        return ann

    def annotations(self, doc_id: str | None = None) -> list[Annotation]:
        """The stored annotations (of one document), in document, paragraph, start order — as stored: anchor them
        against the current text with anchoring.anchor_all / anchor_document."""
        with self._connect() as conn:
            if doc_id is None:
                rows = conn.execute(f"SELECT {_COLUMNS} FROM annotations").fetchall()
            else:
                rows = conn.execute(f"SELECT {_COLUMNS} FROM annotations WHERE doc_id = ?", (doc_id,)).fetchall()
        return sorted((_annotation(row) for row in rows), key=Annotation.sort_key)

    def get(self, ref: str) -> Annotation:
        """The annotation whose id is `ref` or starts with it uniquely."""
        ref = ref.strip().lower()
        if not ref:
            raise AnnotationNotFound("no annotation id given")
        with self._connect() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM annotations WHERE substr(id, 1, ?) = ? LIMIT 6", (len(ref), ref)
            ).fetchall()
        exact = [row for row in rows if row[0] == ref]
        if exact:
            return _annotation(exact[0])
        if len(rows) == 1:
            return _annotation(rows[0])
        if rows:
            raise AnnotationNotFound(f"'{ref}' matches several annotations: {', '.join(r[0] for r in rows[:5])}")
        raise AnnotationNotFound(f"no annotation '{ref}' (see 'npf notes')")

    def edit(
        self,
        ref: str,
        note: str | None = None,
        tags: Iterable[str] | None = None,
        add_tags: Iterable[str] = (),
        remove_tags: Iterable[str] = (),
    ) -> Annotation:
        """Change an annotation's note (None: unchanged) and tags (`tags` replaces them; then `add_tags` and
        `remove_tags` apply); returns it as stored."""
        ann = self.get(ref)
        with self._connect(write=True) as conn:
            # Re-read inside the write transaction: another process may have changed the tags since `get`.
            row = conn.execute(f"SELECT {_COLUMNS} FROM annotations WHERE id = ?", (ann.id,)).fetchone()
            if row is None:
                raise AnnotationNotFound(f"annotation '{ann.id}' was removed meanwhile")
            current = _annotation(row)
            new_tags = list(current.tags if tags is None else clean_tags(tags))
            new_tags += [t for t in clean_tags(add_tags) if t not in new_tags]
            gone = set(clean_tags(remove_tags))
            new_tags = [t for t in new_tags if t not in gone]
            new_note = current.note if note is None else note.strip()
            stamp = now()
            conn.execute(
                "UPDATE annotations SET note = ?, tags = ?, modified = ? WHERE id = ?",
                (new_note, json.dumps(new_tags, ensure_ascii=False), stamp, ann.id),
            )
        current.note, current.tags, current.modified = new_note, tuple(new_tags), stamp
        return current

    def remove(self, ref: str) -> Annotation:
        """Delete an annotation (by id or unique prefix); returns what was deleted."""
        ann = self.get(ref)
        with self._connect(write=True) as conn:
            conn.execute("DELETE FROM annotations WHERE id = ?", (ann.id,))
        return ann

    def save_anchors(self, anns: Iterable[Annotation]) -> None:
        """Record where anchoring found annotations (document, selector, state), all in one transaction (one sync:
        200 moved annotations take one commit, not 200 of ~25 ms). Note, tags and times are left as they are in
        the store: another process may have just edited them."""
        rows = []
        for ann in anns:
            row = dict(zip(_COLUMNS.split(", "), _row(ann), strict=True))
            rows.append((*(row[c] for c in _ANCHOR_COLUMNS), ann.id))
        if not rows:
            return
        with self._connect(write=True) as conn:
            conn.executemany(
                f"UPDATE annotations SET {', '.join(f'{c} = ?' for c in _ANCHOR_COLUMNS)} WHERE id = ?", rows
            )

    def annotation_tags(self) -> dict[str, int]:
        """Every tag used on an annotation → how many annotations carry it."""
        counts: dict[str, int] = {}
        for ann in self.annotations():
            for tag in ann.tags:
                counts[tag] = counts.get(tag, 0) + 1
        return dict(sorted(counts.items()))

    # --- document tags and status -----------------------------------------------------------------------------

    def doc_state(self, doc_id: str) -> DocState:
        """The tags and status of one document (empty when none were set)."""
        with self._connect() as conn:
            tags = [r[0] for r in conn.execute("SELECT tag FROM doc_tags WHERE doc_id = ? ORDER BY tag", (doc_id,))]
            row = conn.execute("SELECT status FROM doc_status WHERE doc_id = ?", (doc_id,)).fetchone()
        return DocState(doc_id, tuple(tags), row[0] if row else None)

    def doc_states(self) -> dict[str, DocState]:
        """Every document with a tag or a status → its state."""
        with self._connect() as conn:
            tags: dict[str, list[str]] = {}
            for doc_id, tag in conn.execute("SELECT doc_id, tag FROM doc_tags ORDER BY doc_id, tag"):
                tags.setdefault(doc_id, []).append(tag)
            status = dict(conn.execute("SELECT doc_id, status FROM doc_status").fetchall())
        return {d: DocState(d, tuple(tags.get(d, ())), status.get(d)) for d in sorted(set(tags) | set(status))}

    def change_doc_tags(self, doc_id: str, add: Iterable[str] = (), remove: Iterable[str] = ()) -> DocState:
        """Add and remove tags of a document (one transaction); returns its new state."""
        added, removed = clean_tags(add), clean_tags(remove)
        with self._connect(write=True) as conn:
            conn.executemany("INSERT OR IGNORE INTO doc_tags (doc_id, tag) VALUES (?, ?)", [(doc_id, t) for t in added])
            conn.executemany("DELETE FROM doc_tags WHERE doc_id = ? AND tag = ?", [(doc_id, t) for t in removed])
        return self.doc_state(doc_id)

    def set_status(self, doc_id: str, status: str | None) -> DocState:
        """Set a document's reading status (one of STATUSES), or clear it with None."""
        if status is not None and status not in STATUSES:
            raise AnnotationError(f"unknown reading status {status!r} (one of: {', '.join(STATUSES)})")
        with self._connect(write=True) as conn:
            if status is None:
                conn.execute("DELETE FROM doc_status WHERE doc_id = ?", (doc_id,))
            else:
                conn.execute(
                    "INSERT INTO doc_status (doc_id, status, modified) VALUES (?, ?, ?) "
                    "ON CONFLICT (doc_id) DO UPDATE SET status = excluded.status, modified = excluded.modified",
                    (doc_id, status, now()),
                )
        return self.doc_state(doc_id)

    def docs_with(self, tag: str | None = None, status: str | None = None) -> set[str]:
        """The ids of the documents that have tag `tag` and (if given) status `status` — for a `tag:`/`status:`
        search filter. Tags compare case-insensitively; with neither argument, every document with a state."""
        states = self.doc_states()
        wanted_tag = tag.strip().lstrip("#").casefold() if tag is not None else None
        if status is not None and status not in STATUSES:
            raise AnnotationError(f"unknown reading status {status!r} (one of: {', '.join(STATUSES)})")
        return {
            doc_id
            for doc_id, state in states.items()
            if (wanted_tag is None or wanted_tag in {t.casefold() for t in state.tags})
            and (status is None or state.status == status)
        }

    # --- reading places and the last session ------------------------------------------------------------------

    def place(self, doc_id: str) -> Place | None:
        """Where `doc_id` was left, if anywhere."""
        with self._connect() as conn:
            row = conn.execute("SELECT paragraph, sentence, time FROM places WHERE doc_id = ?", (doc_id,)).fetchone()
        return Place(doc_id, row[0], row[1], row[2]) if row else None

    def set_place(self, doc_id: str, paragraph: int, sentence: int | None = None) -> Place:
        """Remember where `doc_id` was left (paragraph 1-based, sentence 1-based or None)."""
        if paragraph < 1 or (sentence is not None and sentence < 1):
            raise AnnotationError(f"not a place: paragraph {paragraph}, sentence {sentence}")
        place = Place(doc_id, paragraph, sentence, now())
        with self._connect(write=True) as conn:
            conn.execute(
                "INSERT INTO places (doc_id, paragraph, sentence, time) VALUES (?, ?, ?, ?) ON CONFLICT (doc_id) DO "
                "UPDATE SET paragraph = excluded.paragraph, sentence = excluded.sentence, time = excluded.time",
                (doc_id, paragraph, sentence, place.time),
            )
        return place

    def last_session(self) -> Session | None:
        """The panes open when the reader was last left, or None."""
        with self._connect() as conn:
            row = conn.execute("SELECT value, time FROM session WHERE key = 'last'").fetchone()
        if row is None:
            return None
        data = json.loads(row[0])
        panes = tuple(Place(p["doc_id"], p["paragraph"], p.get("sentence"), row[1]) for p in data.get("panes", []))
        return Session(panes, int(data.get("focused", 0)), row[1])

    def save_session(self, panes: Iterable[Place | tuple[str, int, int | None]], focused: int = 0) -> Session:
        """Remember the open panes (places, or (doc_id, paragraph, sentence) tuples) and the focused one; each
        pane's document also gets its place, so reopening the document alone lands there too."""
        places = tuple(p if isinstance(p, Place) else Place(p[0], p[1], p[2]) for p in panes)
        stamp = now()
        focused = max(0, min(focused, len(places) - 1)) if places else 0
        value = {
            "panes": [{"doc_id": p.doc_id, "paragraph": p.paragraph, "sentence": p.sentence} for p in places],
            "focused": focused,
        }
        with self._connect(write=True) as conn:
            conn.execute(
                "INSERT INTO session (key, value, time) VALUES ('last', ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value, time = excluded.time",
                (json.dumps(value, ensure_ascii=False), stamp),
            )
            conn.executemany(
                "INSERT INTO places (doc_id, paragraph, sentence, time) VALUES (?, ?, ?, ?) ON CONFLICT (doc_id) DO "
                "UPDATE SET paragraph = excluded.paragraph, sentence = excluded.sentence, time = excluded.time",
                [(p.doc_id, p.paragraph, p.sentence, stamp) for p in places],
            )
        return Session(tuple(Place(p.doc_id, p.paragraph, p.sentence, stamp) for p in places), focused, stamp)


def docs_with(corpus_dir: Path, tag: str | None = None, status: str | None = None) -> set[str]:
    """The ids of the corpus's documents with tag `tag` (case-insensitive) and/or reading status `status`: what a
    `tag:`/`status:` search filter needs. The search layer sits below this package (it may not import it): the
    command or the reader passes this function, or its result, to the search (e.g. functools.partial(docs_with,
    corpus_dir)). Reads only; an unknown status is an AnnotationError."""
    return AnnotationStore.for_corpus(corpus_dir).docs_with(tag=tag, status=status)


def _row(ann: Annotation) -> tuple:
    """An annotation as a row of the annotations table (column order of _COLUMNS)."""
    q, p = ann.selector.quote, ann.selector.position
    fields = (ann.id, ann.doc_id, ann.created, ann.modified, ann.kind, ann.note, json.dumps(list(ann.tags)))
    return (*fields, q.exact, q.prefix, q.suffix, p.paragraph, p.start, p.end, ann.source_file, ann.title, ann.anchor)


def _annotation(row) -> Annotation:
    """A row of the annotations table as an Annotation."""
    ann_id, doc_id, created, modified, kind, note, tags, exact, prefix, suffix, paragraph, start, end = row[:13]
    source_file, title, anchor = row[13:]
    return Annotation(
        id=ann_id,
        doc_id=doc_id,
        created=created,
        modified=modified,
        selector=Selector(TextQuote(exact, prefix, suffix), TextPosition(paragraph, start, end)),
        kind=kind,
        note=note,
        tags=tuple(json.loads(tags)),
        source_file=source_file,
        title=title,
        anchor=anchor if anchor in ANCHOR_STATES else ANCHORED,
    )
