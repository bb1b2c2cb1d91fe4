"""A/B of cross-language expansion's query-time cost, interleaved in one process:
`python benchmarks/ab_expansion_latency.py --index benchmarks/work/idx-20mb-C [--passes 5]`.

Three variants answer each query of benchmarks/eval/crosslang-queries.json.gz in turn (top 10, as `npf search`),
then the next query, so a loaded machine slows them alike; each variant has its own Library on the same index:

- `old`: every dictionary sense (no corpus evidence), every pinyin reading, no term cache (each search reads its
  terms' postings afresh), no memo of dictionary answers or corpus counts — the behaviour before helper G's change;
- `cold`: the new compile (evidence, common readings), its term cache, dictionary answers and corpus counts emptied
  before every query: the cost of a query that no earlier query prepared (a one-shot `npf search`);
- `warm`: the new compile, its term cache kept across the queries of a pass (emptied when a pass starts), as in a
  reader session or the evaluation, which asks the queries of one term in a row.

`exact`, the same without expansion (`--exact`), no term cache, is the yardstick. Reported: per variant, p50 and
p95 over queries of the per-query median over passes, and the work: postings read from the index per query.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from npf_tui.core.search import query as query_mod  # noqa: E402
from npf_tui.core.search.library import Library  # noqa: E402

QUERIES = HERE / "eval" / "crosslang-queries.json.gz"


def _no_cache(lib: Library) -> None:
    """Make a library's ranker read every term afresh (as before the term cache), counting postings read."""
    ranker = lib._block_ranker()

    def term(fieldname, text, boost=1.0):  # before the cache: read with the boost, every time
        btext = ranker._to_bytes(fieldname, text)
        if btext is None or (fieldname, btext) not in ranker.reader:
            return {}
        return ranker._read_term(fieldname, btext, boost)

    ranker._term = term


def _counting(lib: Library, counter: dict) -> None:
    ranker = lib._block_ranker()
    read = ranker._read_term

    def counted(fieldname, btext, boost=1.0):
        found = read(fieldname, btext, boost)
        counter["postings"] += len(found)
        return found

    ranker._read_term = counted


class _Old(query_mod.QueryCompiler):
    """The compile before the change: every sense, every reading, substrings counted by Whoosh."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.count = None

    def _together_or_none(self):
        return None

    def _common_reading(self, chinese, syllables):
        return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=HERE / "work" / "corpus-20mb")
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    queries = [q["query"] for q in json.loads(gzip.decompress(QUERIES.read_bytes()))["queries"]]
    names = ("old", "cold", "warm", "exact")
    libs = {n: Library.open(args.corpus, args.index) for n in names}
    counters = {n: {"postings": 0} for n in names}
    for name, lib in libs.items():
        if name in ("old", "exact"):
            _no_cache(lib)
        _counting(lib, counters[name])
    real = query_mod.QueryCompiler
    times: dict[str, list[list[float]]] = {n: [[] for _ in queries] for n in names}
    for lib in libs.values():
        lib.search("warm up", limit=10)
    work = {n: 0 for n in names}
    for p in range(args.passes):
        libs["warm"]._block_ranker().forget()
        for i, q in enumerate(queries):
            order = names[p % 4 :] + names[: p % 4]  # who goes first rotates
            for name in order:
                lib = libs[name]
                if name in ("cold", "old", "exact"):
                    # nothing kept from an earlier query: corpus counts, dictionary answers, postings
                    lib._block_ranker().forget()
                    lib.expansions().counts.clear()
                    lib.expansions().dictionary.forget()
                query_mod.QueryCompiler = _Old if name == "old" else real
                try:
                    before = counters[name]["postings"]
                    started = time.perf_counter()
                    lib.search(q, limit=10, exact=name == "exact")
                    times[name][i].append((time.perf_counter() - started) * 1000)
                    if p == 0:
                        work[name] += counters[name]["postings"] - before
                finally:
                    query_mod.QueryCompiler = real
    out = {}
    for name in names:
        medians = sorted(statistics.median(t) for t in times[name])
        out[name] = {
            "p50_ms": round(medians[len(medians) // 2], 2),
            "p95_ms": round(medians[min(len(medians) - 1, int(len(medians) * 0.95))], 2),
            "mean_ms": round(statistics.fmean(medians), 2),
            "postings_read_per_query": round(work[name] / len(queries)),
        }
        print(name, out[name])
    if args.out:
        args.out.write_text(json.dumps({"passes": args.passes, "queries": len(queries), **out}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
