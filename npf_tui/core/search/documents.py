"""Document-level matching: title/author/outlet words count in a plain query, and a query whose words are spread
over a document (no one passage holds them all) still finds that document, shown with its best passages.

The index is per paragraph. Three tiers, in this order (a passage-level hit always ranks above the tiers below):

1. "passage" — one passage holds every required word (today's search). A passage of a document whose title, author or
   outlet holds a query word gets that word counted too (`META_BOOST` added: boosted, never required).
2. "metadata" — a passage holds the required words only once the document's title/author/outlet words count
   (`npf search Rainey` finds the passages of Rainey's article; `Hungarian art exhibition Chongqing` those of the
   document with that title).
3. "document" — no passage does, but the document does: the query is evaluated over documents (And = every part in
   some passage of the document or in its metadata, Or = either, a `-word` exclusion drops documents holding the word
   anywhere; phrases still have to stand together in one passage; field filters keep their documents). Each such
   document is shown with the fewest passages that together hold the most query parts (greedy cover, best first).

Tier 3 runs in a list of passages (`Library.search`) only when tiers 1–2 found nothing — a passage list stays a
list of passages holding the words whenever there are any —, and in a list of documents (`search_documents`,
`npf search --by-doc`) whenever tiers 1–2 do not fill it. So a query with passage hits costs what it did; the
per-passage → document map tier 3 needs is read once per index generation from the doc_id postings.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from whoosh import query as Q

from npf_tui.core.models import Hit
from npf_tui.core.search.ranking import BlockRanker, Unsupported, _top
from npf_tui.core.text.analysis import stem
from npf_tui.core.text.textnorm import RUN_RE, normalize

#: Score added to a passage for each query word its document's title/author/outlet holds. A whole-word body match
#: scores ~10–35 (BM25 × WORD_BOOST on the 20 MB corpus), so this lifts a document's passages among equals without
#: letting a title word outweigh the words of the passage itself.
META_BOOST = 4.0
#: A word in more titles/authors/outlets than this says little about any one document (`Debian` in the outlet of
#: every page of the 20 MB corpus): not counted.
MAX_META_DOCS = 50
#: At most this many passages shown per document (document-level and grouped results).
PER_DOCUMENT = 3

MATCH_WHY = {
    "passage": "all words in one passage",
    "metadata": "title/author words",
    "document": "words spread over the document",
}
META_FIELDS = ("title", "author", "outlet")


class MetaIndex:
    """The words of each document's title, author and outlet: English stemmed as the passage text is, Chinese by
    characters and bigrams (any substring is found). Built from the catalog (no file is read), and lazily: only the
    typed words are looked up, in one folded text of every document's metadata.

    Stemming every word of every title up front cost 0.20 s of each cold `npf search` at 100 MB (9,661 documents;
    cProfile, docs/scaling.md). A Porter stem only rewrites a word's end, so all but its last letter are the start
    of the word: a regular-expression scan for that start finds the few documents that can hold the term, and only
    their words are stemmed (a few ms a word).
    """

    def __init__(self, catalog: dict[str, dict]):
        ids: list[str] = []
        texts: list[str] = []
        for doc_id, meta in catalog.items():
            # An ASCII separator keeps most documents' metadata ASCII, which folds ~10× faster (textnorm.normalize).
            text = " | ".join(str(meta.get(f) or "") for f in META_FIELDS)
            if text.strip(" |"):
                ids.append(doc_id)
                texts.append(text.replace("\n", " "))
        self._ids = ids
        # One text, a newline between documents: normalize keeps every offset (one character in, one out), so each
        # document's folded metadata is a slice of it. Folded document by document, the ASCII ones take
        # normalize's fast path: 84 against 173 ms for the 45,797 documents of 300 MB in one call.
        self._blob = "\n".join(map(normalize, texts))
        self._starts: list[int] = []
        at = 0
        for text in texts:
            self._starts.append(at)
            at += len(text) + 1
        self._terms: dict[str, set[str]] = {}
        self._grams: dict[str, set[str]] = {}
        self._sequences: dict[str, list[str]] = {}
        self._index = {doc_id: n for n, doc_id in enumerate(ids)}

    def folded(self, doc_id: str) -> str:
        """A document's title, author and outlet, folded as the search folds text."""
        n = self._index[doc_id]
        end = self._starts[n + 1] - 1 if n + 1 < len(self._starts) else len(self._blob)
        return self._blob[self._starts[n] : end]

    def _holding_cached(self, piece: str) -> set[str]:
        """`_holding`, kept for the process (the reader asks the same pieces at every keystroke)."""
        found = self._grams.get(piece)
        if found is None:
            found = self._grams[piece] = self._holding(piece)
        return found

    def _holding(self, piece: str) -> set[str]:
        """The documents whose folded metadata contains `piece`."""
        out: set[str] = set()
        for match in re.finditer(re.escape(piece), self._blob):
            out.add(self._ids[bisect.bisect_right(self._starts, match.start()) - 1])
        return out

    def _sequence(self, doc_id: str) -> list[str]:
        """A document's metadata as words-field terms, in order (stemmed once, then kept)."""
        seq = self._sequences.get(doc_id)
        if seq is None:
            seq = self._sequences[doc_id] = _latin_terms(self.folded(doc_id))
        return seq

    def term_documents(self, term: str) -> set[str]:
        """The documents whose title/author/outlet hold the words-field term `term` (a stem)."""
        found = self._terms.get(term)
        if found is None:
            start = term[:-1] if len(term) > 1 else term
            found = {d for d in self._holding_cached(start) if term in self._sequence(d)} if start else set()
            self._terms[term] = found
        return found

    def gram_documents(self, gram: str) -> set[str]:
        """The documents whose title/author/outlet hold a Chinese character or bigram."""
        return self._holding_cached(gram)

    def documents(self, raw: str) -> set[str]:
        """Documents whose title/author/outlet hold a typed word or phrase: its English words in order, its Chinese
        runs as substrings (empty when none, or when too many do to say anything)."""
        norm = normalize(raw)
        runs = list(RUN_RE.finditer(norm))
        if not runs:
            return set()
        latin = _latin_terms(norm)
        han = [r.group() for r in runs if r.lastgroup == "han"]
        if not latin and not han:
            return set()
        # The documents that can hold every piece (a term's start, a Chinese bigram), then the terms verified by
        # their stems: a common word ('debian', every man page's outlet) is only stemmed where the rare ones are.
        docs: set[str] | None = None
        for piece in [t[:-1] if len(t) > 1 else t for t in latin] + _grams(han):
            have = self._holding_cached(piece)
            docs = set(have) if docs is None else docs & have
            if not docs:
                return set()
        assert docs is not None
        for term in latin:
            if term in self._terms:
                docs &= self._terms[term]
            else:
                docs = {d for d in docs if term in self._sequence(d)}
        if len(latin) > 1:
            docs = {d for d in docs if _contains(self._sequence(d), latin)}
        if han:
            docs = {d for d in docs if all(h in self.folded(d) for h in han)}
        return docs if len(docs) <= MAX_META_DOCS else set()


