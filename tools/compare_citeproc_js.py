"""Compare npf's citations with citeproc-js (the reference CSL processor, the one Zotero uses) on the bundled corpus.

Renders every bundled document (data/*.md) in every npf style, three ways each: the reference-list entry, the
in-text citation (the note, for note styles) and the in-text citation pointing at a paragraph. npf renders through
citeproc-py with its fixes; citeproc-js renders the same CSL-JSON item (npf's own `csl_json`), with the same .csl
file and the same locale file (citeproc-py's copy), in its "text" output format. Both are compared after collapsing
whitespace, as npf prints them.

citeproc-js is not a dependency of npf: install it in a scratch folder first (Node.js 18 or later), e.g.

    mkdir -p /tmp/cpjs && (cd /tmp/cpjs && npm install citeproc@2.4.63)
    .venv/bin/python tools/compare_citeproc_js.py --citeproc /tmp/cpjs/node_modules/citeproc
    .venv/bin/python tools/compare_citeproc_js.py --citeproc /tmp/cpjs/node_modules/citeproc --all   # every string

It prints each difference (npf, then citeproc-js) and the count of strings that differ; the exit status is 0 when
nothing differs, 1 otherwise. --extra adds documents the corpus lacks (online sources with an access date, Chinese
documents: 72 strings); --without NAME,... leaves npf fixes out, to measure one; --write FILE records citeproc-js's
strings for tests/test_citation.py (tests/csl_suite/citeproc_js_bundled.json), so the tests need no Node.js.

Measured with citeproc-js 2.4.63 on the 8 bundled documents x 6 styles x 3 = 144 strings: citeproc-py 0.11.1 as
released differs on 91, with npf's earlier fixes on 37, with the current ones on none (and on none of the 72 --extra
strings). See docs/quotes.md, "How the citations are checked".
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from npf_tui.core.cite import citation as c  # noqa: E402
from npf_tui.core.models import Document  # noqa: E402
from npf_tui.core.sources.corpus import load_corpus  # noqa: E402

#: The paragraph the third kind of string points at.
PARAGRAPH = 15

_RENDER_JS = r"""
const fs = require("fs");
const path = require("path");
const [citeprocDir, localesDir, jobsFile] = process.argv.slice(2);
const CSL = require(citeprocDir);
const jobs = JSON.parse(fs.readFileSync(jobsFile, "utf8"));
const out = [];
for (const job of jobs) {
  const sys = {
    retrieveLocale: (lang) => {
      const file = path.join(localesDir, `locales-${lang}.xml`);
      return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : false;
    },
    retrieveItem: (id) => job.item,
  };
  const engine = new CSL.Engine(sys, fs.readFileSync(job.style, "utf8"), job.locale || undefined, !!job.locale);
  engine.setOutputFormat("text");
  engine.updateItems([job.item.id]);
  let text;
  if (job.kind === "reference") {
    const bib = engine.bibliography ? engine.makeBibliography() : null;
    text = bib ? bib[1].join("") : engine.makeCitationCluster([{ id: job.item.id }]);
  } else {
    const cite = { id: job.item.id };
    if (job.paragraph) { cite.locator = String(job.paragraph); cite.label = "paragraph"; }
    text = engine.makeCitationCluster([cite]);
  }
  out.push(text);
}
process.stdout.write(JSON.stringify(out));
"""


def _tidy(text: str) -> str:
    return " ".join(text.split())


def extra_documents() -> list[Document]:
    """Documents the bundled corpus lacks: online sources with an access date (with and without a publication
    date), a Chinese newspaper article, a Chinese author. 72 more strings with --extra."""
    return [
        Document(
            "online",
            title="What Xi Jinping’s new catchphrase means",
            author="Jacque Rainey",
            outlet="Semafor",
            published="2024-02-02",
            url="https://www.semafor.com/article/02/02/2024/xi",
            language="en",
            extra={"accessed": "2024-05-20"},
        ),
        Document(
            "online-undated",
            title="Ryan Hass on China’s “new quality productive forces”",
            author="Ryan Hass",
            outlet="Brookings Institution",
            url="https://www.brookings.edu/x",
            language="en",
            extra={"accessed": "2024-05-20"},
        ),
        Document(
            "zh-online",
            title="加快发展新质生产力",
            outlet="人民日报",
            published="2024-03-01",
            language="zh-CN",
            url="http://example.cn/a",
            extra={"accessed": "2024-03-05"},
        ),
        Document(
            "zh-author", title="加快发展新质生产力", author="习近平", outlet="求是", published="2024", language="zh"
        ),
    ]


def jobs(extra: bool = False) -> list[dict]:
    """Every (document, style, kind) to render, with npf's rendering and what citeproc-js needs for its own."""
    out = []
    for doc in load_corpus(REPO / "data") + (extra_documents() if extra else []):
        item = c.csl_json(doc)
        item["id"] = item["id"].lower()
        for info in c.STYLES.values():
            locale = c.locale_for(info, doc)
            for kind, paragraph in (("reference", None), ("citation", None), ("citation-paragraph", PARAGRAPH)):
                if kind == "reference":
                    npf = c.bibliography_entry(doc, info.name).text
                else:
                    npf = c.in_text(doc, info.name, paragraph=paragraph).text
                out.append(
                    {
                        "doc": doc.doc_id,
                        "style": info.name,
                        "kind": kind,
                        "item": item,
                        "style_file": c.style_path(info.csl),
                        "locale": locale,
                        "paragraph": paragraph,
                        "npf": npf,
                    }
                )
    return out


