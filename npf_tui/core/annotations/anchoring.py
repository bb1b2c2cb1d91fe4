"""Anchoring: find each annotation in the current text of its document, the way Hypothesis and Zotero do.

For one annotation against the current document:

1. **anchored** — the position still holds the exact quote (paragraph, start, end): nothing changed around it, or
   only the metadata did.
2. **moved** — the quote is found elsewhere in the document: every occurrence of the quote is compared after
   folding (``textnorm.normalize``: width, case, quotes, Traditional/Simplified) with all whitespace dropped (a
   re-wrapped or re-spaced paragraph still matches); the best is the one whose surrounding text agrees most with
   the stored prefix and suffix, then the nearest to the old paragraph and offset. The annotation takes the new
   place (and the text as it is now) and the store is updated.
3. **orphaned** — the quote is nowhere in the document (the passage was deleted or rewritten): the annotation is
   kept with its last known place and listed as orphaned, never deleted.

When the document id itself is gone (a re-import of a corrected file gave it another id), the document with the
same `source_file`, else the same title, is tried before orphaning.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from npf_tui.core.errors import Cancelled
from npf_tui.core.models import Document
from npf_tui.core.text.textnorm import normalize

from .model import ANCHORED, MOVED, ORPHANED, Annotation, Selector, selector_for
from .store import AnnotationStore

ProgressFn = Callable[[int, int, str], None]


def squeeze(text: str) -> tuple[str, list[int]]:
    """`text` folded (textnorm.normalize) without its whitespace, and for each kept character its offset in `text`."""
    folded = normalize(text)
    offsets = [i for i, ch in enumerate(folded) if not ch.isspace()]
    return "".join(folded[i] for i in offsets), offsets


@dataclass
class _Folded:
    """A document's paragraphs folded and squeezed once, for all its annotations."""

    doc: Document
    paragraphs: list[tuple[str, list[int]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.paragraphs = [squeeze(p) for p in self.doc.paragraphs]


def _common_suffix(a: str, b: str) -> int:
    n = 0
    while n < len(a) and n < len(b) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n


def _common_prefix(a: str, b: str) -> int:
    n = 0
    while n < len(a) and n < len(b) and a[n] == b[n]:
        n += 1
    return n


def find_quote(folded: _Folded, selector: Selector) -> Selector | None:
    """The best place of `selector`'s quote in the document (see the module docstring), or None."""
    key, _ = squeeze(selector.quote.exact)
    if not key:
        return None
    prefix, _ = squeeze(selector.quote.prefix)
    suffix, _ = squeeze(selector.quote.suffix)
    old = selector.position
    best: tuple[tuple[int, int, int], int, int, int] | None = None
    for number, (text, offsets) in enumerate(folded.paragraphs, 1):
        at = text.find(key)
        while at != -1:
            start, end = offsets[at], offsets[at + len(key) - 1] + 1
            context = _common_suffix(prefix, text[:at]) + _common_prefix(suffix, text[at + len(key) :])
            rank = (-context, abs(number - old.paragraph), abs(start - old.start))
            if best is None or rank < best[0]:
                best = (rank, number, start, end)
            at = text.find(key, at + 1)
    if best is None:
        return None
    return selector_for(folded.doc, best[1], best[2], best[3])


def anchor_in(ann: Annotation, folded: _Folded) -> Annotation:
    """`ann` anchored in the document `folded` (its own, or the one it was re-imported as)."""
    doc, pos, quote = folded.doc, ann.selector.position, ann.selector.quote
    same_doc = doc.doc_id == ann.doc_id
    if same_doc and 1 <= pos.paragraph <= len(doc.paragraphs):
        text = doc.paragraphs[pos.paragraph - 1]
        # The quote and its context where they were: nothing to look for. The context matters: after an inserted
        # paragraph, the old place may hold the same word by chance ("A" at the start of another paragraph).
        if (
            text[pos.start : pos.end] == quote.exact
            and text[max(0, pos.start - len(quote.prefix)) : pos.start] == quote.prefix
            and text[pos.end : pos.end + len(quote.suffix)] == quote.suffix
        ):
            return replace(ann, anchor=ANCHORED)
    found = find_quote(folded, ann.selector)
    if found is None:
        return replace(ann, anchor=ORPHANED)
    if same_doc and found.position == pos and found.quote.exact == quote.exact:
        return replace(ann, selector=found, anchor=ANCHORED)  # only the text around it changed
    return replace(
        ann,
        doc_id=doc.doc_id,
        selector=found,
        anchor=MOVED,
        moved_from=pos,
        source_file=doc.source_file or ann.source_file,
        title=doc.title or ann.title,
    )


def _same_title(a: str, b: str) -> bool:
    return bool(a.strip()) and squeeze(a)[0] == squeeze(b)[0]


def _successors(ann: Annotation, docs: dict[str, Document]) -> list[Document]:
    """Documents that may be `ann`'s vanished document re-imported: same source file first, then same title."""
    by_file = [d for d in docs.values() if ann.source_file and d.source_file == ann.source_file]
    by_title = [d for d in docs.values() if d not in by_file and _same_title(ann.title, d.title)]
    return by_file + by_title


def anchor_all(
    store: AnnotationStore,
    documents: Iterable[Document],
    doc_id: str | None = None,
    save: bool = True,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
) -> list[Annotation]:
    """Every stored annotation (or those of `doc_id`) anchored against `documents` — the current corpus — in
    document, paragraph, start order, each with its `anchor` state. With `save`, what moved is written back to
    the store (new place, new document id), so the next load finds it where it is now; orphans are kept."""
    docs = {d.doc_id: d for d in documents}
    folded: dict[str, _Folded] = {}

    def fold(doc: Document) -> _Folded:
        if doc.doc_id not in folded:
            folded[doc.doc_id] = _Folded(doc)
        return folded[doc.doc_id]

    stored = store.annotations(doc_id)
    out: list[Annotation] = []
    changed: list[Annotation] = []
    for done, ann in enumerate(stored):
        if cancel is not None and cancel.is_set():
            raise Cancelled("anchoring annotations cancelled")
        if progress is not None:
            progress(done, len(stored), "anchoring annotations")
        if ann.doc_id in docs:
            result = anchor_in(ann, fold(docs[ann.doc_id]))
        else:
            result = replace(ann, anchor=ORPHANED)
            for candidate in _successors(ann, docs):
                moved = anchor_in(ann, fold(candidate))
                if moved.anchor != ORPHANED:
                    result = moved
                    break
        if result.anchor != ann.anchor or result.doc_id != ann.doc_id or result.selector != ann.selector:
            # Recorded as "anchored" at its new place once it moved: the next load finds it there exactly.
            changed.append(replace(result, anchor=ANCHORED if result.anchor == MOVED else result.anchor))
        out.append(result)
    if save:
        store.save_anchors(changed)
    if progress is not None:
        progress(len(stored), len(stored), "anchoring annotations")
    return sorted(out, key=Annotation.sort_key)


def anchor_document(store: AnnotationStore, doc: Document, save: bool = True) -> list[Annotation]:
    """The annotations of one document, anchored in its current text (what the reader shows when it opens it)."""
    return anchor_all(store, [doc], doc_id=doc.doc_id, save=save)