def _latin_terms(folded: str) -> list[str]:
    """The words-field terms of the non-Chinese words of a folded text (stemmed as word_tokens stems them). Chinese is
    matched by bigrams instead of jieba words, so building the index never loads jieba (~150 ms of a cold `npf
    search Rainey`)."""
    return [stem(m.group()) for m in RUN_RE.finditer(folded) if m.lastgroup == "word"]


def without_meta(q):
    """The query as compiled without counting title/author/outlet words: `q` with the alternatives
    `QueryCompiler(count_meta=True)` added (doc_id terms boosted by META_BOOST; filters are never so boosted) taken
    out. One compile serves both forms: compiling costs up to ~35 ms with dictionary expansion (`file`, 20 MB)."""
    if _is_meta(q):
        return Q.NullQuery
    if isinstance(q, Q.BinaryQuery):  # AndNot and the like (a CompoundQuery too, but of exactly a and b)
        copy = q.copy()
        copy.a, copy.b = without_meta(q.a), without_meta(q.b)
        copy.subqueries = (copy.a, copy.b)
        return copy
    if isinstance(q, Q.CompoundQuery):
        kids = [without_meta(sub) for sub in q.subqueries if not _is_meta(sub)]
        if len(kids) == 1 and type(q) in (Q.Or, Q.DisjunctionMax) and q.boost == 1.0:
            return kids[0]
        copy = q.copy()
        copy.subqueries = kids
        return copy
    if isinstance(q, Q.Not):
        copy = q.copy()
        copy.query = without_meta(q.query)
        return copy
    return q.apply(without_meta)


