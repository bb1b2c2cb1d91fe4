"""A person's own data about a corpus: annotations (marks with notes and tags, anchored by the quoted text), the
tags and reading status of documents, reading places and the last session. See docs/annotations.md.

For the reader (call from a thread worker; every call opens and closes its own SQLite connection):

    store = AnnotationStore.for_corpus(corpus_dir)
    ann = store.add(doc, paragraph, start, end, note="…", tags=["method"])
    marks = anchor_document(store, doc)             # this document's annotations, each with .anchor
    everything = anchor_all(store, lib.documents)   # the whole library (follows re-imported documents)
    search(everything, 'tag:method note:"sample size"'); export_markdown(marks, [doc], style="apa")
    store.change_doc_tags(doc_id, add=["core"]); store.set_status(doc_id, "read"); store.docs_with(tag="core")
    docs_with(corpus_dir, tag="core", status="key")  # → set of doc ids, for a tag:/status: search filter
    store.set_place(doc_id, paragraph, sentence); store.place(doc_id)
    store.save_session([(doc_id, paragraph, sentence), ...], focused=0); store.last_session()
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .anchoring import anchor_all, anchor_document
    from .export import export_markdown
    from .model import (
        ANCHORED,
        KINDS,
        MOVED,
        ORPHANED,
        Annotation,
        AnnotationError,
        AnnotationNotFound,
        Selector,
        TextPosition,
        TextQuote,
    )
    from .query import compile_query, search
    from .store import STATUSES, AnnotationStore, DocState, Place, Session, docs_with

#: Where each name lives. A name is imported when first used (PEP 562), so that importing one part (a search with a
#: status: filter needs the store only) does not load the others: importing them all cost every cold `npf search`
#: ~25 ms (anchoring, export and its citation styles).
_HOME = {
    **dict.fromkeys(("anchor_all", "anchor_document"), "anchoring"),
    "export_markdown": "export",
    **dict.fromkeys(
        (
            "ANCHORED",
            "KINDS",
            "MOVED",
            "ORPHANED",
            "Annotation",
            "AnnotationError",
            "AnnotationNotFound",
            "Selector",
            "TextPosition",
            "TextQuote",
        ),
        "model",
    ),
    **dict.fromkeys(("compile_query", "search"), "query"),
    **dict.fromkeys(("STATUSES", "AnnotationStore", "DocState", "Place", "Session", "docs_with"), "store"),
}


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use (and keep it here)."""
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


__all__ = [
    "ANCHORED",
    "KINDS",
    "MOVED",
    "ORPHANED",
    "STATUSES",
    "Annotation",
    "AnnotationError",
    "AnnotationNotFound",
    "AnnotationStore",
    "DocState",
    "Place",
    "Selector",
    "Session",
    "TextPosition",
    "TextQuote",
    "anchor_all",
    "anchor_document",
    "compile_query",
    "docs_with",
    "export_markdown",
    "search",
]
