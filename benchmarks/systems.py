"""The searched systems behind one seam: npf and the anchors (naive Whoosh+jieba, SQLite FTS5 trigram, ripgrep)."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from truth import Term, is_chinese, parse_boolean

from npf_tui.core.sources.corpus import load_corpus

Passage = tuple[str, int]


@dataclass
class Found:
    """One returned passage with its highlighted snippet (matches in [brackets] or **bold**)."""

    doc_id: str
    paragraph: int
    snippet: str


class System:
    """The seam: build(corpus, work) -> stats; open(); search(q, limit) with snippets; matches(q) -> every passage."""

    name = "?"
    has_index = True  # False for systems that scan the raw files at query time

    def __init__(self, corpus_dir: Path, work_dir: Path):
        """Remember where the corpus and this system's files are."""
        self.corpus_dir = Path(corpus_dir)
        self.work_dir = Path(work_dir)
        self.capped: dict[str, int] = {}  # query -> total matches, where matches() could not return them all

    def build(self) -> dict:
        """Index the corpus from scratch; returns counts."""
        raise NotImplementedError

    def open(self) -> None:
        """Open the built index for querying."""

    def search(self, query: str, limit: int = 20) -> list[Found]:
        """The top passages with highlighted snippets (the timed call)."""
        raise NotImplementedError

    def matches(self, query: str) -> set[Passage]:
        """Every passage the system returns for the query (for recall; untimed)."""
        raise NotImplementedError


def _paragraph_rows(corpus_dir: Path):
    """(doc_id, paragraph number, text) for every paragraph, read with npf's own corpus loader."""
    for doc in load_corpus(corpus_dir):
        for n, text in enumerate(doc.paragraphs, 1):
            yield doc.doc_id, n, text


class NaiveWhoosh(System):
    """What tutorials show: one Whoosh document per paragraph, TEXT(analyzer=ChineseAnalyzer()), single writer."""

    name = "whoosh_jieba"

    def build(self) -> dict:
        """Create the index with jieba's ChineseAnalyzer and commit once."""
        from jieba.analyse import ChineseAnalyzer
        from whoosh.fields import ID, NUMERIC, TEXT, Schema
        from whoosh.index import create_in

        if self.work_dir.exists():
            shutil.rmtree(self.work_dir)
        self.work_dir.mkdir(parents=True)
        schema = Schema(
            doc_id=ID(stored=True), para=NUMERIC(stored=True), content=TEXT(analyzer=ChineseAnalyzer(), stored=True)
        )
        ix = create_in(str(self.work_dir), schema)
        writer = ix.writer()
        count = 0
        for doc_id, n, text in _paragraph_rows(self.corpus_dir):
            writer.add_document(doc_id=doc_id, para=n, content=text)
            count += 1
        writer.commit()
        return {"paragraphs": count}

    def open(self) -> None:
        """Open the index, a searcher and the default query parser."""
        import logging

        import jieba
        from whoosh.index import open_dir
        from whoosh.qparser import QueryParser

        jieba.setLogLevel(logging.WARNING)
        self.ix = open_dir(str(self.work_dir))
        self.searcher = self.ix.searcher()
        self.parser = QueryParser("content", self.ix.schema)

    def search(self, query: str, limit: int = 20) -> list[Found]:
        """Parse, search, and highlight with Whoosh's own highlighter."""
        results = self.searcher.search(self.parser.parse(query), limit=limit)
        return [Found(h["doc_id"], h["para"], h.highlights("content")) for h in results]

    def matches(self, query: str) -> set[Passage]:
        """Every matching paragraph."""
        found = set()
        for docnum in self.searcher.docs_for_query(self.parser.parse(query)):
            fields = self.searcher.stored_fields(docnum)
            found.add((fields["doc_id"], fields["para"]))
        return found


def _fts_string(term: str) -> str:
    """An FTS5 string literal (substring match under the trigram tokenizer)."""
    return '"' + term.replace('"', '""') + '"'