def _is_meta(q) -> bool:
    """Whether a node is one of the alternatives that count a document's title/author/outlet words."""
    if type(q) is Q.Term:
        return q.fieldname == "doc_id" and q.boost == META_BOOST
    if type(q) is Q.Or and q.subqueries:
        return all(type(t) is Q.Term and t.fieldname == "doc_id" for t in q.subqueries) and (
            q.boost == META_BOOST or all(t.boost == META_BOOST for t in q.subqueries)
        )
    return False


def _grams(runs: list[str]) -> list[str]:
    """The bigrams of Chinese runs (a one-character run: the character)."""
    return [run if len(run) == 1 else run[i : i + 2] for run in runs for i in range(max(1, len(run) - 1))]


def _contains(seq: list[str], part: list[str]) -> bool:
    """Whether `part` occurs in `seq` as consecutive items."""
    n = len(part)
    return any(seq[i : i + n] == part for i in range(len(seq) - n + 1))


@dataclass
class Found:
    """One ranked passage (global passage number), with the tier it matched in."""

    score: float
    docnum: int
    match: str  # "passage", "metadata" or "document"


@dataclass
class Group:
    """One document of a grouped result: its tier, score (its best passage's) and best passages."""

    doc_id: str
    match: str
    score: float
    passages: list[Found] = field(default_factory=list)


@dataclass
class Tiered:
    """What `rank_tiers` found: the passages (flat) or documents (grouped) best first, and the counts."""

    found: list[Found]
    groups: list[Group]
    passages: int  # passages matching in tiers 1–2
    documents: int  # documents matching only at document level (tier 3; 0 when that tier was not needed)
    grouped: int = 0  # by_doc: documents with passages matching in tiers 1–2


def rank_tiers(
    ranker: BlockRanker,
    pure,
    with_meta=None,
    meta_docs: set[str] | frozenset[str] = frozenset(),
    limit: int = 10,
    by_doc: bool = False,
    spread: bool = True,
) -> Tiered | None:
    """Rank a compiled query in the three tiers (see the module docstring). `pure` is the query as compiled,
    `with_meta` the same with title/author/outlet words counted (None when no word is in any), `meta_docs` the
    documents whose metadata holds some query word. `limit` counts passages, or documents when `by_doc`. None when
    the block ranker cannot evaluate the query (Whoosh searches)."""
    with ranker.session():
        pure_scores = ranker.scores(pure)
        if pure_scores is None:
            return None
        tier1, tier2 = pure_scores, {}
        if with_meta is not None and meta_docs:
            # Counting metadata words changes only the passages of the documents holding them: the query is
            # evaluated over those alone ("file" on the 20 MB corpus: 15 documents' passages, not 14,000 passages).
            # A document that already has a passage holding every word shows that passage (boosted); its other
            # passages are not added as metadata matches, so they do not crowd the list.
            within: set[int] = set()
            crowded: set[int] = set()
            for doc_id in sorted(meta_docs):
                # Boosted as in the compiled query, so that query's evaluation finds these postings read already.
                own = ranker.scores(Q.Term("doc_id", doc_id, boost=META_BOOST)) or {}
                within.update(own)
                if any(d in pure_scores for d in own):
                    crowded.update(own)
            meta_scores = ranker.scores(with_meta, within=frozenset(within)) if within else {}
            if meta_scores is not None:
                boosted = {d: v for d, v in meta_scores.items() if d in pure_scores}
                tier2 = {d: v for d, v in meta_scores.items() if d not in pure_scores and d not in crowded}
                if boosted:
                    tier1 = {**pure_scores, **boosted}
            else:
                with_meta = None
        if with_meta is None:
            with_meta = pure
        passages = len(tier1) + len(tier2)
        if not by_doc:
            found = [Found(s, d, "passage") for s, d in _top(tier1, limit)]
            if len(found) < limit:
                found += [Found(s, d, "metadata") for s, d in _top(tier2, limit - len(found))]
            documents = 0
            if not found and spread:
                # A list of passages stays a list of passages holding the words, as long as there are any; only
                # when none does are the documents holding them shown (grouped results fill up with them).
                groups, documents = _document_level(ranker, with_meta, set(), limit)
                for group in groups:
                    found.extend(group.passages[: limit - len(found)])
            return Tiered(found, [], passages, documents)
        groups, in_passages = _group(ranker, tier1, "passage", limit)
        more, in_meta = _group(ranker, tier2, "metadata", max(0, limit - len(groups)), in_passages)
        groups += more
        documents = 0
        if len(groups) < limit and spread:
            spread_groups, documents = _document_level(ranker, with_meta, in_passages | in_meta, limit - len(groups))
            groups += spread_groups
        return Tiered([p for g in groups for p in g.passages], groups, passages, documents, len(in_passages | in_meta))


