"""Spread-word queries: words that all occur in one document but in no single paragraph of it.

    python benchmarks/eval_spread.py --generate      # writes benchmarks/spread_queries.json (commit it before a run)
    python benchmarks/eval_spread.py                 # runs npf, npf --exact and chained `rg -l`, prints the table

The rule, fixed before any run: for a seeded sample of documents of each corpus (the bundled data/ and
benchmarks/work/corpus-20mb/), candidate words are the document's body words that are content words — English: letters
only, 4+ characters, not one of Whoosh's stop words; Chinese: a jieba word of 2+ Han characters — whose document
frequency in the corpus lies within a band (below it: a word only this document has, which makes the query trivial;
above it: a near stop word). 2–4 of them are drawn (seeded) until all occur in the document but no paragraph holds
them all. Relevant = every document whose text (title, author, outlet and body) holds all the words, found by a plain
scan of the files: English words case-insensitively at word boundaries, Chinese as substrings — not by npf.

Measured per system: success@1 and @3 (a relevant document among the first 1 or 3 documents returned, documents in the
order of their first passage) and recall (share of the relevant documents among all documents returned). `rg -l`
chaining has no ranking: its files are in path order (`--sort path`), as a person reading its output would see them.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
QUERIES = HERE / "spread_queries.json"
CORPORA = {"bundled": ROOT / "data", "20mb": HERE / "work" / "corpus-20mb"}
#: Per corpus: documents sampled, and the document-frequency band of candidate words (inclusive).
PLAN = {"bundled": (8, 1, 4), "20mb": (60, 3, 40)}
SEED = 20261201
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_EN_WORD = re.compile(r"[A-Za-z]{4,}")


def read_doc(path: Path) -> tuple[str, list[str]]:
    """(title, author and outlet joined, body paragraphs) of an npf Markdown file, front matter read as YAML."""
    text = path.read_text(encoding="utf-8")
    meta: dict = {}
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end > 0:
            meta = yaml.safe_load(text[4:end]) or {}
            text = text[end + 5 :]
    head = " ".join(str(meta.get(k) or "") for k in ("title", "author", "outlet"))
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    return head, paragraphs


def holds(text: str, word: str) -> bool:
    """The plain-scan truth: Chinese as a substring, other words case-insensitively at word boundaries."""
    if _HAN.search(word):
        return word in text
    return re.search(rf"(?<![\w]){re.escape(word)}(?![\w])", text, re.IGNORECASE) is not None


def content_words(paragraphs: list[str]) -> set[str]:
    """The document's candidate content words (before the frequency band)."""
    import jieba
    from whoosh.analysis import STOP_WORDS

    jieba.setLogLevel(60)
    words: set[str] = set()
    for para in paragraphs:
        words.update(w.lower() for w in _EN_WORD.findall(para) if w.lower() not in STOP_WORDS)
        for run in re.findall(r"[\u3400-\u9fff\uf900-\ufaff]+", para):
            words.update(w for w in jieba.lcut(run) if len(w) >= 2 and all(_HAN.match(c) for c in w))
    return words


def generate() -> list[dict]:
    """The query set, by the rule in the module docstring."""
    rng = random.Random(SEED)
    out = []
    for corpus, folder in CORPORA.items():
        if not folder.exists():
            print(f"skipping {corpus}: {folder} missing (see docs/benchmark.md)", file=sys.stderr)
            continue
        sample, lo, hi = PLAN[corpus]
        files = sorted(folder.glob("*.md"))
        docs = {f.stem: read_doc(f) for f in files}
        full = {k: (head + "\n" + "\n".join(paras)).lower() for k, (head, paras) in docs.items()}
        # Document frequency by plain scan, computed lazily for the words we look at.
        df_cache: dict[str, int] = {}

        def df(word: str, full=full, df_cache=df_cache) -> int:
            if word not in df_cache:
                df_cache[word] = sum(1 for text in full.values() if holds(text, word))
            return df_cache[word]

        order = sorted(docs)
        rng.shuffle(order)
        made = 0
        for doc_id in order:
            if made >= sample:
                break
            _, paras = docs[doc_id]
            if len(paras) < 2:
                continue
            candidates = sorted(content_words(paras))
            rng.shuffle(candidates)
            candidates = [w for w in candidates[:60] if lo <= df(w) <= hi][:25]
            if len(candidates) < 2:
                continue
            for _ in range(200):
                k = rng.choice((2, 3, 4))
                if len(candidates) < k:
                    continue
                words = rng.sample(candidates, k)
                if any(all(holds(p.lower(), w) for w in words) for p in paras):
                    continue
                relevant = sorted(d for d, text in full.items() if all(holds(text, w) for w in words))
                out.append(
                    {"corpus": corpus, "query": " ".join(words), "words": words, "source": doc_id, "relevant": relevant}
                )
                made += 1
                break
    return out


