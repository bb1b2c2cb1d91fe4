"""What the benchmark measures inside child processes (so each gets its own peak memory and a cold interpreter)."""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

from systems import SYSTEMS
from truth import load_queries

from npf_tui.core.models import Document
from npf_tui.core.sources.corpus import document_paths, load_document, write_document

#: Name prefix of the documents the incremental-add measurement writes (and removes again).
ADDED_PREFIX = "zz-bench-added"


def percentile(values: list[float], pct: float) -> float:
    """The pct-th percentile by linear interpolation (values need not be sorted)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def do_build(system: str, corpus: Path, work: Path) -> dict:
    """Build one system's index from scratch and time it."""
    sys_obj = SYSTEMS[system](corpus, work)
    t0 = time.perf_counter()
    stats = sys_obj.build()
    return {"seconds": time.perf_counter() - t0, **stats}


def do_query(system: str, corpus: Path, work: Path, queries_path: Path, repeat: int) -> dict:
    """Open the index, run every query `repeat` timed passes (after one warm-up pass), then collect full answers."""
    sys_obj = SYSTEMS[system](corpus, work)
    t0 = time.perf_counter()
    sys_obj.open()
    open_seconds = time.perf_counter() - t0
    queries = load_queries(queries_path)
    errors: dict[str, str] = {}
    samples: dict[str, list[float]] = {q.text: [] for q in queries}
    shown: dict[str, list] = {}
    for rep in range(repeat + 1):
        for q in queries:
            t0 = time.perf_counter()
            try:
                found = sys_obj.search(q.text, limit=20)
            except Exception as exc:  # an anchor may reject a query; that is a result, not a crash
                errors[q.text] = f"{type(exc).__name__}: {exc}"
                continue
            elapsed = (time.perf_counter() - t0) * 1000
            if rep:
                samples[q.text].append(elapsed)
            else:
                shown[q.text] = [[f.doc_id, f.paragraph, f.snippet[:200]] for f in found[:3]]
    passes = []
    for rep in range(repeat):
        values = [samples[q.text][rep] for q in queries if len(samples[q.text]) > rep]
        passes.append({"p50": percentile(values, 50), "p95": percentile(values, 95), "max": max(values, default=0)})
    matches = {}
    for q in queries:
        try:
            matches[q.text] = sorted([d, n] for d, n in sys_obj.matches(q.text))
        except Exception as exc:
            errors.setdefault(q.text, f"{type(exc).__name__}: {exc}")
    return {
        "open_seconds": open_seconds,
        "passes": passes,
        "per_query_ms": {k: statistics.median(v) for k, v in samples.items() if v},
        "top": shown,
        "matches": matches,
        "capped": sys_obj.capped,
        "errors": errors,
    }


def added_document(n: int) -> Document:
    """A document to add: the first bundled corpus document under a fresh id (real text, not generated)."""
    from npf_tui.core.sources.corpus import bundled_corpus_dir

    paths = document_paths(bundled_corpus_dir())
    source = load_document(paths[0]) if paths else Document(doc_id="x", paragraphs=["新质生产力 new quality"])
    return Document(
        doc_id=f"{ADDED_PREFIX}-{n}",
        title=f"{source.title} (benchmark copy {n})",
        language=source.language,
        outlet=source.outlet,
        paragraphs=list(source.paragraphs),
    )


def added_chinese_document(corpus: Path, n: int) -> Document | None:
    """A Chinese document to add: the corpus's first Chinese page under a fresh id, a line saying so put first (an
    unchanged copy would be refused as a duplicate); None when the corpus has no Chinese document."""
    for path in document_paths(corpus):
        source = load_document(path)
        if source.language.startswith("zh") and not source.doc_id.startswith(ADDED_PREFIX):
            return Document(
                doc_id=f"{ADDED_PREFIX}-zh-{n}",
                title=f"{source.title}（基准测试副本 {n}）",
                language=source.language,
                outlet=source.outlet,
                paragraphs=[f"基准测试副本 {n}：{source.title}", *source.paragraphs],
            )
    return None


def source_text(doc: Document, *extra: str) -> str:
    """The plain-text file `npf add` is given for a document: its title line, then its paragraphs (and `extra` ones,
    which keep several copies of one text from being duplicates), a blank line between."""
    return "\n\n".join([doc.title, *doc.paragraphs, *extra]) + "\n"


def document_names(corpus: Path) -> set[str]:
    """The corpus folder's document file names now (to remove what a measurement added: `remove_new`)."""
    return {p.name for p in Path(corpus).glob("*.md")}


def remove_new(corpus: Path, before: set[str]) -> list[Path]:
    """Delete the documents that are not in `before` (what an import wrote, under ids taken from its titles)."""
    added = [p for p in Path(corpus).glob("*.md") if p.name not in before]
    for path in added:
        path.unlink()
    return added


def remove_added(corpus: Path) -> list[Path]:
    """Delete every document the add measurements wrote; returns what was removed."""
    removed = [p for p in Path(corpus).glob("*.md") if p.stem.startswith(ADDED_PREFIX)]
    for path in removed:
        path.unlink()
    return removed


def do_add(corpus: Path, work: Path, repeat: int) -> dict:
    """Time the core path of an incremental add: write one document file, then Library.refresh()."""
    from npf_tui.core.search.library import Library

    lib = Library.open(corpus, work)
    times, listed, found = [], [], []
    try:
        for n in range(repeat):
            doc = added_document(n)
            t0 = time.perf_counter()
            write_document(corpus, doc)
            lib.refresh()
            times.append(time.perf_counter() - t0)
            listed.append(any(d.doc_id == doc.doc_id for d in lib.documents))
            probe = " ".join(doc.paragraphs[0].split()[:3]) if doc.paragraphs else ""
            hits = lib.search(f'"{probe}"', limit=50).hits if probe else []
            found.append(any(h.doc_id == doc.doc_id for h in hits))
    finally:
        remove_added(corpus)
        lib.refresh()
    return {"seconds": times, "listed_after_add": listed, "found_by_search_after_add": found}


def worker_main(args) -> int:
    """Run one measurement named by --worker and write its JSON to --result."""
    corpus, work = Path(args.corpus), Path(args.work)
    if args.worker == "build":
        out = do_build(args.system, corpus, work)
    elif args.worker == "query":
        out = do_query(args.system, corpus, work, Path(args.queries), args.repeat)
    elif args.worker == "add":
        out = do_add(corpus, work, args.repeat)
    else:
        raise SystemExit(f"unknown worker {args.worker}")
    Path(args.result).write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")
    sys.stdout.flush()
    os._exit(0)  # skip interpreter teardown (Whoosh/jieba caches) so wall time is the measurement's