def _group(
    ranker: BlockRanker, scores: dict[int, float], match: str, limit: int, skip: set[str] | frozenset = frozenset()
) -> tuple[list[Group], set[str]]:
    """(the best `limit` documents of these passages — not in `skip` — ranked by their best passage, with at most
    PER_DOCUMENT passages each; every document they hold)."""
    if not scores:
        return [], set()
    doc_of = ranker.doc_of()
    by_doc: dict[str, list[tuple[float, int]]] = {}
    for d, s in scores.items():
        doc_id = doc_of[d]
        if doc_id not in skip:
            by_doc.setdefault(doc_id, []).append((s, d))
    best = sorted(by_doc.items(), key=lambda item: (-max(s for s, _ in item[1]), item[0]))[:limit]
    groups = []
    for doc_id, items in best:
        items.sort(key=lambda item: (-item[0], item[1]))
        top = items[:PER_DOCUMENT]
        groups.append(Group(doc_id, match, top[0][0], [Found(s, d, match) for s, d in top]))
    return groups, set(by_doc)


def _document_level(ranker: BlockRanker, q, skip: set[str], limit: int) -> tuple[list[Group], int]:
    """(the best `limit` documents that satisfy the query only taken as a whole — not in `skip` — each with its best
    passages: the fewest that together hold the most query parts; how many documents do)."""
    try:
        docs = _doc_scores(ranker, q)
    except Unsupported:
        return [], 0
    ranked = sorted(((s, d) for d, s in docs.items() if d not in skip), key=lambda item: (-item[0], item[1]))
    count = len(ranked)
    ranked = ranked[:limit]
    if not ranked:
        return [], count
    wanted = {d for _, d in ranked}
    doc_of = ranker.doc_of()
    clauses = _clauses(q)
    # passage -> (parts it holds, summed score) for the passages of the wanted documents
    cover: dict[int, tuple[set[int], float]] = {}
    for k, clause in enumerate(clauses):
        scores = ranker.scores(clause)
        if scores is None:
            continue
        for d, s in scores.items():
            if doc_of[d] in wanted:
                parts, total = cover.get(d, (set(), 0.0))
                parts.add(k)
                cover[d] = (parts, total + s)
    per_doc: dict[str, dict[int, tuple[set[int], float]]] = {}
    for d, value in cover.items():
        per_doc.setdefault(doc_of[d], {})[d] = value
    groups = []
    for score, doc_id in ranked:
        candidates = per_doc.get(doc_id, {})
        uncovered = set(range(len(clauses)))
        chosen: list[Found] = []
        while candidates and uncovered and len(chosen) < PER_DOCUMENT:
            best = max(candidates, key=lambda d: (len(candidates[d][0] & uncovered), candidates[d][1], -d))
            parts, total = candidates.pop(best)
            if not parts & uncovered:
                break
            uncovered -= parts
            chosen.append(Found(total, best, "document"))
        if chosen:
            groups.append(Group(doc_id, "document", score, chosen))
    return groups, count