def npf_docs(lib, query: str, exact: bool, limit: int, by_doc: bool = False) -> tuple[list[str], float]:
    """(documents in the order of their first passage, milliseconds) for an npf search."""
    t0 = time.perf_counter()
    result = lib.search(query, limit=limit, exact=exact)
    ms = (time.perf_counter() - t0) * 1000
    seen: list[str] = []
    for hit in result.hits:
        if hit.doc_id not in seen:
            seen.append(hit.doc_id)
    return seen, ms


def rg_docs(folder: Path, words: list[str]) -> list[str]:
    """Chained `rg -l`: files holding the first word, then those of them holding the next, … (path order)."""
    files: list[str] | None = None
    for word in words:
        cmd = ["rg", "-l", "--sort", "path", "--fixed-strings"]
        if not _HAN.search(word):
            cmd += ["--ignore-case", "--word-regexp"]
        cmd += ["--", word]
        cmd += files if files is not None else [str(folder)]
        if files == []:
            return []
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        files = [line for line in done.stdout.splitlines() if line]
    return [Path(f).stem for f in files or []]


def scores(rows: list[tuple[list[str], list[str]]]) -> dict:
    """success@1, success@3 and mean recall over (returned documents, relevant documents) pairs. A query whose words
    the plain scan finds in no document (a word drawn from inside an identifier, `gnutls_global_deinit`) is left out."""
    rows = [row for row in rows if row[1]]

    def share(pred) -> float:
        return round(100 * sum(1 for row in rows if pred(*row)) / len(rows), 1) if rows else 0.0

    recall = [len(set(found) & set(rel)) / len(rel) for found, rel in rows if rel]
    return {
        "success@1": share(lambda found, rel: bool(set(found[:1]) & set(rel))),
        "success@3": share(lambda found, rel: bool(set(found[:3]) & set(rel))),
        "recall": round(100 * statistics.mean(recall), 1) if recall else 0.0,
        "empty": sum(1 for found, _ in rows if not found),
    }


def evaluate(queries: list[dict], index_root: Path | None) -> dict:
    """Every system on every corpus's queries."""
    from npf_tui.core.search.library import Library

    report: dict = {}
    for corpus, folder in CORPORA.items():
        mine = [q for q in queries if q["corpus"] == corpus]
        if not mine or not folder.exists():
            continue
        index = (index_root or HERE / "work") / f"spread-index-{corpus}"
        if corpus == "20mb" and (HERE / "work" / "idx-20mb-D").exists():
            index = HERE / "work" / "idx-20mb-D"
        lib = Library.open(folder, index)
        systems: dict[str, list] = {"npf": [], "npf --exact": [], "npf --by-doc": [], "rg -l chained": []}
        took: list[float] = []
        for q in mine:
            top, ms = npf_docs(lib, q["query"], exact=False, limit=20)
            took.append(ms)
            every, _ = npf_docs(lib, q["query"], exact=False, limit=100_000)
            systems["npf"].append((top + [d for d in every if d not in top], q["relevant"]))
            top, _ = npf_docs(lib, q["query"], exact=True, limit=20)
            every, _ = npf_docs(lib, q["query"], exact=True, limit=100_000)
            systems["npf --exact"].append((top + [d for d in every if d not in top], q["relevant"]))
            if hasattr(lib, "search_documents"):  # the code before document-level matching had no grouping
                grouped = lib.search_documents(q["query"], limit=100_000)
                systems["npf --by-doc"].append(([d.doc_id for d in grouped.documents], q["relevant"]))
            systems["rg -l chained"].append((rg_docs(folder, q["words"]), q["relevant"]))
        report[corpus] = {
            "queries": len(mine),
            "systems": {name: scores(rows) if rows else None for name, rows in systems.items()},
            "npf_ms_p50": round(statistics.median(took), 2),
            "per_query": [
                {
                    "query": q["query"],
                    "relevant": len(q["relevant"]),
                    "npf_top3": systems["npf"][i][0][:3],
                    "source": q["source"],
                }
                for i, q in enumerate(mine)
            ],
        }
    return report