class Fts5Trigram(System):
    """SQLite FTS5 with the trigram tokenizer, one row per paragraph; terms under 3 characters fall back to LIKE."""

    name = "fts5_trigram"

    def build(self) -> dict:
        """Create the table and insert every paragraph in one transaction."""
        if self.work_dir.exists():
            shutil.rmtree(self.work_dir)
        self.work_dir.mkdir(parents=True)
        con = sqlite3.connect(self.work_dir / "fts.db")
        # An external-content table: LIKE on the FTS5 table itself returns nothing for 2-character Chinese
        # patterns in SQLite 3.40, so short terms are scanned on the plain table instead.
        con.execute("CREATE TABLE para(id INTEGER PRIMARY KEY, doc_id TEXT, para INTEGER, text TEXT)")
        con.execute("CREATE VIRTUAL TABLE p USING fts5(text, content='para', content_rowid='id', tokenize='trigram')")
        con.executemany("INSERT INTO para(doc_id, para, text) VALUES (?, ?, ?)", _paragraph_rows(self.corpus_dir))
        con.execute("INSERT INTO p(p) VALUES ('rebuild')")
        con.commit()
        count = con.execute("SELECT count(*) FROM para").fetchone()[0]
        con.close()
        return {"paragraphs": count, "sqlite_version": sqlite3.sqlite_version}

    def open(self) -> None:
        """Connect to the database."""
        self.con = sqlite3.connect(self.work_dir / "fts.db")

    def _native(self, groups: list[list[Term]]) -> str | None:
        """The query as an FTS5 MATCH expression, or None when a term is too short for trigrams."""
        if any(len(t.text) < 3 for g in groups for t in g):
            return None
        ors = []
        for group in groups:
            positive = [_fts_string(t.text) for t in group if not t.negated]
            negative = [_fts_string(t.text) for t in group if t.negated]
            if not positive:
                return None
            expr = "(" + " AND ".join(positive) + ")"
            for neg in negative:
                expr = f"({expr} NOT {neg})"
            ors.append(expr)
        return " OR ".join(ors)

    def _where(self, groups: list[list[Term]]) -> tuple[str, list[str]]:
        """A WHERE clause mixing MATCH (3+ characters) and LIKE (shorter terms), with its parameters."""
        ors, params = [], []
        for group in groups:
            ands = []
            for term in group:
                if len(term.text) >= 3:
                    clause = "id IN (SELECT rowid FROM p WHERE p MATCH ?)"
                    params.append(_fts_string(term.text))
                else:
                    clause = "text LIKE ?"
                    params.append(f"%{term.text}%")
                ands.append(f"NOT ({clause})" if term.negated else clause)
            ors.append("(" + " AND ".join(ands) + ")")
        return " OR ".join(ors), params

    def search(self, query: str, limit: int = 20) -> list[Found]:
        """Ranked by bm25 with snippet() when FTS5 can take the query; else LIKE, unranked, highlighted in Python."""
        groups = parse_boolean(query)
        native = self._native(groups)
        if native is not None:
            rows = self.con.execute(
                "SELECT para.doc_id, para.para, snippet(p, 0, '[', ']', '…', 24) FROM p JOIN para ON para.id = p.rowid"
                " WHERE p MATCH ? ORDER BY rank LIMIT ?",
                (native, limit),
            ).fetchall()
            return [Found(d, n, s) for d, n, s in rows]
        where, params = self._where(groups)
        rows = self.con.execute(
            f"SELECT doc_id, para, text FROM para WHERE {where} LIMIT ?", (*params, limit)
        ).fetchall()
        terms = [re.escape(t.text) for g in groups for t in g if not t.negated]
        pattern = re.compile("|".join(terms), re.IGNORECASE) if terms else None
        return [Found(d, n, pattern.sub(lambda m: f"[{m.group(0)}]", text) if pattern else text) for d, n, text in rows]

    def matches(self, query: str) -> set[Passage]:
        """Every matching row."""
        groups = parse_boolean(query)
        native = self._native(groups)
        if native is not None:
            rows = self.con.execute(
                "SELECT para.doc_id, para.para FROM p JOIN para ON para.id = p.rowid WHERE p MATCH ?", (native,)
            )
        else:
            where, params = self._where(groups)
            rows = self.con.execute(f"SELECT doc_id, para FROM para WHERE {where}", params)
        return {(d, n) for d, n in rows}


