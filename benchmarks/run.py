"""Run the npf benchmark against its anchors: `python benchmarks/run.py [--size 20mb|100mb|300mb] [--repeat 3]
[--quick]`."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))

from report import machine_info, write_markdown  # noqa: E402
from systems import SYSTEMS  # noqa: E402
from truth import RECALL_CLASSES, corpus_paragraphs, ground_truth, load_queries, recall_figures  # noqa: E402

from npf_tui.core.sources.corpus import load_corpus  # noqa: E402

ALL_SYSTEMS = ["npf", "npf_exact", "whoosh_jieba", "fts5_trigram", "ripgrep"]
PAGE = os.sysconf("SC_PAGE_SIZE")
COLD_QUERY = "进程"


def spread(values: list[float]) -> dict:
    """Median, min, max and the runs themselves."""
    if not values:
        return {"median": None, "min": None, "max": None, "runs": []}
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "runs": values}


def tree_memory_mb(root: int) -> tuple[float, float]:
    """(RSS, PSS) of a process and all its descendants, from /proc (MB). RSS counts a page shared by a parent and
    its forked children once per process; PSS splits it among them, so the PSS sum is the memory the tree takes."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry.name)
        children.setdefault(int(fields[1]), []).append(pid)
        rss[pid] = int(fields[21]) * PAGE
    total_rss, total_pss, todo = 0, 0, [root]
    while todo:
        pid = todo.pop()
        total_rss += rss.get(pid, 0)
        total_pss += _pss_bytes(pid)
        todo += children.get(pid, [])
    return total_rss / 2**20, total_pss / 2**20


def _pss_bytes(pid: int) -> int:
    """A process's proportional set size (0 when it is gone or the kernel has no smaps_rollup)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


class TreeSampler(threading.Thread):
    """Samples a process tree's total RSS and PSS every 50 ms (worker pools make the single-process peak
    misleading)."""

    def __init__(self, pid: int):
        """Watch `pid` until stop()."""
        super().__init__(daemon=True)
        self.pid, self.peak, self.peak_pss, self._done = pid, 0.0, 0.0, threading.Event()

    def run(self) -> None:
        """Sample until stopped."""
        while not self._done.wait(0.05):
            rss, pss = tree_memory_mb(self.pid)
            self.peak, self.peak_pss = max(self.peak, rss), max(self.peak_pss, pss)

    def stop(self) -> float:
        """Stop sampling; returns the RSS peak seen (the PSS peak stays in `peak_pss`)."""
        self._done.set()
        self.join()
        return self.peak


def spawn(
    worker: str, system: str, corpus: Path, work: Path, scratch: Path, repeat: int = 1, queries: Path | None = None
) -> tuple[dict, float, float]:
    """Run one worker in a fresh interpreter; returns (its JSON, wall seconds, peak RSS in MB).

    The peak is the larger of the biggest single process (wait4) and the sampled sum over the process tree; the
    tree's peak PSS goes into the JSON as "_peak_pss_mb".
    """
    result = scratch / f"{worker}-{system}-{time.monotonic_ns()}.json"
    cmd = [
        sys.executable,
        str(HERE / "run.py"),
        "--worker",
        worker,
        "--system",
        system,
        "--corpus",
        str(corpus),
        "--work",
        str(work),
        "--result",
        str(result),
        "--repeat",
        str(repeat),
    ]
    if queries:
        cmd += ["--queries", str(queries)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sampler = TreeSampler(proc.pid)
    sampler.start()
    stderr = proc.stderr.read().decode("utf-8", errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    peak = max(sampler.stop(), usage.ru_maxrss / 1024)
    peak_pss = max(sampler.peak_pss, 0.0)
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0 or not result.exists():
        lines = [ln for ln in stderr.strip().splitlines() if ln.strip()]
        return {"error": lines[-1] if lines else f"exit status {proc.returncode}"}, wall, peak
    data = json.loads(result.read_text(encoding="utf-8"))
    result.unlink()
    data["_peak_pss_mb"] = peak_pss
    return data, wall, peak


def dir_size(path: Path) -> int:
    """Bytes of all files under a folder."""
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def bench_system(
    name: str, corpus: Path, work: Path, scratch: Path, queries: Path, repeat: int, corpus_bytes: int
) -> dict:
    """Build `repeat` times (each from scratch, in a child), then query; returns the system's figures."""
    builds, walls, rss, pss, errors = [], [], [], [], []
    for _ in range(repeat):
        data, wall, peak = spawn("build", name, corpus, work / name, scratch)
        if "error" in data:
            errors.append(data["error"])
            break
        builds.append(data["seconds"])
        walls.append(wall)
        rss.append(peak)
        pss.append(data["_peak_pss_mb"])
    out: dict = {
        "build": {
            "seconds": spread(builds),
            "process_seconds": spread(walls),
            "peak_rss_mb": spread(rss),
            "peak_pss_mb": spread(pss),
        }
    }
    if errors:
        out["error"] = errors[0]
        return out
    median = out["build"]["seconds"]["median"]
    has_index = SYSTEMS[name].has_index
    out["build"]["mb_per_s"] = corpus_bytes / 1e6 / median if median and has_index else None
    out["index_bytes"] = dir_size(work / name) if has_index else None
    if not has_index:
        out["build"]["seconds"] = spread([])
    data, wall, peak = spawn("query", name, corpus, work / name, scratch, repeat=repeat, queries=queries)
    if "error" in data:
        out["error"] = data["error"]
        return out
    out["query"] = {key: spread([p[key] for p in data["passes"]]) for key in ("p50", "p95", "max")}
    out["query"].update(
        open_seconds=data["open_seconds"],
        process_peak_rss_mb=peak,
        per_query_ms=data["per_query_ms"],
        errors=data["errors"],
        top=data["top"],
    )
    out["_matches"] = data["matches"]
    out["_capped"] = data.get("capped", {})
    return out


