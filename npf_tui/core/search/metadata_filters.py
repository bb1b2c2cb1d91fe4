"""Filters on document metadata: author:, outlet:, title:, published: and doc: answered from the catalog of documents.

Metadata is not indexed per passage (it would repeat a title's words in every paragraph): a filter becomes "one of
these doc_ids", decided document by document from the catalog the library keeps (doc_id -> metadata).
"""

from __future__ import annotations

import re

from whoosh import query as Q

from npf_tui.core.errors import QuerySyntaxError
from npf_tui.core.text.analysis import plain_words
from npf_tui.core.text.textnorm import normalize

DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def plain_tokens(text: str) -> list[str]:
    """Folded words of a metadata value (no stemming), as the metadata filters compare them."""
    return [word for word, _, _ in plain_words(text)]


class MetadataFilters:
    """The metadata filters of one query, over one catalog of documents."""

    def __init__(self, catalog: dict[str, dict]) -> None:
        self.catalog = catalog

    def documents(self, keep) -> Q.Query:
        """Passages of the documents whose metadata satisfies `keep` (a query matching nothing if none does)."""
        return self.doc_ids(sorted(doc_id for doc_id, meta in self.catalog.items() if keep(meta)))

    @staticmethod
    def doc_ids(ids: list[str]) -> Q.Query:
        """Passages of these documents (a query matching nothing if there are none)."""
        if not ids:
            return Q.Term("doc_id", "\x00no-document")
        return Q.Or([Q.Term("doc_id", doc_id) for doc_id in ids]) if len(ids) > 1 else Q.Term("doc_id", ids[0])

    def published_within(self, raw: str) -> Q.Query:
        """published:2024 or published:2024-05 — documents dated within that year, month or day."""
        if not DATE_RE.match(raw):
            raise QuerySyntaxError(f"published:{raw} is not a date (use YYYY, YYYY-MM or YYYY-MM-DD)")
        return self.documents(lambda meta: meta.get("published", "").startswith(raw))

    def words(self, fieldname: str, raw: str, prefix: bool = False):
        """author:/outlet:/title: their words in order (`outlet:"global times"`), case and script folded."""
        words = plain_tokens(raw)
        if not words:
            return None

        def keep(meta: dict) -> bool:
            have = plain_tokens(meta.get(fieldname, ""))
            n = len(words)
            for i in range(len(have) - n + 1):
                if have[i : i + n - 1] == words[:-1] and (
                    have[i + n - 1].startswith(words[-1]) if prefix else have[i + n - 1] == words[-1]
                ):
                    return True
            return False

        return self.documents(keep)

    def date_range(self, fieldname, q: Q.TermRange):
        """published:[2024-01 TO 2024-06] — inclusive on whole months/years; other fields do not take ranges."""
        if fieldname != "published":
            raise QuerySyntaxError(f"ranges work on published: only (not {fieldname}:)")
        for bound in (q.start, q.end):
            if bound and not DATE_RE.match(bound):
                raise QuerySyntaxError(f"'{bound}' is not a date (use YYYY, YYYY-MM or YYYY-MM-DD)")
        start, end = q.start or "", q.end or ""

        def keep(meta: dict) -> bool:
            # ISO dates compare as text; a bound that is a whole year or month covers every day in it.
            date = meta.get("published", "")
            if not date:
                return False  # an undated document is in no date range
            if start:
                if q.startexcl and (date.startswith(start) or date < start):
                    return False
                if not q.startexcl and date < start:
                    return False
            if end:
                within = date.startswith(end)
                if q.endexcl and (within or date > end):
                    return False
                if not q.endexcl and date > end and not within:
                    return False
            return True

        return self.documents(keep)

    def pattern(self, fieldname: str, raw: str) -> Q.Query:
        """A wildcard on a metadata field: its word patterns (`*` any letters, `?` one) matching consecutive words
        of the value, folded as everywhere (case, width, Traditional/Simplified)."""
        patterns = [
            re.compile(".*".join(".".join(re.escape(p) for p in part.split("?")) for part in word.split("*")))
            for word in re.findall(r"[\w*?]+", normalize(raw))
        ]
        n = len(patterns)

        def keep(meta: dict) -> bool:
            have = re.findall(r"\w+", normalize(meta.get(fieldname, "")))
            return any(
                all(pattern.fullmatch(word) for pattern, word in zip(patterns, have[i : i + n], strict=True))
                for i in range(len(have) - n + 1)
            )

        return self.documents(keep)