def run_node(script_text: str, citeproc_dir: Path, payload: list[dict]):
    """Run a Node.js script with citeproc-js's folder, citeproc-py's locale folder and a JSON file of jobs as its
    arguments; its stdout, read as JSON (one Node.js process for all the jobs)."""
    from citeproc import LOCALES_PATH

    node = shutil.which("node")
    if node is None:
        raise SystemExit("node (Node.js) is not on PATH")
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "render.js"
        script.write_text(script_text, encoding="utf-8")
        jobs_file = Path(tmp) / "jobs.json"
        jobs_file.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
        done = subprocess.run(
            [node, str(script), str(citeproc_dir.resolve()), str(LOCALES_PATH), str(jobs_file)],
            capture_output=True,
            text=True,
            check=True,
        )
    return json.loads(done.stdout)


def render_js(citeproc_dir: Path, todo: list[dict]) -> list[str]:
    """citeproc-js's text for each job, with citeproc-py's locale files."""
    payload = [
        {
            "item": j["item"],
            "style": j["style_file"],
            "locale": j["locale"],
            "kind": "reference" if j["kind"] == "reference" else "citation",
            "paragraph": j["paragraph"],
        }
        for j in todo
    ]
    return [_tidy(text) for text in run_node(_RENDER_JS, citeproc_dir, payload)]


_BUNDLED = {doc.doc_id for doc in load_corpus(REPO / "data")}


def _record(citeproc_dir: Path, path: Path, rendered: list[tuple[dict, str]]) -> None:
    """Write citeproc-js's strings, for tests/test_citation.py to hold npf to them without Node.js."""
    version = json.loads((citeproc_dir / "package.json").read_text(encoding="utf-8"))["version"]
    data = {
        "about": f"citeproc-js {version}'s rendering of the bundled corpus (data/) in npf's styles, written by "
        "tools/compare_citeproc_js.py --write; do not edit by hand",
        "citeproc_js": version,
        "paragraph": PARAGRAPH,
        "strings": [{"doc": j["doc"], "style": j["style"], "kind": j["kind"], "text": js} for j, js in rendered],
    }
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--citeproc", type=Path, required=True, help="the citeproc npm package folder")
    parser.add_argument("--all", action="store_true", help="print every string, not only the differences")
    parser.add_argument("--json", type=Path, help="also write every (document, style, kind, npf, citeproc-js)")
    parser.add_argument("--without", default="", help="leave out these npf fixes (comma-separated), to measure one")
    parser.add_argument("--extra", action="store_true", help="also render documents the corpus lacks (72 strings)")
    parser.add_argument(
        "--write",
        type=Path,
        help="record citeproc-js's strings for the bundled corpus (tests/csl_suite/citeproc_js_bundled.json)",
    )
    args = parser.parse_args(argv)
    if args.without:
        from npf_tui.core.cite import csl_fixes

        csl_fixes.apply(without=args.without.split(","))
    todo = jobs(extra=args.extra)
    theirs = render_js(args.citeproc, todo)
    if args.write:
        _record(
            args.citeproc, args.write, [(j, js) for j, js in zip(todo, theirs, strict=True) if j["doc"] in _BUNDLED]
        )
    differ = 0
    rows = []
    for job, js in zip(todo, theirs, strict=True):
        same = _tidy(job["npf"]) == js
        differ += not same
        rows.append({k: job[k] for k in ("doc", "style", "kind", "npf")} | {"citeproc_js": js, "same": same})
        if args.all or not same:
            mark = "  " if same else "≠ "
            print(f"{mark}{job['doc']} · {job['style']} · {job['kind']}")
            print(f"     npf: {job['npf']}")
            if not same:
                print(f"     cjs: {js}")
    print(f"{differ} of {len(todo)} strings differ from citeproc-js")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