class Ripgrep(System):
    """ripgrep over the raw corpus files: fixed strings; Latin terms case-insensitive as whole words; no index."""

    name = "ripgrep"
    has_index = False

    def build(self) -> dict:
        """Nothing to build; the line-to-paragraph map used to score answers is made in open()."""
        self.work_dir.mkdir(parents=True, exist_ok=True)
        return {"paragraphs": 0}

    def open(self) -> None:
        """Find where each paragraph (as npf's loader numbers them, long ones cut) starts in each file's bytes."""
        import bisect

        from npf_tui.core.sources.corpus import document_paths, load_document

        self._bisect = bisect.bisect_right
        self.rg = shutil.which("rg")
        if not self.rg:
            raise RuntimeError("ripgrep (rg) is not installed: apt-get install ripgrep")
        self.starts: dict[str, list[int]] = {}
        self.ends: dict[str, list[int]] = {}
        for path in document_paths(self.corpus_dir):
            raw = path.read_bytes()
            doc = load_document(path)
            pos = raw.find(b"\n---", 3) + 4  # past the front matter
            starts, ends = [], []
            for text in doc.paragraphs:
                piece = text.encode("utf-8")
                at = raw.find(piece, pos)
                if at < 0:  # not verbatim in the file; fall back to "right after the previous one"
                    at = pos
                starts.append(at)
                ends.append(at + len(piece))
                pos = at + len(piece)
            self.starts[path.stem], self.ends[path.stem] = starts, ends

    def _paragraph(self, doc_id: str, offset: int) -> int:
        """The 1-based paragraph holding byte `offset` of the file, or 0 (front matter, or between paragraphs)."""
        starts = self.starts.get(doc_id, [])
        i = self._bisect(starts, offset)
        return i if i and offset < self.ends[doc_id][i - 1] else 0

    def _run(self, term: Term) -> list[tuple[str, int, str]]:
        """rg --json for one literal; returns (doc_id, paragraph number, highlighted line) per submatch's paragraph."""
        args = [self.rg, "--json", "--fixed-strings", "--no-config"]
        if not is_chinese(term.text):
            args += ["--ignore-case", "--word-regexp"]
        out = subprocess.run([*args, "-e", term.text, "--", str(self.corpus_dir)], capture_output=True)
        found = []
        for line in out.stdout.splitlines():
            event = json.loads(line)
            if event["type"] != "match":
                continue
            data = event["data"]
            doc_id = Path(data["path"]["text"]).stem
            raw = data["lines"].get("text", "").encode("utf-8")
            paras = {self._paragraph(doc_id, data["absolute_offset"] + sub["start"]) for sub in data["submatches"]}
            for sub in reversed(data["submatches"]):
                raw = raw[: sub["start"]] + b"[" + raw[sub["start"] : sub["end"]] + b"]" + raw[sub["end"] :]
            text = raw.decode("utf-8", errors="replace").rstrip("\n")
            found += [(doc_id, n, text) for n in sorted(paras) if n]
        return found

    def _passages(self, query: str) -> tuple[set[Passage], list[Found]]:
        """Run rg once per term and combine per paragraph (rg itself matches lines, and has no AND/NOT)."""
        result: set[Passage] = set()
        shown: list[Found] = []
        universe = None
        for group in parse_boolean(query):
            current = None
            for term in group:
                lines = self._run(term)
                hits = {(d, n) for d, n, _ in lines}
                if term.negated:
                    if universe is None:
                        universe = {(d, n + 1) for d, s in self.starts.items() for n in range(len(s))}
                    hits = universe - hits
                else:
                    shown += [Found(d, n, t) for d, n, t in lines]
                current = hits if current is None else current & hits
            result |= current or set()
        return result, shown

    def search(self, query: str, limit: int = 20) -> list[Found]:
        """The first `limit` matching lines, in file order (ripgrep does not rank)."""
        result, shown = self._passages(query)
        return [f for f in shown if (f.doc_id, f.paragraph) in result][:limit]

    def matches(self, query: str) -> set[Passage]:
        """Every paragraph with a matching line."""
        return self._passages(query)[0]


class Npf(System):
    """npf itself, through the core Library facade (the index lives in work_dir)."""

    name = "npf"

    def build(self) -> dict:
        """Open the library on an empty index folder, which builds the index."""
        from npf_tui.core.search.library import Library

        if self.work_dir.exists():
            shutil.rmtree(self.work_dir)
        lib = Library.open(self.corpus_dir, self.work_dir)
        return {"documents": len(lib.catalog)}  # the catalog: reading every document back would double the peak

    def open(self) -> None:
        """Open the built index."""
        from npf_tui.core.search.library import Library

        self.lib = Library.open(self.corpus_dir, self.work_dir)

    def search(self, query: str, limit: int = 20) -> list[Found]:
        """Ranked hits that already carry their highlighted snippets."""
        from npf_tui.core.models import snippet_markdown

        result = self.lib.search(query, limit=limit)
        return [Found(h.doc_id, h.paragraph, snippet_markdown(h.snippet)) for h in result.hits]

    def matches(self, query: str) -> set[Passage]:
        """Every hit it will return (Library.search caps the limit; capped queries are noted in self.capped)."""
        result = self.lib.search(query, limit=1_000_000)
        if result.total > len(result.hits):
            self.capped[query] = result.total
        return {(h.doc_id, h.paragraph) for h in result.hits}


class NpfExact(Npf):
    """npf with cross-language expansion off (`--exact`): the literal search the anchors do. It searches the index
    the `npf` system built (run it after `npf`), so it has no build figures of its own."""

    name = "npf_exact"
    has_index = False

    def build(self) -> dict:
        """Nothing to build: the `npf` system's index is used."""
        return {"documents": 0}

    def open(self) -> None:
        """Open the index built by the `npf` system (its work folder is this one's sibling)."""
        from npf_tui.core.search.library import Library

        self.lib = Library.open(self.corpus_dir, self.work_dir.parent / "npf")

    def search(self, query: str, limit: int = 20) -> list[Found]:
        """Ranked hits without expansion."""
        from npf_tui.core.models import snippet_markdown

        result = self.lib.search(query, limit=limit, exact=True)
        return [Found(h.doc_id, h.paragraph, snippet_markdown(h.snippet)) for h in result.hits]

    def matches(self, query: str) -> set[Passage]:
        """Every hit without expansion."""
        result = self.lib.search(query, limit=1_000_000, exact=True)
        if result.total > len(result.hits):
            self.capped[query] = result.total
        return {(h.doc_id, h.paragraph) for h in result.hits}


SYSTEMS = {cls.name: cls for cls in (Npf, NpfExact, NaiveWhoosh, Fts5Trigram, Ripgrep)}