def _clauses(q) -> list:
    """The positive parts of a query's top-level And (the query itself when it is no And)."""
    while isinstance(q, Q.CompoundQuery) and len(q.subqueries) == 1:
        q = q.subqueries[0]
    if type(q) is Q.And:
        return [sub for sub in q.subqueries if type(sub) is not Q.Not]
    if type(q) is Q.AndNot:
        return _clauses(q.a)
    return [q]


def _doc_scores(ranker: BlockRanker, q) -> dict[str, float]:
    """The query evaluated over documents: {doc_id: score}. And needs each part somewhere in the document, a negated
    part drops every document holding it, Or takes either; a leaf (word, phrase, filter) is what its passages hold,
    scored by its best passage."""
    kind = type(q)
    if isinstance(q, Q.CompoundQuery) and len(q.subqueries) == 1 and kind in (Q.Or, Q.And, Q.DisjunctionMax):
        return _doc_scores(ranker, q.subqueries[0])
    if kind is Q.And:
        positive = [sub for sub in q.subqueries if type(sub) is not Q.Not]
        negative = [sub.query for sub in q.subqueries if type(sub) is Q.Not]
        if not positive:
            raise Unsupported("And of negations only")
        parts = sorted((_doc_scores(ranker, sub) for sub in positive), key=len)
        keys = set(parts[0]).intersection(*parts[1:])
        out = {d: sum(p[d] for p in parts) for d in keys}
        for sub in negative:
            for d in _doc_scores(ranker, sub):
                out.pop(d, None)
        return out
    if kind is Q.AndNot:
        out = dict(_doc_scores(ranker, q.a))
        for d in _doc_scores(ranker, q.b):
            out.pop(d, None)
        return out
    if kind in (Q.Or, Q.DisjunctionMax):
        out = {}
        for sub in q.subqueries:
            for d, s in _doc_scores(ranker, sub).items():
                out[d] = max(out.get(d, 0.0), s) if kind is Q.DisjunctionMax else out.get(d, 0.0) + s
        return out
    scores = ranker.scores(q)
    if scores is None:
        raise Unsupported(kind.__name__)
    doc_of = ranker.doc_of()
    best: dict[str, float] = {}
    for docnum, score in scores.items():
        doc_id = doc_of[docnum]
        if score > best.get(doc_id, -1.0):
            best[doc_id] = score
    return best


def why(match: str) -> str:
    """Why a hit or document matched, in words ("all words in one passage", …)."""
    return MATCH_WHY.get(match, match)


@dataclass
class DocumentHits:
    """One document of a grouped search: its metadata, why it matched, its score and best passages (best first)."""

    doc_id: str
    match: str  # "passage", "metadata" or "document"
    score: float
    hits: list[Hit]
    title: str = ""
    author: str = ""
    outlet: str = ""
    published: str = ""

    @property
    def why(self) -> str:
        """Why it matched, in words."""
        return why(self.match)


@dataclass
class DocumentSearchResult:
    """The answer to a query grouped by document (`Library.search_documents`, `npf search --by-doc`)."""

    query: str
    expanded: list[str]
    total: int  # documents matching (all three tiers)
    took_ms: float
    documents: list[DocumentHits]
    notice: str = ""


__all__ = [
    "MetaIndex",
    "Group",
    "Found",
    "Tiered",
    "rank_tiers",
    "without_meta",
    "why",
    "DocumentHits",
    "DocumentSearchResult",
    "META_BOOST",
    "PER_DOCUMENT",
]
