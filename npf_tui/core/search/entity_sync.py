"""The entity store follows the passage index: built with it, and brought up to date after a sync only when someone
asks for entities.

A full build writes the entity store beside the index (index.build, in a thread). An incremental sync (`npf add`,
an edited or removed file, the reader's refresh) used to update it too, and that update is corpus-wide work: the
alias merge over every phrase's totals, the totals read and written whole, the mentions of every document that holds
a name that appeared or disappeared. At 100 MB of text it was 0.69 s of a 1.75 s `npf add`, and it grows with the
corpus. Only the entity sidebar and `npf entities` / `npf entity` read the store, so a sync now records which
documents the store has not seen (ENTITIES_PENDING, in the generation's folder) and whoever reads entities first
brings the store up to date (`catch_up`), under the index's write lock. Twenty `npf add`s in a row pay for one
update instead of twenty; a search never pays for it.

The record is written before the manifest that makes a sync visible, so no crash leaves the store behind without
a record of it; a record that cannot be read means every document is looked at again (by fingerprint: the
unchanged ones cost little).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from npf_tui.core.errors import NpfError
from npf_tui.core.fsutil import atomic_write_text
from npf_tui.core.models import Document
from npf_tui.core.sources import corpus as corpus_mod

if TYPE_CHECKING:
    from whoosh.searching import Searcher  # untyped (Any to mypy): names what the list holds

#: Documents synced into the index whose entities the store does not have yet: {"changed": [...], "removed": [...]}.
ENTITIES_PENDING = "entities-pending.json"


def update_entities(
    gen_dir: Path,
    docs: list[Document],
    glossary,
    changed,
    removed,
    ix=None,
    corpus_files: Mapping[str, Path] | None = None,
    cancel: threading.Event | None = None,
) -> None:
    """Let the entity store follow the index; with the (updated) Whoosh index at hand, the store asks it which
    documents contain names that appeared or disappeared, instead of re-reading every document."""
    # imported here: the entity modules cost every `npf search` 20-30 ms (measured) that only an update needs
    from npf_tui.core.entities.store import update_entity_store

    if ix is None:
        update_entity_store(
            gen_dir, docs, glossary, changed=changed, removed=set(removed), corpus_files=corpus_files, cancel=cancel
        )
        return
    searchers: list[Searcher] = []

    def docs_with_names(names: list[str]) -> set[str]:
        """Asked only when the set of names changed: opening a searcher costs ~50 ms at 20 MB."""
        if not searchers:
            searchers.append(ix.searcher())
        return _docs_with(searchers[0], names)

    try:
        update_entity_store(
            gen_dir,
            docs,
            glossary,
            changed=changed,
            removed=set(removed),
            corpus_files=corpus_files,
            docs_with_names=docs_with_names,
            cancel=cancel,
        )
    finally:
        for searcher in searchers:
            searcher.close()


def _docs_with(searcher, names: list[str]) -> set[str]:
    """Ids of the documents with a passage that may contain one of the (folded) names: a superset, by the same
    word and substring matching as search (stems and case folded), without cross-language expansion."""
    from npf_tui.core.search.query import QueryCompiler

    found: set[str] = set()
    compiler = QueryCompiler(searcher, None, exact=True)
    for name in names:
        query = compiler.phrase(name)
        if query is None:
            continue
        for docnum in searcher.docs_for_query(query):  # no scoring needed, only which documents
            found.add(searcher.stored_fields(docnum)["doc_id"])
    return found


def build_entities(gen_dir: Path, corpus_files: Mapping[str, Path], glossary, stop: threading.Event) -> None:
    """A new generation's entity store, built from the documents' files (read one at a time by the store itself)."""
    update_entities(gen_dir, [], glossary, None, (), corpus_files=corpus_files, cancel=stop)


# ---------------------------------------------------------------- deferred after a sync


def read_pending(gen_dir: Path) -> tuple[set[str], set[str]] | None:
    """(changed, removed) ids the store has not seen; ({}, {}) when it is current; None when the record exists but
    cannot be read (then every document must be looked at)."""
    path = Path(gen_dir) / ENTITIES_PENDING
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {str(d) for d in data["changed"]}, {str(d) for d in data["removed"]}
    except FileNotFoundError:
        return set(), set()
    except (OSError, ValueError, TypeError, KeyError):
        return None


def is_pending(gen_dir: Path) -> bool:
    """Whether the generation's entity store is behind its index."""
    return (Path(gen_dir) / ENTITIES_PENDING).exists()


def defer(gen_dir: Path, changed: set[str], removed: set[str], all_ids: set[str]) -> None:
    """Record that the store has not seen `changed` (new or edited) and `removed` documents, on top of what was
    recorded before (`all_ids`, the documents the index now holds, stand in for a record that cannot be read)."""
    before = read_pending(gen_dir)
    old_changed, old_removed = before if before is not None else (set(all_ids), set())
    record = {
        "changed": sorted((old_changed - removed) | changed),
        "removed": sorted((old_removed - changed) | removed),
    }
    atomic_write_text(Path(gen_dir) / ENTITIES_PENDING, json.dumps(record))


def catch_up(corpus_dir: Path, index_root: Path, cancel: threading.Event | None = None) -> bool:
    """Bring the live generation's entity store up to date with the documents synced since it was last updated;
    True when there was something to do. Holds the index's write lock (IndexError_ when another process keeps it
    longer than index.LOCK_WAIT_SECONDS); Cancelled leaves the store and the record as they were."""
    from npf_tui.core.search import index as index_mod
    from npf_tui.core.search.manifest import Manifest, current_generation, scan_corpus

    gen = current_generation(index_root)
    if gen is None or not is_pending(gen):
        return False
    with index_mod.write_lock(index_root):
        gen = current_generation(index_root)  # another process may have caught up, or rebuilt, meanwhile
        if gen is None or not is_pending(gen):
            return False
        pending = read_pending(gen)
        manifest = Manifest.load(gen)
        indexed = set(manifest.docs)
        changed, removed = pending if pending is not None else (set(indexed), set())
        # A document recorded as changed that the index no longer holds was removed since.
        removed = removed | (changed - indexed)
        changed = changed & indexed
        docs = []
        for doc_id in sorted(changed):
            try:
                docs.append(corpus_mod.load_document(Path(corpus_dir) / manifest.docs[doc_id].file))
            except NpfError:
                continue  # unreadable now: its candidates go, as a sync that cannot read a file drops it
        scan = scan_corpus(corpus_dir)
        ix = index_mod.open_whoosh(gen)
        update_entities(gen, docs, scan.glossary, changed, removed, ix=ix, corpus_files=scan.files, cancel=cancel)
        (gen / ENTITIES_PENDING).unlink(missing_ok=True)
    return True
