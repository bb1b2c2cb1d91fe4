"""`status:` and `tag:` in a search query: the person's own document states, applied to the hits of a search — the
search core sits below the annotations package and may not import it (the layers contract), and Library.search has
no document filter hook, so the rest of the query is searched and the hits are then kept or dropped by their
document. Used by the reader's search and by `npf search`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from npf_tui.core.annotations.store import STATUSES, AnnotationStore, DocState
from npf_tui.core.errors import NpfError
from npf_tui.core.models import Hit, SearchResult

#: A `status:VALUE` or `tag:VALUE` term (value quoted or bare).
DOC_FILTER_TERM = re.compile(r'(?<!\S)(status|tag):("[^"]*"|\S+)')
#: Hits fetched before filtering by document (a filter keeps only some documents' hits).
FILTERED_LIMIT = 500


class DocFilterError(NpfError):
    """A status that does not exist (`status:done`): a query that cannot be understood (exit status 2)."""

    exit_code = 2


@dataclass
class DocFilter:
    """The document filters of a query: one reading status and any number of tags (all required)."""

    status: str | None = None
    tags: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.status is not None or bool(self.tags)

    def allowed(self, states: dict[str, DocState]) -> set[str]:
        """The ids of the documents whose state passes the filter."""
        wanted = {t.casefold() for t in self.tags}
        return {
            doc_id
            for doc_id, state in states.items()
            if (self.status is None or state.status == self.status) and wanted <= {t.casefold() for t in state.tags}
        }

    def describe(self) -> str:
        """`status:key tag:core` as the notice says it."""
        return " ".join([*([f"status:{self.status}"] if self.status else []), *(f"tag:{t}" for t in self.tags)])


def split_doc_filters(query: str) -> tuple[str, DocFilter]:
    """The query without its `status:`/`tag:` terms, and those terms; DocFilterError for an unknown status."""
    found = DocFilter()
    for match in DOC_FILTER_TERM.finditer(query):
        field_name, value = match.group(1), match.group(2).strip('"').strip()
        if field_name == "status":
            if value not in STATUSES:
                raise DocFilterError(f"unknown reading status '{value}' (one of: {', '.join(STATUSES)})")
            found.status = value
        elif value.lstrip("#"):
            found.tags.append(value.lstrip("#"))
    return " ".join(DOC_FILTER_TERM.sub(" ", query).split()), found


def document_hits(lib, doc_ids: set[str]) -> list[Hit]:
    """One entry per document (its first paragraph) for a query made only of document filters."""
    hits = []
    catalog = lib.catalog
    for doc_id in sorted(doc_ids & set(catalog), key=lambda d: (catalog[d].meta.get("title") or d).casefold()):
        meta = catalog[doc_id].meta
        doc = lib.document(doc_id)
        text = doc.paragraphs[0] if doc.paragraphs else ""
        snippet = text if len(text) <= 200 else text[:199] + "…"
        hits.append(
            Hit(
                doc_id=doc_id,
                paragraph=1,
                score=0.0,
                text=text,
                snippet=[(snippet, False)],
                spans=[],
                title=meta.get("title", ""),
                author=meta.get("author", ""),
                outlet=meta.get("outlet", ""),
                published=meta.get("published", ""),
                language=meta.get("language", ""),
                match="document",
            )
        )
    return hits


def grouped_search(lib, query: str, limit: int, exact: bool = False) -> SearchResult:
    """The documents a query finds (at most `limit`), best first, as one list of hits: each document's best passages
    in a row, each hit saying why its document matched (Library.search_documents; `npf search --by-doc`)."""
    found = lib.search_documents(query, limit=limit, exact=exact)
    hits = []
    for group in found.documents:
        for hit in group.hits:
            hit.match = group.match
            hits.append(hit)
    notice = " ".join(part for part in (found.notice, f"grouped by document: {found.total} documents") if part)
    return SearchResult(
        query=query, expanded=found.expanded, total=len(hits), took_ms=found.took_ms, hits=hits, notice=notice
    )


def filtered_search(
    lib, query: str, corpus_dir, limit: int, by_doc: bool = False, exact: bool = False
) -> tuple[SearchResult, dict[str, DocState]]:
    """Search `query` with its `status:`/`tag:` terms applied to the hits; also every document's state (for the
    result list's markers). Without such terms this is lib.search plus one read of the states (~0.5 ms). `by_doc`
    groups the hits by document (grouped_search)."""
    base, doc_filter = split_doc_filters(query)
    states = AnnotationStore.for_corpus(corpus_dir).doc_states()
    if not doc_filter:
        found = grouped_search(lib, query, limit, exact) if by_doc else lib.search(query, limit=limit, exact=exact)
        return found, states
    allowed = doc_filter.allowed(states)
    if not base:
        hits = document_hits(lib, allowed)
        notice = f"documents with {doc_filter.describe()} (add words to search inside them)"
        return SearchResult(query=query, expanded=[], total=len(hits), took_ms=0.0, hits=hits, notice=notice), states
    if by_doc:
        result = grouped_search(lib, base, FILTERED_LIMIT, exact)
    else:
        result = lib.search(base, limit=FILTERED_LIMIT, exact=exact)
    hits = [hit for hit in result.hits if hit.doc_id in allowed]
    result.query = query
    result.notice = " ".join(part for part in (result.notice, f"only documents with {doc_filter.describe()}") if part)
    result.total = len(hits)
    result.hits = hits[:limit]
    return result, states