def compile_bytecode(code_dir: Path) -> int:
    """Compile the npf_tui package under `code_dir` to bytecode before anything is timed; returns the number of
    modules that had no up-to-date .pyc.

    An installed npf has its bytecode (pip compiles it; an editable install writes it on first run). A tree whose
    files changed since they were last imported, run with PYTHONDONTWRITEBYTECODE=1 (as this sandbox sets it),
    compiles every changed module from source at each start: 41 modules added 0.13-0.15 s to each cold
    `npf search` and each first paint at 100 MB (0.65 against 0.51 s; 0.55 against 0.42 s; 2026-12-01). Start
    times measured so are the compiler's, not npf's.
    """
    import compileall
    import importlib.util

    package = code_dir / "npf_tui"
    stale = sum(
        1
        for src in package.rglob("*.py")
        if not Path(importlib.util.cache_from_source(str(src))).exists()
        or Path(importlib.util.cache_from_source(str(src))).stat().st_mtime_ns < src.stat().st_mtime_ns
    )
    if not compileall.compile_dir(str(package), quiet=1):
        raise SystemExit(f"cannot compile {package} to bytecode")
    return stale


def npf_command() -> list[str]:
    """How to start the `npf` command of this interpreter's environment."""
    script = Path(sys.executable).with_name("npf")
    return [str(script)] if script.exists() else [sys.executable, "-m", "npf_tui.cli"]


def bench_cli(corpus: Path, index: Path, scratch: Path, repeat: int) -> dict:
    """Cold `npf search --json` to exit, `npf add` of one file, the core add path, and the TUI's first paint."""
    out: dict = {}
    base = [*npf_command(), "--corpus", str(corpus), "--index", str(index)]
    times, error = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        proc = subprocess.run([*base, "search", COLD_QUERY, "--json"], capture_output=True)
        times.append(time.perf_counter() - t0)
        try:  # exit status 1 may just mean "no hits"; a JSON answer is what counts
            json.loads(proc.stdout)
        except ValueError:
            error = (proc.stderr.decode("utf-8", errors="replace").strip().splitlines() or ["no JSON output"])[-1]
            break
    out["cold_search"] = {"seconds": spread(times), "command": shlex.join([*base, "search", COLD_QUERY, "--json"])}
    if error:
        out["cold_search"]["error"] = error
    out["add_cli"] = bench_add_cli(base, corpus, scratch, repeat)
    out["add_cli_zh"] = bench_add_cli(base, corpus, scratch, repeat, chinese=True)
    data, wall, peak = spawn("add", "npf", corpus, index, scratch, repeat=repeat)
    out["add_core"] = (
        {"error": data["error"]}
        if "error" in data
        else {
            "seconds": spread(data["seconds"]),
            "listed_after_add": data["listed_after_add"],
            "found_by_search_after_add": data["found_by_search_after_add"],
        }
    )
    out["tui_first_paint"] = bench_tui(base, repeat)
    return out


