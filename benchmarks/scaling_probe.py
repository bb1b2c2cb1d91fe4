"""Measure how the build and `npf add` grow with the corpus, in a form that survives a loaded machine.

    python benchmarks/scaling_probe.py build CORPUS INDEX [--code DIR]
    python benchmarks/scaling_probe.py add CORPUS INDEX [--code DIR] [--repeat 3] [--chinese]
    python benchmarks/scaling_probe.py core-add CORPUS INDEX [--code DIR] [--repeat 3]
    python benchmarks/scaling_probe.py reader-add CORPUS INDEX [--code DIR] [--repeat 3]  # the reader's import
    python benchmarks/scaling_probe.py query CORPUS INDEX [--code DIR] [--repeat 3]   # p50/p95 over queries.txt
    python benchmarks/scaling_probe.py cold CORPUS INDEX [--code DIR] [--repeat 3]    # `npf search 进程 --json`
    python benchmarks/scaling_probe.py tui CORPUS INDEX [--code DIR] [--repeat 3]     # the reader: paint, ready

`--code DIR` runs the npf package found in DIR (e.g. a copy of the tree before a change) instead of this tree's, so
old and new can be compared on the same corpus, interleaved. Besides wall time (noisy when other work shares the
cores) each figure carries what a loaded machine does not disturb: the peak PSS of the process tree (sampled every
50 ms, as benchmarks/run.py does), and for the child process its CPU seconds (user + system, from wait4) and the
bytes it read and wrote through system calls (`rchar`/`wchar` of /proc/PID/io) — work that grows with the corpus
shows there whatever the load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import TreeSampler, compile_bytecode  # noqa: E402

#: Run inside the child: the command's own code, with its I/O counters written out just before it exits (npf's
#: subcommands leave through os._exit, which skips atexit, so os._exit itself is wrapped).
CHILD = r"""
import os, sys, json
sys.path.insert(0, sys.argv[1])
out = sys.argv[2]
real_exit = os._exit
def dump():
    with open('/proc/self/io') as f:
        io = dict(line.split(': ') for line in f.read().splitlines())
    with open(out, 'w') as f:
        json.dump({k: int(v) for k, v in io.items()}, f)
def leave(code=0):
    dump()
    real_exit(code)
os._exit = leave
mode = sys.argv[3]
args = sys.argv[4:]
if mode == 'cli':
    from npf_tui.cli import main
    try:
        code = main(args)
    except SystemExit as exc:
        code = exc.code or 0
    leave(code or 0)
elif mode == 'build':
    from pathlib import Path
    from npf_tui.core.search.index import ensure_index
    ensure_index(Path(args[0]), Path(args[1]), rebuild=True)
    leave(0)
elif mode == 'query':
    import time, statistics
    from pathlib import Path
    from npf_tui.core.search.library import Library
    sys.path.insert(0, args[2])
    from truth import load_queries
    lib = Library.open(Path(args[0]), Path(args[1]))
    queries = load_queries(Path(args[2]) / 'queries.txt')
    passes = []
    for rep in range(int(args[3]) + 1):
        values = []
        for q in queries:
            t0 = time.perf_counter()
            lib.search(q.text, limit=20)
            values.append((time.perf_counter() - t0) * 1000)
        if rep:
            values.sort()
            k = lambda pct: values[min(len(values) - 1, round((len(values) - 1) * pct))]
            passes.append({'p50': k(0.5), 'p95': k(0.95), 'max': values[-1]})
    with open(out + '.times', 'w') as f:
        json.dump(passes, f)
    leave(0)
elif mode == 'core-add':
    import time
    from pathlib import Path
    from npf_tui.core.search.library import Library
    from npf_tui.core.sources.corpus import write_document
    sys.path.insert(0, args[2])
    from workers import added_document
    lib = Library.open(Path(args[0]), Path(args[1]))
    times = []
    for n in range(int(args[3])):
        doc = added_document(500 + n)
        t0 = time.perf_counter()
        write_document(Path(args[0]), doc)
        lib.refresh()
        times.append(time.perf_counter() - t0)
        assert any(d.doc_id == doc.doc_id for d in lib.documents)
    with open(out + '.times', 'w') as f:
        json.dump(times, f)
    leave(0)
