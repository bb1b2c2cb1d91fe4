"""The entity store's candidates: each document's candidates and their corpus-wide totals, kept in SQLite.

Merging names needs the totals over the whole corpus (how often a phrase occurs, with which evidence), not each
document's candidates. Keeping the totals beside the per-document rows, updated in the same transaction, lets an
update read and write only what its documents bring: adding one document to a 20 MB corpus read and wrote 2.2 MB
of candidates (~0.1 s) and summed 60,000 phrase records (~0.05 s) when everything lived in one pickle.
"""

from __future__ import annotations

import errno
import pickle
import sqlite3
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from npf_tui.core.entities.discovery import DocCandidates
from npf_tui.core.errors import IndexError_

# SQLite's primary result codes (the sqlite3 module names them only from Python 3.11).
_SQLITE_READONLY, _SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 8, 11, 13, 14, 26


@dataclass
class Totals:
    """Candidates summed over every document of the store, plus what merging derived from them.

    en: phrase -> [count, person votes, media votes, place votes, mid-sentence count, seen in lower case];
    zh: word -> {jieba tag: count}; pairs and acronyms: (English, Chinese) / (acronym, expansion) -> occurrences;
    docs: doc id -> (text fingerprint, file path). `facts_en` and `facts_zh` are merging's cache of what it
    derives from one phrase's totals (see entities.merge); an entry is dropped whenever that phrase's totals change.
    """

    version: int
    glossary: str
    en: dict[str, list[int]] = field(default_factory=dict)
    zh: dict[str, dict[str, int]] = field(default_factory=dict)
    pairs: Counter = field(default_factory=Counter)
    acronyms: Counter = field(default_factory=Counter)
    docs: dict[str, tuple[str, str]] = field(default_factory=dict)
    facts_en: dict[str, tuple] = field(default_factory=dict)
    facts_zh: dict[str, tuple] = field(default_factory=dict)

    def add(self, doc_id: str, cands: DocCandidates, path: str) -> None:
        """Count one document's candidates in."""
        self._apply(cands, 1)
        self.docs[doc_id] = (cands.fingerprint, path)

    def subtract(self, doc_id: str, cands: DocCandidates) -> None:
        """Count one document's candidates out (they must be the ones counted in)."""
        self._apply(cands, -1)
        self.docs.pop(doc_id, None)

    def _apply(self, cands: DocCandidates, sign: int) -> None:
        """Add (sign 1) or remove (sign -1) a document's candidates; totals that reach zero are dropped."""
        en, zh, facts_en, facts_zh = self.en, self.zh, self.facts_en, self.facts_zh
        for phrase, rec in cands.en.items():
            facts_en.pop(phrase, None)
            tot = en.get(phrase)
            if tot is None:
                tot = en[phrase] = [0, 0, 0, 0, 0, 0]
            for i in range(6):
                tot[i] += sign * rec[i]
            if tot[0] <= 0:
                del en[phrase]
        for word, (tag, count) in cands.zh.items():
            facts_zh.pop(word, None)
            tags = zh.setdefault(word, {})
            tags[tag] = tags.get(tag, 0) + sign * count
            if tags[tag] <= 0:
                del tags[tag]
            if not tags:
                del zh[word]
        for counter, items in ((self.pairs, cands.pairs), (self.acronyms, cands.acronyms)):
            for a, b in items:
                counter[(a, b)] += sign
                if counter[(a, b)] <= 0:
                    del counter[(a, b)]