def bench_tui(base: list[str], repeat: int) -> dict:
    """The bare `npf` (the reader) started in a pseudo-terminal: seconds to its first drawn screen (the search box),
    and to ready (the library open, the status line showing the corpus size)."""
    from terminal import FIRST_PAINT, READY, time_to_screen

    paint, ready = [], []
    for _ in range(repeat):
        seen = time_to_screen(base, {"paint": FIRST_PAINT, "ready": READY})
        if "paint" not in seen or "ready" not in seen:
            return {"error": f"the reader did not draw {'its search box' if 'paint' not in seen else 'ready'}"}
        paint.append(seen["paint"])
        ready.append(seen["ready"])
    return {
        "process_seconds": spread(paint),
        "ready_seconds": spread(ready),
        "command": shlex.join(base),
        "note": "real process in a 120x40 pseudo-terminal; first paint = search box drawn, ready = library open",
    }


def bench_add_cli(base: list[str], corpus: Path, scratch: Path, repeat: int, chinese: bool = False) -> dict:
    """Time `npf add FILE` on a plain-text file (the bundled English article, or with `chinese` one of the corpus's
    Chinese pages under a new first line); the added documents are removed (and the index refreshed) after."""
    from workers import added_chinese_document, added_document, document_names, remove_new, source_text

    before = document_names(corpus)
    times, error = [], None
    try:
        for n in range(repeat):
            doc = added_chinese_document(corpus, 100 + n) if chinese else added_document(100 + n)
            if doc is None:
                error = "the corpus has no Chinese document"
                break
            src = scratch / f"zz-bench-added-cli-{n}.txt"
            src.write_text(source_text(doc), encoding="utf-8")
            t0 = time.perf_counter()
            proc = subprocess.run([*base, "add", str(src)], capture_output=True)
            times.append(time.perf_counter() - t0)
            if proc.returncode != 0:
                error = (proc.stderr.decode("utf-8", errors="replace").strip().splitlines() or ["failed"])[-1]
                break
    finally:
        remove_new(corpus, before)
        subprocess.run([*base, "search", COLD_QUERY, "--json"], capture_output=True)  # refresh the index again
    result = {"seconds": spread(times), "command": shlex.join([*base, "add", "FILE.txt"])}
    if error:
        result["error"] = error
    return result


def add_recall(results: dict, queries, paragraphs) -> None:
    """Score every system's full answers against the ground truth, per query and per class."""
    truths = {q.text: ground_truth(q, paragraphs) for q in queries}
    results["ground_truth_counts"] = {k: (len(v) if v is not None else None) for k, v in truths.items()}
    for figures in results["systems"].values():
        matches = figures.pop("_matches", None)
        capped = figures.pop("_capped", {})
        if matches is None:
            continue
        per_query, per_class = {}, {}
        for q in queries:
            truth = truths[q.text]
            found = {(d, n) for d, n in matches.get(q.text, [])}
            if truth is None:
                per_query[q.text] = {"found": len(found), "recall": None}
                continue
            per_query[q.text] = recall_figures(found, truth)
            if q.text in capped:
                # The system could not return all its answers (a result cap): its recall is not measurable here.
                per_query[q.text].update(capped_total=capped[q.text], recall=None)
                continue
            per_class.setdefault(q.cls, []).append(per_query[q.text])
        figures["recall"] = {
            "per_query": per_query,
            "per_class": {
                cls: {
                    "mean_recall": statistics.mean(r["recall"] for r in rows if r["recall"] is not None),
                    "min_recall": min(r["recall"] for r in rows if r["recall"] is not None),
                    "queries": len(rows),
                    "capped_queries": [q.text for q in queries if q.cls == cls and q.text in capped],
                }
                for cls, rows in per_class.items()
                if any(r["recall"] is not None for r in rows)
            },
        }