def latency(index: Path, repeat: int) -> dict:
    """Query latency on benchmarks/queries.txt over the 20 MB index, timed as benchmarks/workers.py does: one
    untimed warm-up pass, then `repeat` passes of top-20 searches; p50/p95 per pass, median over passes."""
    sys.path.insert(0, str(HERE))
    from truth import load_queries
    from workers import percentile

    from npf_tui.core.search.library import Library

    lib = Library.open(CORPORA["20mb"], index)
    queries = load_queries(HERE / "queries.txt")
    passes = []
    for rep in range(repeat + 1):
        times = []
        for q in queries:
            t0 = time.perf_counter()
            lib.search(q.text, limit=20)
            times.append((time.perf_counter() - t0) * 1000)
        if rep:
            passes.append((percentile(times, 50), percentile(times, 95)))
    return {
        "p50_ms": round(statistics.median(p for p, _ in passes), 2),
        "p95_ms": round(statistics.median(p for _, p in passes), 2),
        "passes": passes,
    }


def cold(runs: int, index: Path) -> dict:
    """Cold `npf search` on the bundled corpus: a fresh process to exit, median of `runs` (after one untimed run
    that brings the index up to date)."""
    cmd = [
        sys.executable,
        "-m",
        "npf_tui.cli",
        "--corpus",
        str(CORPORA["bundled"]),
        "--index",
        str(index),
        "search",
        "Hungarian art exhibition Chongqing",
        "--json",
    ]
    subprocess.run(cmd, capture_output=True, check=False)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=False)
        times.append(time.perf_counter() - t0)
    return {"median_s": round(statistics.median(times), 3), "runs": [round(t, 3) for t in times]}


def main() -> int:
    """Generate the query set, or run the evaluation and print a table (and the JSON with --json)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--generate", action="store_true", help="write the query set (then commit it before a run)")
    ap.add_argument("--json", type=Path, help="also write the full report here")
    ap.add_argument("--index-root", type=Path, help="folder for the evaluation indexes (default benchmarks/work)")
    ap.add_argument("--latency", type=int, metavar="PASSES", help="time benchmarks/queries.txt on the 20 MB index")
    ap.add_argument("--cold", type=int, metavar="RUNS", help="time a cold `npf search` on the bundled corpus")
    args = ap.parse_args()
    if args.latency or args.cold:
        out = {}
        if args.latency:
            out["latency"] = latency(HERE / "work" / "idx-20mb-D", args.latency)
        if args.cold:
            out["cold"] = cold(args.cold, HERE / "work" / "spread-index-bundled")
        print(json.dumps(out))
        return 0
    if args.generate:
        queries = generate()
        QUERIES.write_text(json.dumps(queries, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"{len(queries)} queries written to {QUERIES}")
        return 0
    queries = json.loads(QUERIES.read_text(encoding="utf-8"))
    report = evaluate(queries, args.index_root)
    for corpus, data in report.items():
        scored = sum(1 for q in data["per_query"] if q["relevant"])
        print(f"\n{corpus}: {data['queries']} spread-word queries, {scored} with a relevant document by the plain scan")
        print(f"npf p50 {data['npf_ms_p50']} ms (top 20, first query of the run included)")
        print("| system | success@1 | success@3 | recall | empty |")
        print("|---|---|---|---|---|")
        for name, s in data["systems"].items():
            if s is None:
                continue
            print(f"| {name} | {s['success@1']} % | {s['success@3']} % | {s['recall']} % | {s['empty']} |")
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