class CandidateStore:
    """One open transaction on a store's database (use `candidate_store`)."""

    def __init__(self, con: sqlite3.Connection) -> None:
        self._con = con

    def totals(self, version: int) -> Totals | None:
        """The stored totals, or None when there are none or they were written by another store version."""
        row = self._con.execute("SELECT value FROM state WHERE name = 'totals'").fetchone()
        if row is None:
            return None
        try:
            totals = pickle.loads(row[0])
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError):
            return None
        return totals if isinstance(totals, Totals) and totals.version == version else None

    def candidates(self, doc_ids: list[str]) -> dict[str, DocCandidates]:
        """The stored candidates of these documents (those the store has)."""
        found: dict[str, DocCandidates] = {}
        for doc_id in doc_ids:
            row = self._con.execute("SELECT cands FROM docs WHERE doc_id = ?", (doc_id,)).fetchone()
            if row is not None:
                try:
                    found[doc_id] = DocCandidates.from_json(pickle.loads(row[0]))
                except (pickle.UnpicklingError, EOFError, ValueError, TypeError, KeyError, AttributeError) as exc:
                    raise StoreDamaged(f"the entity store is damaged ({type(exc).__name__} in {doc_id})") from None
        return found

    def put(self, doc_id: str, cands: DocCandidates) -> None:
        """Store (or replace) one document's candidates."""
        self._con.execute(
            "INSERT OR REPLACE INTO docs (doc_id, cands) VALUES (?, ?)",
            (doc_id, pickle.dumps(cands.to_json(), protocol=pickle.HIGHEST_PROTOCOL)),
        )

    def delete(self, doc_id: str) -> None:
        """Forget one document's candidates."""
        self._con.execute("DELETE FROM docs WHERE doc_id = ?", (doc_id,))

    def clear(self) -> None:
        """Forget every document (a full extraction follows)."""
        self._con.execute("DELETE FROM docs")

    def save_totals(self, totals: Totals) -> None:
        """Store the totals (committed with the documents' rows when the transaction ends)."""
        self._con.execute(
            "INSERT OR REPLACE INTO state (name, value) VALUES ('totals', ?)",
            (pickle.dumps(totals, protocol=pickle.HIGHEST_PROTOCOL),),
        )


class StoreDamaged(IndexError_):
    """The candidates database is damaged (not SQLite, or a malformed page): its contents must be derived again."""


@contextmanager
def candidate_store(path: Path):
    """The store's database at `path` as one transaction: committed when the block ends, rolled back on any error.

    A file that is not a database is replaced by an empty one; damage found later, inside the transaction, is
    StoreDamaged (the caller starts again from an empty store). Disk-full and read-only errors come out as OSError
    with their errno, as every other write of the index does.
    """
    try:
        con = _connect(path)
    except StoreDamaged:
        path.unlink(missing_ok=True)  # its contents can be derived again
        con = _connect(path)
    try:
        with _as_os_errors():
            con.execute("BEGIN IMMEDIATE")
            yield CandidateStore(con)
            con.execute("COMMIT")
    except BaseException:
        try:
            if con.in_transaction:
                con.execute("ROLLBACK")
        except sqlite3.Error:
            pass
        raise
    finally:
        con.close()


def _connect(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the database with its two tables; StoreDamaged when it is not one."""
    with _as_os_errors():
        con = sqlite3.connect(path, isolation_level=None)
        try:
            con.execute("CREATE TABLE IF NOT EXISTS docs (doc_id TEXT PRIMARY KEY, cands BLOB NOT NULL)")
            con.execute("CREATE TABLE IF NOT EXISTS state (name TEXT PRIMARY KEY, value BLOB NOT NULL)")
        except BaseException:
            con.close()
            raise
    return con


@contextmanager
def _as_os_errors():
    """Turn SQLite's errors into what the index's callers handle: OSError (full disk, read-only), StoreDamaged, or
    a one-line IndexError_ (e.g. a database locked by something else)."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF  # the primary code of an extended one
        message = str(exc)
        if code == _SQLITE_FULL or "disk is full" in message:
            raise OSError(errno.ENOSPC, "No space left on device") from None
        if code == _SQLITE_READONLY or "readonly" in message:
            raise OSError(errno.EROFS, "Read-only file system") from None
        if code == _SQLITE_CANTOPEN or "unable to open" in message:
            raise OSError(errno.EACCES, "Permission denied") from None
        if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB) or not isinstance(exc, sqlite3.OperationalError):
            raise StoreDamaged(f"the entity store is damaged ({message})") from None
        raise IndexError_(f"cannot use the entity store ({message})") from None