def add_ratios(results: dict) -> None:
    """npf's figures divided by each anchor's (below 1 means npf is faster or smaller)."""
    systems = results["systems"]
    npf = systems.get("npf", {})
    if "query" not in npf:
        return
    ratios = {}
    for name, other in systems.items():
        if name == "npf" or "query" not in other:
            continue
        pick = {
            "build_seconds": lambda s: s["build"]["seconds"]["median"],
            "peak_rss_mb": lambda s: s["build"]["peak_rss_mb"]["median"],
            "index_bytes": lambda s: s.get("index_bytes") or None,
            "query_p50": lambda s: s["query"]["p50"]["median"],
            "query_p95": lambda s: s["query"]["p95"]["median"],
        }
        ratios[name] = {}
        for key, get in pick.items():
            if not SYSTEMS[name].has_index and not key.startswith("query"):
                ratios[name][key] = None  # nothing built: build time, memory and size have no counterpart
                continue
            a, b = get(npf), get(other)
            ratios[name][key] = (a / b) if a is not None and b is not None and b > 0 else None
    results["ratios_npf_to"] = ratios


def run_benchmark(
    corpus: Path,
    work: Path,
    results_dir: Path,
    size: str,
    repeat: int,
    systems: list[str],
    queries_path: Path,
    command: str,
    with_cli: bool = True,
) -> dict:
    """The whole benchmark on one corpus; writes <date>-<size>.json and .md into results_dir and returns the data.

    `with_cli` adds npf's process-level figures (cold search, `npf add`, core add, TUI first paint).
    """
    work.mkdir(parents=True, exist_ok=True)
    recompiled = compile_bytecode(HERE.parent)
    scratch = work / "scratch"
    scratch.mkdir(exist_ok=True)
    docs = load_corpus(corpus)
    paragraphs = corpus_paragraphs(docs)
    corpus_bytes = sum(p.stat().st_size for p in corpus.glob("*.md"))
    queries = load_queries(queries_path)
    results: dict = {
        "date": dt.date.today().isoformat(),
        "size": size,
        "command": command,
        "repeat": repeat,
        "machine": machine_info(),
        "bytecode": f"compiled before timing ({recompiled} modules had no up-to-date .pyc)",
        "corpus": {
            "path": str(corpus),
            "documents": len(docs),
            "paragraphs": len(paragraphs),
            "bytes": corpus_bytes,
            "zh_documents": sum(d.language.startswith("zh") for d in docs),
        },
        "queries": [{"class": q.cls, "query": q.text, "note": q.note} for q in queries],
        "recall_classes": list(RECALL_CLASSES),
        "systems": {},
    }
    for name in systems:
        results["systems"][name] = bench_system(name, corpus, work, scratch, queries_path, repeat, corpus_bytes)
    if with_cli and "npf" in systems and "error" not in results["systems"]["npf"]:
        results["systems"]["npf"]["cli"] = bench_cli(corpus, work / "npf", scratch, repeat)
    add_recall(results, queries, paragraphs)
    add_ratios(results)
    results_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{results['date']}-{size}"
    (results_dir / f"{stem}.json").write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    write_markdown(results, results_dir / f"{stem}.md")
    shutil.rmtree(scratch, ignore_errors=True)
    return results


def main(argv: list[str] | None = None) -> int:
    """Command line (the --worker options are internal: one measurement in a child process)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", choices=["20mb", "100mb", "300mb"], default="20mb")
    parser.add_argument("--repeat", type=int, default=3, help="builds and timed query passes per system")
    parser.add_argument("--quick", action="store_true", help="one build and one query pass per system")
    parser.add_argument(
        "--systems", default=",".join(ALL_SYSTEMS), help="comma-separated subset of " + ",".join(ALL_SYSTEMS)
    )
    parser.add_argument("--corpus", type=Path, help="use this corpus folder instead of benchmarks/work/corpus-<size>")
    parser.add_argument("--work", type=Path, default=HERE / "work")
    parser.add_argument("--results", type=Path, default=HERE / "results")
    parser.add_argument("--queries", type=Path, default=HERE / "queries.txt")
    parser.add_argument("--no-install", action="store_true", help="do not apt-get install when making the corpus")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--system", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        from workers import worker_main

        return worker_main(args)
    corpus = args.corpus or args.work / f"corpus-{args.size}"
    if not corpus.is_dir():
        import make_corpus

        if not args.no_install:
            make_corpus.install_packages(args.size)
        make_corpus.build(args.size, os.cpu_count() or 1, args.work)
    command = shlex.join(["python", "benchmarks/run.py", *(sys.argv[1:] if argv is None else argv)])
    repeat = 1 if args.quick else args.repeat
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    results = run_benchmark(
        corpus, args.work / f"runs-{args.size}", args.results, args.size, repeat, systems, args.queries, command
    )
    print((args.results / f"{results['date']}-{args.size}.md").read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
