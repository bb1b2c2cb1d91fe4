"""The share of expansion-only hits judged relevant, judged two ways: `python benchmarks/eval_crosslang_inflections.py
--index benchmarks/work/idx-20mb-C`.

eval_crosslang.py's rule (unchanged, and used for every number it reports) judges an English passage relevant to a
term only when it holds the term as the exact word: "files" does not count for "file", nor "names" for "name". npf
searches English words by their stem, as the rule's own anchors (Whoosh) do, so an expansion to "file" finds
"files" too, and the rule counts those passages as misses. This script reports the rule's share next to the share
with the term's regular English inflections (-s, -es, -ed, -d, -ing, doubled consonant + -ed/-ing) also counted.
Nothing else differs: the queries, targets and systems are eval_crosslang.py's. It also reports the rule's "all"
row without the zh_literal class, whose queries are the zh_to_en queries again (the same text, so the same hits
counted twice).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))

from eval_crosslang import CORPUS, QUERIES, WORK, NpfSystem, _unpack  # noqa: E402

from npf_tui.core.sources.corpus import load_corpus  # noqa: E402
from npf_tui.core.text.textnorm import normalize  # noqa: E402


def inflected(term: str) -> re.Pattern:
    """The term as whole words, its last word with a regular inflection ("file" → files, filed; "debug" →
    debugging)."""
    words = term.split()
    last = re.escape(words[-1])
    double = re.escape(words[-1][-1]) if words[-1][-1] not in "aeiouy" else ""
    tail = rf"{last}(?:s|es|d|ed|ing|{double}ed|{double}ing)?" if double else rf"{last}(?:s|es|d|ed|ing)?"
    body = r"\s+".join([*map(re.escape, words[:-1]), tail])
    return re.compile(rf"(?<![a-z0-9]){body}(?![a-z0-9])")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--index", type=Path, default=WORK / "npf")
    parser.add_argument("--out", type=Path, default=None, help="write the shares as JSON here")
    args = parser.parse_args()
    queries = json.loads(gzip.decompress(QUERIES.read_bytes()))["queries"]
    strict: dict[str, set] = defaultdict(set)
    for q in queries:
        strict[q["term"]] |= _unpack(q["target"]) | _unpack(q["also_relevant"])
    passages = [(d.doc_id, n, normalize(t)) for d in load_corpus(args.corpus) for n, t in enumerate(d.paragraphs, 1)]
    loose = {}
    for term, relevant in strict.items():
        rx = inflected(term)
        loose[term] = relevant | {(d, n) for d, n, t in passages if rx.search(t)}
    npf = NpfSystem(args.corpus, args.index, exact=False)
    exact = NpfSystem(args.corpus, args.index, exact=True)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for q in queries:
        extra = npf.matches(q["query"]) - exact.matches(q["query"])
        row = counts[q["class"]]
        row[0] += len(extra & strict[q["term"]])
        row[1] += len(extra & loose[q["term"]])
        row[2] += len(extra)
    out = {}
    for name, classes in [
        *[(c, [c]) for c in sorted(counts)],
        ("all", list(counts)),
        ("all but zh_literal", [c for c in counts if c != "zh_literal"]),
    ]:
        r_strict = sum(counts[c][0] for c in classes)
        r_loose = sum(counts[c][1] for c in classes)
        hits = sum(counts[c][2] for c in classes)
        out[name] = {
            "hits": hits,
            "rule": round(r_strict / hits, 3) if hits else None,
            "with_inflections": round(r_loose / hits, 3) if hits else None,
        }
        print(f"{name}: {hits} hits, rule {out[name]['rule']}, with inflections {out[name]['with_inflections']}")
    if args.out:
        args.out.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
