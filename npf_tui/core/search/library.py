"""The one object the CLI and the UI hold: a corpus plus its up-to-date index, with search and look-up."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from npf_tui.core.errors import DocumentNotFound, IndexError_, NpfError, QuerySyntaxError
from npf_tui.core.glossary import BilingualPair, GlossaryEntry
from npf_tui.core.models import Document, Hit, SearchResult
from npf_tui.core.search import entity_sync, pinyin_map
from npf_tui.core.search.index import ensure_index, left_stale, open_whoosh
from npf_tui.core.search.manifest import DocEntry, Manifest
from npf_tui.core.sources import corpus as corpus_mod
from npf_tui.core.text.analysis import active_key, use_user_words

if TYPE_CHECKING:
    # For annotations only: Whoosh has no type information (mypy reads these as Any), the names say what is held.
    from whoosh.index import Index
    from whoosh.searching import Searcher

    from npf_tui.core.entities.store import EntityStore

    # Searching needs these; they are imported where a search first needs them, because Whoosh's query parser
    # alone costs ~45 ms of every `npf add`, `npf show` or `npf entities`, which open a library but never search.
    from npf_tui.core.search.documents import DocumentSearchResult, MetaIndex
    from npf_tui.core.search.expansions import Expansions
    from npf_tui.core.search.query import Literals, QueryCompiler
    from npf_tui.core.search.ranking import BlockRanker

#: progress(done, total, message) — called from the thread doing the work.
ProgressFn = Callable[[int, int, str], None]
MAX_LIMIT = 1_000_000  # high enough to list every hit of a big corpus (the benchmark measures recall so)
#: Grouping Whoosh's own results by document (queries the block ranker leaves to Whoosh): passages fetched per
#: document asked for.
PER_DOC_FETCH = 10


class Library:
    """An opened corpus and index. Obtain one with `Library.open`.

    Attributes: corpus_dir, index_dir, gen_dir (the live index generation: per-index stores such as entities live
    there), glossary, pairs (mined from the text), catalog (doc_id → manifest entry with metadata, cheap),
    notices (what happened while opening, e.g. "rebuilding the index: …"), stale (True when the last open or refresh
    could not update the index — read-only or full disk — so new corpus files are not searchable yet).
    """

    def __init__(self, corpus_dir: Path, index_dir: Path):
        self.corpus_dir = Path(corpus_dir)
        self.index_dir = Path(index_dir)
        self.notices: list[str] = []
        self.stale = False
        self.glossary: list[GlossaryEntry] = []
        # The generation, its manifest and its open index, set by every successful `_load`; `close` drops the
        # searcher, and a failed `_reopen` leaves gen_dir and the searcher None.
        self.gen_dir: Path | None = None
        self._manifest: Manifest | None = None
        self._ix: Index | None = None
        self._searcher: Searcher | None = None
        self._ranker: BlockRanker | None = None
        self._docs: dict[str, Document] = {}
        self._expansions: Expansions | None = None
        self._pinyin_map: pinyin_map.PinyinMap | None = None
        self._catalog_meta: dict[str, dict] = {}
        self._meta_index: MetaIndex | None = None
        self._lock = threading.RLock()
        self._closed = False
        self._stamps: dict[str, tuple[int, int]] = {}

    @classmethod
    def open(
        cls,
        corpus_dir: Path,
        index_dir: Path,
        progress: ProgressFn | None = None,
        cancel: threading.Event | None = None,
        rebuild: bool = False,
    ) -> Library:
        """Open the corpus and its index, building or incrementally updating the index first when stale."""
        lib = cls(corpus_dir, index_dir)
        lib._load(progress=progress, cancel=cancel, rebuild=rebuild)
        return lib

    def _load(self, progress=None, cancel=None, rebuild=False, listing=None) -> None:
        """(Re)open the index generation and everything derived from its manifest."""
        if self._closed:
            # A search or refresh racing a shutdown (the reader closes its library on exit) must not take a
            # closed searcher for damage and reopen — or rebuild — the index in a process that is exiting.
            raise IndexError_("the library has been closed")
        notices: list[str] = []
        gen, manifest, scan = ensure_index(
            self.corpus_dir,
            self.index_dir,
            rebuild=rebuild,
            progress=progress,
            cancel=cancel,
            notices=notices,
            listing=listing,
        )
        self.notices.extend(notices)
        # The index could not be brought up to date (read-only or full disk): it is searched as last built.
        self.stale = bool(left_stale(notices))
        with self._lock:
            ix, searcher = self._ix, self._searcher  # _ix is set whenever _searcher is
            if ix is not None and searcher is not None and gen == self.gen_dir:
                if ix.latest_generation() != searcher.reader().generation():
                    # Not Searcher.refresh(): Whoosh reuses the reader of every segment that kept its id, with the
                    # deletions it had when opened, so an edited or removed document's old passages were still found.
                    searcher.close()
                    self._searcher = ix.searcher()
            else:
                if searcher is not None:
                    searcher.close()
                self._ix = ix = open_whoosh(gen)
                self._searcher = ix.searcher()
            self.gen_dir, self._manifest, self.glossary = gen, manifest, scan.glossary
            self._userdict = scan.userdict
            self._userdict_key = use_user_words(scan.userdict)
            self._stamps = self._file_stamps()
            self._docs = {k: v for k, v in self._docs.items() if k in manifest.docs and self._docs_fresh(k)}
            self._expansions = None
            self._pinyin_map = None
            self._catalog_meta = {doc_id: entry.meta for doc_id, entry in manifest.docs.items()}
            self._meta_index = None

    def _docs_fresh(self, doc_id: str) -> bool:
        """A cached Document is still what the manifest indexed."""
        doc = self._docs[doc_id]
        entry = self.catalog[doc_id]
        return doc.path is not None and doc.path.name == entry.file and len(doc.paragraphs) == entry.paragraphs

    def close(self) -> None:
        """Release the index files; the library cannot search or refresh afterwards."""
        with self._lock:
            self._closed = True
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None

    def _not_open(self) -> IndexError_:
        """The error for needing what only an opened library has: it was closed, never loaded, or a failed reopen
        left no generation open."""
        return IndexError_("the library has been closed" if self._closed else "the library is not open")

    def _open_manifest(self) -> Manifest:
        """The manifest of the generation last loaded (kept after `close`: the catalog stays readable)."""
        if self._manifest is None:
            raise self._not_open()
        return self._manifest

    def _open_gen_dir(self) -> Path:
        """The folder of the open generation."""
        if self.gen_dir is None:
            raise self._not_open()
        return self.gen_dir

    def _open_searcher(self) -> Searcher:
        """The searcher of the open generation."""
        if self._searcher is None:
            raise self._not_open()
        return self._searcher

    # -- documents ------------------------------------------------------------------------------------------
    @property
    def catalog(self) -> dict[str, DocEntry]:
        """Indexed documents by id: metadata and paragraph counts, without reading the files."""
        return self._open_manifest().docs

    @property
    def documents(self) -> list[Document]:
        """All documents, sorted by id (read from the corpus files on first use)."""
        return [self.document(doc_id) for doc_id in sorted(self.catalog)]

    def document(self, ref: str) -> Document:
        """The document with id `ref` (or a unique id prefix, or its 1-based number in sorted order)."""
        catalog = self.catalog
        ids = sorted(catalog)
        if ref not in catalog:
            if ref.isdigit() and 1 <= int(ref) <= len(ids):
                ref = ids[int(ref) - 1]
            else:
                matches = [i for i in ids if i.startswith(ref)]
                if len(matches) != 1:
                    if matches:
                        raise DocumentNotFound(f"'{ref}' matches several documents: {', '.join(matches[:5])}")
                    raise DocumentNotFound(f"no document '{ref}' (see 'npf docs')")
                ref = matches[0]
        doc = self._docs.get(ref)
        if doc is None:
            entry = catalog[ref]
            doc = corpus_mod.load_document(self.corpus_dir / entry.file)
            self._docs[ref] = doc
        return doc

    @property
    def pairs(self) -> list[BilingualPair]:
        """Bilingual pairs the corpus text gives, `English (中文)` and the like."""
        return [
            BilingualPair(en, zh, doc_id, para)
            for doc_id, entry in sorted(self.catalog.items())
            for en, zh, para in entry.pairs
        ]

    # -- entities -------------------------------------------------------------------------------------------------
    def entity_store(self, cancel: threading.Event | None = None, catch_up: bool = True) -> EntityStore:
        """The entity store of the open generation. With `catch_up` it is first brought up to date with the documents
        synced since it was last updated (a sync leaves that to whoever asks for entities: entity_sync.py); an index
        that cannot be written now (read-only, or another process holding it) gives the store as it is, and a
        notice."""
        from npf_tui.core.entities.store import load_entity_store

        gen = self._open_gen_dir()
        if catch_up and entity_sync.is_pending(gen):
            try:
                entity_sync.catch_up(self.corpus_dir, self.index_dir, cancel=cancel)
            except (OSError, IndexError_) as exc:
                self.notices.append(f"the entities are not up to date with the latest documents ({exc})")
        return load_entity_store(gen)

    @property
    def entities_pending(self) -> bool:
        """Whether documents were synced since the entity store was last brought up to date."""
        return self.gen_dir is not None and entity_sync.is_pending(self.gen_dir)

    def expansions(self) -> Expansions:
        """Cross-language equivalents: glossary entries plus mined pairs."""
        if self._expansions is None:
            from npf_tui.core.glossary import trusted_pairs
            from npf_tui.core.search.expansions import Expansions, open_dictionary

            groups = [entry.names() for entry in self.glossary]
            groups += [[p.en, p.zh] for p in trusted_pairs(self.pairs)]  # evidence first (docs/search.md)
            dictionary = open_dictionary(self.gen_dir, lambda: pinyin_map.corpus_bigrams(self._pinyin()))
            self._expansions = Expansions(groups, dictionary)
        return self._expansions

    # -- search -----------------------------------------------------------------------------------------------
    def compile(self, query: str, exact: bool = False):
        """The compiled form of a query (its Whoosh query, highlight literals and expansions)."""
        with self._lock:
            self._use_own_dictionary()
            return self._compiler(exact).compile(query)

    def _compiler(self, exact: bool, count_meta: bool = False) -> QueryCompiler:
        """A query compiler over the current searcher, expansions and pinyin map; `count_meta`: typed words that a
        document's title/author/outlet holds also match its passages (search/documents.py)."""
        from npf_tui.core.search.query import QueryCompiler

        return QueryCompiler(
            self._searcher,
            self.expansions(),
            exact=exact,
            pinyin_map=self._pinyin,
            catalog=self._catalog_meta,
            meta=self._meta(),
            count_meta=count_meta,
            passages=self._passages,
            count=self._count,
        )

    def _count(self, q) -> int:
        """How many passages a query matches: the block ranker's evaluation, else Whoosh's."""
        scores = self._block_ranker().scores(q)
        return len(scores) if scores is not None else sum(1 for _ in q.docs(self._open_searcher()))

    def _passages(self, term: str):
        """The passages holding a `words` term, from the block ranker's cache (the ranking reads them anyway, with
        the boost every `words` term of a compiled query has)."""
        from npf_tui.core.search.query import WORD_BOOST

        return self._block_ranker().passages("words", term, WORD_BOOST)

    def _meta(self) -> MetaIndex:
        """The words of the documents' titles, authors and outlets (built from the catalog on first search)."""
        if self._meta_index is None:
            from npf_tui.core.search.documents import MetaIndex

            self._meta_index = MetaIndex(self._catalog_meta)
        return self._meta_index

    def _pinyin(self) -> pinyin_map.PinyinMap:
        """The generation's pinyin map, read on the first query that types pinyin (and kept: it is small)."""
        if self._pinyin_map is None:
            # No generation open (a failed reopen): no pinyin, as with a missing map — compiling still works.
            self._pinyin_map = pinyin_map.load(self.gen_dir) if self.gen_dir is not None else {}
        return self._pinyin_map

    def _use_own_dictionary(self) -> None:
        """Queries must be segmented with the user dictionary this index was built with; another Library in the
        same process (another corpus) may have switched the process-wide segmenter."""
        if active_key() != self._userdict_key:
            use_user_words(self._userdict)

    def search(self, query: str, limit: int = 10, exact: bool = False, spread: bool = True) -> SearchResult:
        """Ranked passages for a query (see the README's query language); `exact` turns off cross-language expansion.

        Passages holding every word come first ("passage"), then those that do once their document's title, author
        and outlet words count ("metadata"); when there are none and `spread`, the best passages of the documents
        holding the words spread over several passages ("document"). Each hit says which."""
        started = time.perf_counter()
        compiled, total, hits, _, notice = self._search(query, limit, exact, by_doc=False, spread=spread)
        took = (time.perf_counter() - started) * 1000
        return SearchResult(
            query=query, expanded=compiled.expanded, total=total, took_ms=round(took, 2), hits=hits, notice=notice
        )

    def search_documents(
        self, query: str, limit: int = 10, exact: bool = False, spread: bool = True
    ) -> DocumentSearchResult:
        """The documents a query finds (at most `limit`), best first, each with its best passages and why it matched:
        all words in one passage, with its title/author words, or words spread over the document."""
        from npf_tui.core.search.documents import DocumentHits, DocumentSearchResult

        started = time.perf_counter()
        compiled, total, hits, groups, notice = self._search(query, limit, exact, by_doc=True, spread=spread)
        catalog = self.catalog
        documents = []
        at = 0
        for doc_id, match, score, count in groups:
            meta = catalog[doc_id].meta if doc_id in catalog else {}
            documents.append(
                DocumentHits(
                    doc_id=doc_id,
                    match=match,
                    score=round(float(score), 4),
                    hits=hits[at : at + count],
                    title=meta.get("title", ""),
                    author=meta.get("author", ""),
                    outlet=meta.get("outlet", ""),
                    published=meta.get("published", ""),
                )
            )
            at += count
        took = (time.perf_counter() - started) * 1000
        return DocumentSearchResult(
            query=query,
            expanded=compiled.expanded,
            total=total,
            took_ms=round(took, 2),
            documents=documents,
            notice=notice,
        )

    def _search(self, query: str, limit: int, exact: bool, by_doc: bool, spread: bool):
        """(compiled query, total, hits, groups as (doc_id, match, score, number of its hits), notice): the work of
        `search` and `search_documents`."""
        limit = max(1, min(int(limit), MAX_LIMIT))
        groups: list[tuple[str, str, float, int]] = []
        with self._lock:
            if self._closed:
                raise IndexError_("the library has been closed")
            self._use_own_dictionary()
            notice = ""
            if self._file_stamps() != self._stamps:
                # Another process changed the open generation (an update: fine; damage: caught by the check on
                # reopening, never searched blindly). A few stat calls per search.
                notice = "; ".join(self._reopen())
            # Damage the open-time check cannot see (a segment changed after we opened it, a generation deleted
            # under a long-running reader) makes Whoosh raise from deep inside. Recover instead of a traceback:
            # first reopen the live generation (re-checked, rebuilt if damaged), then force a rebuild, then give up
            # with one clear line. Problems of the query itself are NpfErrors and pass straight through; an
            # unexpected failure while compiling the query on an index that checks out healthy is the query's
            # (a parser fault), reported as a query error rather than "repaired" by rebuilding.
            for attempt in range(3):
                stage = "compile"
                try:
                    compiler = self._compiler(exact, count_meta=True)
                    compiled = compiler.compile(query)
                    pure, with_meta = compiled.query, None
                    if compiler.meta_words:
                        # A typed word is in some title/author/outlet (most queries: none): the query as compiled
                        # counts it; the query without those alternatives decides what is a one-passage match.
                        from npf_tui.core.search.documents import without_meta

                        pure, with_meta = without_meta(compiled.query), compiled.query
                    stage = "search"
                    total, ranked, groups = self._rank_tiers(pure, with_meta, compiler.meta_docs, limit, by_doc, spread)
                    catalog = self.catalog
                    hits = [
                        self._hit(stored, score, compiled.literals, catalog, match) for score, stored, match in ranked
                    ]
                    break
                except NpfError:
                    raise
                except Exception as exc:  # noqa: BLE001 - see above
                    what = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
                    if stage == "compile" and attempt == 0 and self._index_checks_out():
                        raise QuerySyntaxError(f"this query cannot be searched ({what}); try plain words") from None
                    if attempt == 2:
                        raise IndexError_(
                            f"the index in {self.index_dir} cannot be searched ({what}); try 'npf index --rebuild'"
                        ) from None
                    self._reopen(rebuild=attempt == 1)
                    notice = "the index was damaged and has been rebuilt"
        notice = "; ".join(n for n in (compiled.notice, notice) if n)
        return compiled, total, hits, groups, notice

    def _rank_tiers(self, q, with_meta, meta_docs: set[str], limit: int, by_doc: bool, spread: bool):
        """(total, [(score, stored fields, match kind)] best first, groups) in the three tiers of search/documents.py;
        a query the block ranker cannot evaluate (prefixes, wildcards) is searched by Whoosh, passages only (grouped
        afterwards when `by_doc`)."""
        from npf_tui.core.search.documents import rank_tiers

        searcher = self._open_searcher()
        ranker = self._block_ranker()
        tiered = rank_tiers(ranker, q, with_meta, meta_docs, limit, by_doc=by_doc, spread=spread)
        if tiered is None:
            total, ranked = self._rank(q, limit * (PER_DOC_FETCH if by_doc else 1))
            rows = [(score, stored, "passage") for score, stored in ranked]
            if not by_doc:
                return total, rows, []
            order: dict[str, list] = {}
            for row in rows:
                order.setdefault(row[1]["doc_id"], []).append(row)
            picked = list(order.items())[:limit]
            groups = [(doc_id, "passage", rs[0][0], min(len(rs), 3)) for doc_id, rs in picked]
            return len(order), [r for _, rs in picked for r in rs[:3]], groups
        stored = searcher.stored_fields
        rows = [(f.score, stored(f.docnum), f.match) for f in tiered.found]
        if by_doc:
            groups = [(g.doc_id, g.match, g.score, len(g.passages)) for g in tiered.groups]
            return tiered.grouped + tiered.documents, rows, groups
        return tiered.passages + tiered.documents, rows, []

    def _block_ranker(self) -> BlockRanker:
        """The block ranker of the open searcher (made once per searcher)."""
        searcher = self._open_searcher()
        if self._ranker is None or self._ranker.searcher is not searcher:
            from npf_tui.core.search.ranking import BlockRanker

            self._ranker = BlockRanker(searcher)
        return self._ranker

    def _rank(self, q, limit: int) -> tuple[int, list[tuple[float, dict]]]:
        """(total, [(score, stored fields)] best first): the block ranker when it handles the query (5–10× faster,
        exact total), else Whoosh's own search."""
        searcher = self._open_searcher()
        ranked = self._block_ranker().rank(q, limit)
        if ranked is not None:
            stored = searcher.stored_fields
            return ranked.total, [(score, stored(docnum)) for score, docnum in ranked.top]
        results = searcher.search(q, limit=limit)
        return len(results), [(r.score, r) for r in results]

    def _file_stamps(self) -> dict[str, tuple[int, int]]:
        """(size, mtime) of the open generation's Whoosh files as the manifest lists them (missing: (-1, -1))."""
        stamps = {}
        for name in self._manifest.files if self._manifest else ():
            try:
                st = (self._open_gen_dir() / name).stat()
                stamps[name] = (st.st_size, st.st_mtime_ns)
            except OSError:
                stamps[name] = (-1, -1)
        return stamps

    def _index_checks_out(self) -> bool:
        """The open generation is still the live one and passes the integrity check."""
        from npf_tui.core.search.integrity import index_healthy
        from npf_tui.core.search.manifest import current_generation

        gen_dir = self.gen_dir
        return (
            gen_dir is not None
            and gen_dir == current_generation(self.index_dir)
            and index_healthy(gen_dir, self._open_manifest())
        )

    def _reopen(self, rebuild: bool = False) -> list[str]:
        """Drop the open searcher and open the live generation afresh (checked; rebuilt if damaged or asked to);
        returns the notices of doing so."""
        with self._lock:
            seen = len(self.notices)
            if self._searcher is not None:
                # closing a damaged index may fail too; we are replacing it
                with contextlib.suppress(Exception):
                    self._searcher.close()
            self._searcher = None
            self.gen_dir = None
            self._docs.clear()
            self._load(rebuild=rebuild)
            return self.notices[seen:]

    def _hit(
        self, stored, score: float, literals: Literals, catalog: dict[str, DocEntry], match: str = "passage"
    ) -> Hit:
        """A search hit with its metadata (from `catalog`, looked up once per search), match spans and snippet."""
        from npf_tui.core.search.highlight import match_spans, snippet

        text = stored["text"]
        spans = match_spans(text, literals)
        entry = catalog.get(stored["doc_id"])
        meta = entry.meta if entry else {}
        return Hit(
            doc_id=stored["doc_id"],
            paragraph=stored["para"],
            score=round(float(score), 4),
            text=text,
            snippet=snippet(text, spans),
            spans=spans,
            title=meta.get("title", ""),
            author=meta.get("author", ""),
            outlet=meta.get("outlet", ""),
            published=meta.get("published", ""),
            language=stored.get("lang", ""),
            match=match,
        )

    def document_matches(
        self, query: str, doc: Document, cancel: threading.Event | None = None
    ) -> dict[int, list[tuple[int, int]]]:
        """paragraph number (1-based) -> [start, end) spans where `query` matches it, for highlighting a whole
        document in the reader (the query compiled once); raises QuerySyntaxError on bad syntax. Stops early,
        with what it has, when `cancel` is set."""
        if not query.strip():
            return {}
        from npf_tui.core.search.highlight import match_spans

        literals = self.compile(query).literals
        out: dict[int, list[tuple[int, int]]] = {}
        for number, text in enumerate(doc.paragraphs, 1):
            if cancel is not None and cancel.is_set():
                break
            spans = match_spans(text, literals)
            if spans:
                out[number] = [(s.start, s.end) for s in spans]
        return out

    # -- keeping up with the corpus ---------------------------------------------------------------------------
    def refresh(
        self, progress: ProgressFn | None = None, cancel: threading.Event | None = None, listing: dict | None = None
    ) -> bool:
        """Re-scan the corpus folder and update the index for new, edited or removed files; True if anything changed.
        `listing`: the corpus's document files as the caller just listed them (see ensure_index)."""
        before = (self.gen_dir, {k: (v.size, v.mtime_ns) for k, v in self.catalog.items()})
        self._load(progress=progress, cancel=cancel, listing=listing)
        after = (self.gen_dir, {k: (v.size, v.mtime_ns) for k, v in self.catalog.items()})
        return before != after


__all__ = ["Library", "ProgressFn", "IndexError_"]
