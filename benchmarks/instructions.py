"""Count the instructions a cost takes (valgrind's callgrind), for comparisons a noisy machine cannot blur.

    python benchmarks/instructions.py cold CORPUS INDEX [--code DIR ...]        # `npf search 进程 --json`
    python benchmarks/instructions.py queries CORPUS INDEX [--code DIR ...]     # one pass over queries.txt
    python benchmarks/instructions.py add CORPUS INDEX [--code DIR ...]         # `npf add` of the English article
    python benchmarks/instructions.py reader-add CORPUS INDEX [--code DIR ...]  # the reader's import of one file

Wall time on this 2-core virtual machine drifts by ±25-40 % within minutes (the same cold search: 0.51 s at 22:02,
0.78 s at 22:47), on old and new code alike. The count of instructions executed does not: two runs of the same cold
search differ by under 0.1 %. It is a proxy (a cache miss costs more than an add), so it says which of two trees
does less work, by how much, and nothing about seconds: the wall-time figures stay scaling_probe.py's.

`queries`, `add` and `reader-add` subtract a baseline run from a run with more work (two query passes against none,
after the same warm-up pass; three imports against one), so that starting the process and opening the library cancel
out. Each `--code DIR` is a folder holding an npf_tui package (default: this tree). Every run takes 20-60 s under
valgrind. `add` and `reader-add` change the corpus and put it back (the files they wrote are removed, the index
brought back by a search).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: Run under valgrind: the code's folder goes first on sys.path (`python -c` would put the working directory, maybe
#: this very tree, before PYTHONPATH).
CHILD = r"""
import sys, tempfile
from pathlib import Path
sys.path.insert(0, sys.argv[1])
sys.path.insert(1, sys.argv[2])
mode, corpus, index, n = sys.argv[3], Path(sys.argv[4]), Path(sys.argv[5]), int(sys.argv[6])
if mode == 'cold':
    from npf_tui.cli import main
    sys.exit(main(['--corpus', str(corpus), '--index', str(index), 'search', '进程', '--json']))
from npf_tui.core.search.library import Library
if mode == 'queries':
    from truth import load_queries
    lib = Library.open(corpus, index)
    queries = load_queries(Path(sys.argv[2]) / 'queries.txt')
    for rep in range(1 + n):
        for q in queries:
            lib.search(q.text, limit=20)
elif mode == 'reader-add':
    from npf_tui.core.search.updates import import_and_index
    from workers import added_document, source_text
    lib = Library.open(corpus, index)
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(n):
            doc = added_document(600 + k)
            src = Path(tmp) / f'zz-ir-{k}.txt'
            src.write_text(source_text(doc, f'Instruction count copy {k}.'), encoding='utf-8')
            result = import_and_index([src], corpus, index, library=lib)
            assert len(result.report.added) == 1 and not result.index_error, result
elif mode == 'add':
    from npf_tui.cli import main
    from workers import added_document, source_text
    doc = added_document(977)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / 'zz-ir-add.txt'
        src.write_text(source_text(doc), encoding='utf-8')
        sys.exit(main(['--corpus', str(corpus), '--index', str(index), 'add', str(src)]))
"""


def count(code: Path, mode: str, corpus: Path, index: Path, n: int) -> int:
    """Instructions executed by one child process (callgrind's "I refs"); the corpus is put back afterwards."""
    from workers import document_names, remove_new

    before = document_names(corpus)
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={tmp}/callgrind.out",
            sys.executable,
            "-c",
            CHILD,
            str(code),
            str(HERE),
            mode,
            str(corpus),
            str(index),
            str(n),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp)
    if remove_new(corpus, before):
        subprocess.run(
            [sys.executable, "-c", CHILD, str(code), str(HERE), "cold", str(corpus), str(index), "0"],
            capture_output=True,
            cwd=tempfile.gettempdir(),
        )
    found = re.search(r"I\s+refs:\s+([\d,]+)", proc.stderr)
    if proc.returncode not in (0, 1) or not found:
        raise SystemExit(f"{mode} failed under valgrind: {proc.stderr.strip().splitlines()[-3:]}")
    return int(found.group(1).replace(",", ""))


def measure(code: Path, what: str, corpus: Path, index: Path) -> dict:
    """The instruction count of one cost for one tree."""
    if what in ("cold", "add"):
        return {"instructions": count(code, what, corpus, index, 0)}
    low, high, per = {"queries": (0, 2, "per_pass"), "reader-add": (1, 3, "per_import")}[what]
    base, more = count(code, what, corpus, index, low), count(code, what, corpus, index, high)
    return {per: (more - base) // (high - low), "runs": {str(low): base, str(high): more}}


def main(argv: list[str] | None = None) -> int:
    """Print one JSON line per tree."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["cold", "queries", "add", "reader-add"])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("index", type=Path)
    parser.add_argument("--code", type=Path, action="append", help="folder holding an npf_tui package (repeatable)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(HERE))
    from run import compile_bytecode

    for code in args.code or [HERE.parent]:
        code = code.resolve()
        compile_bytecode(code)
        result = measure(code, args.what, args.corpus.resolve(), args.index.resolve())
        print(json.dumps({"what": args.what, "code": str(code), **result}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