elif mode == 'reader-add':
    # What the reader's import runs (ui/app.py): import_and_index with the open library, one new file each time.
    import time, tempfile
    from pathlib import Path
    from npf_tui.core.search.library import Library
    from npf_tui.core.search.updates import import_and_index
    sys.path.insert(0, args[2])
    from workers import added_document, source_text
    corpus, index = Path(args[0]), Path(args[1])
    lib = Library.open(corpus, index)
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(int(args[3])):
            doc = added_document(700 + n)
            src = Path(tmp) / f"zz-reader-{n}.txt"
            # a paragraph of its own: the same text twice would be a duplicate (the title line is not compared)
            src.write_text(source_text(doc, f"Benchmark copy {n}."), encoding="utf-8")
            t0 = time.perf_counter()
            result = import_and_index([src], corpus, index, library=lib)
            times.append(time.perf_counter() - t0)
            assert len(result.report.added) == 1 and not result.index_error, result
    with open(out + '.times', 'w') as f:
        json.dump(times, f)
    leave(0)
"""


def run_child(code_dir: Path, mode: str, args: list[str]) -> dict:
    """Run one measured child; returns wall and CPU seconds, peak PSS/RSS of its tree, and its I/O counters."""
    with tempfile.TemporaryDirectory() as tmp:
        io_path = Path(tmp) / "io.json"
        cmd = [sys.executable, "-c", CHILD, str(code_dir), str(io_path), mode, *args]
        env = dict(os.environ, PYTHONPATH=str(code_dir))
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        sampler = TreeSampler(proc.pid)
        sampler.start()
        stderr = proc.stderr.read().decode("utf-8", errors="replace") if proc.stderr else ""
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        sampler.stop()
        code = os.waitstatus_to_exitcode(status)
        io = json.loads(io_path.read_text()) if io_path.exists() else {}
        times_path = Path(str(io_path) + ".times")
        times = json.loads(times_path.read_text()) if times_path.exists() else None
    if code != 0:
        raise SystemExit(f"{mode} failed ({code}): {stderr.strip().splitlines()[-1:]}")
    result = {
        "wall_s": round(wall, 3),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
        "peak_pss_mb": round(sampler.peak_pss, 1),
        "peak_rss_mb": round(sampler.peak, 1),
        "read_mb": round(io.get("rchar", 0) / 2**20, 2),
        "written_mb": round(io.get("wchar", 0) / 2**20, 2),
        "read_syscalls": io.get("syscr", 0),
    }
    if times is not None:
        result["refresh_s"] = [round(t, 3) if isinstance(t, float) else t for t in times]
    return result


def remove_added(corpus: Path) -> None:
    """Delete the documents the probe added (their names start with zz-bench-added or zz-scaling)."""
    for path in corpus.glob("*.md"):
        if path.stem.startswith(("zz-bench-added", "zz-scaling")):
            path.unlink()


def add_once(code: Path, corpus: Path, index: Path, n: int, chinese: bool = False) -> dict:
    """`npf add` of one new file as a fresh process: the bundled English article, or (`chinese`) the corpus's first
    Chinese page under a new first line. The document is removed again after, and the index brought back."""
    from workers import added_chinese_document, added_document, document_names, remove_new, source_text

    doc = added_chinese_document(corpus, 900 + n) if chinese else added_document(900 + n)
    if doc is None:
        raise SystemExit("the corpus has no Chinese document")
    before = document_names(corpus)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / f"zz-scaling-{n}.txt"
        src.write_text(source_text(doc), encoding="utf-8")
        base = ["--corpus", str(corpus), "--index", str(index)]
        try:
            result = run_child(code, "cli", [*base, "add", str(src)])
            added = sorted(document_names(corpus) - before)
            if len(added) != 1:
                raise SystemExit(f"the add did not write one document: {added}")
            return result
        finally:
            remove_new(corpus, before)
            run_child(code, "cli", [*base, "search", "进程", "--json"])  # the index follows the removal


def tui_times(code: Path, corpus: Path, index: Path, repeat: int) -> dict:
    """The reader (bare `npf`) in a 120x40 pseudo-terminal: seconds to its first screen and to ready (the status
    line shows the corpus size), as benchmarks/run.py times it, for the npf package in `code`."""
    from terminal import FIRST_PAINT, READY, time_to_screen

    # The code's folder first on sys.path: `python -c` puts the working directory (maybe this tree) before PYTHONPATH.
    run = f"import sys; sys.path.insert(0, {str(code)!r}); from npf_tui.cli import main; sys.exit(main(sys.argv[1:]))"
    command = [sys.executable, "-c", run]
    paint, ready = [], []
    env = dict(os.environ, PYTHONPATH=str(code))
    for _ in range(repeat):
        seen = time_to_screen(
            [*command, "--corpus", str(corpus), "--index", str(index)], {"paint": FIRST_PAINT, "ready": READY}, env=env
        )
        if len(seen) != 2:
            raise SystemExit(f"the reader did not draw {'its search box' if 'paint' not in seen else 'ready'}")
        paint.append(round(seen["paint"], 3))
        ready.append(round(seen["ready"], 3))
    return {
        "paint_s": paint,
        "ready_s": ready,
        "median": {"paint_s": statistics.median(paint), "ready_s": statistics.median(ready)},
    }


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and print one JSON result per line."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["build", "add", "core-add", "reader-add", "query", "cold", "tui"])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("index", type=Path)
    parser.add_argument("--code", type=Path, default=HERE.parent, help="folder holding the npf_tui package to run")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--chinese", action="store_true", help="add: a Chinese page of the corpus, not the article")
    args = parser.parse_args(argv)
    corpus, index, code = args.corpus.resolve(), args.index.resolve(), args.code.resolve()
    compile_bytecode(code)  # start times are npf's, not the compiler's (run.compile_bytecode)
    if args.what == "build":
        print(json.dumps({"what": "build", "code": str(code), **run_child(code, "build", [str(corpus), str(index)])}))
    elif args.what == "add":
        runs = [add_once(code, corpus, index, n, args.chinese) for n in range(args.repeat)]
        summary = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        print(
            json.dumps(
                {"what": "add-zh" if args.chinese else "add", "code": str(code), "median": summary, "runs": runs}
            )
        )
    elif args.what == "query":
        result = run_child(code, "query", [str(corpus), str(index), str(HERE), str(args.repeat)])
        passes = result.pop("refresh_s")
        summary = {k: round(statistics.median(p[k] for p in passes), 2) for k in ("p50", "p95", "max")}
        print(json.dumps({"what": "query", "code": str(code), "ms": summary, "passes": passes, **result}))
    elif args.what == "tui":
        print(json.dumps({"what": "tui", "code": str(code), **tui_times(code, corpus, index, args.repeat)}))
    elif args.what == "cold":
        base = ["--corpus", str(corpus), "--index", str(index)]
        runs = [run_child(code, "cli", [*base, "search", "进程", "--json"]) for _ in range(args.repeat)]
        summary = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        print(json.dumps({"what": "cold", "code": str(code), "median": summary, "runs": runs}))
    else:
        from workers import document_names, remove_new

        before = document_names(corpus)
        try:
            result = run_child(code, args.what, [str(corpus), str(index), str(HERE), str(args.repeat)])
        finally:
            remove_added(corpus)
            remove_new(corpus, before)  # the reader's imports take ids from the titles
            run_child(code, "cli", ["--corpus", str(corpus), "--index", str(index), "search", "进程", "--json"])
        print(json.dumps({"what": args.what, "code": str(code), **result}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
