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
