"""Compare npf's citations rendered together (a writing project: numbering, year suffixes, repeated notes, the
sorted reference list) with citeproc-js, the reference CSL processor Zotero uses.

Four papers, chosen by rule before any run (tests/csl_suite/citeproc_js_project.json records citeproc-js's output):
every bundled document in id order, each pointing at paragraph 2, then the first one again; the same in reverse
order without locators; the three undated Global Times articles and Hass (the ones that cite alike); and the bundled
documents with tools/compare_citeproc_js.py's four extra ones (online sources with an access date, Chinese documents).
Each paper is rendered in every npf style: each citation in turn as citeproc-js's processCitationCluster gives it
(with a note number, so that note styles shorten a repeated source as they do in a paper), and the reference list.

    mkdir -p /tmp/cpjs && (cd /tmp/cpjs && npm install citeproc@2.4.63)
    .venv/bin/python tools/compare_project_js.py --citeproc /tmp/cpjs/node_modules/citeproc
    .venv/bin/python tools/compare_project_js.py --citeproc /tmp/cpjs/node_modules/citeproc \
        --write tests/csl_suite/citeproc_js_project.json

Exit status 0 when nothing differs, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from compare_citeproc_js import extra_documents, run_node  # noqa: E402

from npf_tui.core.cite import citation as c  # noqa: E402
from npf_tui.core.cite.collection import Cite, render_together  # noqa: E402
from npf_tui.core.models import Document  # noqa: E402
from npf_tui.core.sources.corpus import load_corpus  # noqa: E402

_RENDER_JS = r"""
const fs = require("fs");
const path = require("path");
const [citeprocDir, localesDir, jobsFile] = process.argv.slice(2);
const CSL = require(citeprocDir);
const out = [];
for (const job of JSON.parse(fs.readFileSync(jobsFile, "utf8"))) {
  const byId = Object.fromEntries(job.items.map((i) => [i.id, i]));
  const sys = {
    retrieveLocale: (lang) => {
      const file = path.join(localesDir, `locales-${lang}.xml`);
      return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : false;
    },
    retrieveItem: (id) => byId[id],
  };
  const engine = new CSL.Engine(sys, fs.readFileSync(job.style, "utf8"), job.locale || undefined, !!job.locale);
  engine.setOutputFormat("text");
  const ids = [];
  for (const cite of job.cites) if (!ids.includes(cite.id)) ids.push(cite.id);
  engine.updateItems(ids);
  const citations = [];
  const before = [];
  job.cites.forEach((cite, i) => {
    const one = { id: cite.id };
    if (cite.paragraph) { one.locator = String(cite.paragraph); one.label = "paragraph"; }
    const citation = { citationItems: [one], properties: { noteIndex: i + 1 }, citationID: "c" + i };
    const result = engine.processCitationCluster(citation, before, []);
    before.push(["c" + i, i + 1]);
    for (const [index, text] of result[1]) citations[index] = text;
  });
  const bib = engine.bibliography ? engine.makeBibliography() : null;
  out.push({ citations, references: bib ? bib[1] : [] });
}
process.stdout.write(JSON.stringify(out));
"""


def _tidy(text: str) -> str:
    return " ".join(text.split())


def papers() -> dict[str, list[tuple[Document, int | None]]]:
    """The papers, by name: (document, paragraph) in the order they are cited."""
    bundled = load_corpus(REPO / "data")
    extra = extra_documents()
    by_id = {d.doc_id: d for d in bundled}
    undated = ["globaltimes-xiconomics-in-practice", "globaltimes-2024-major-projects-start"]
    undated += ["brookings-hass-new-quality-productive-forces", "globaltimes-climate-envoy-visits-us"]
    return {
        "in-order": [(d, 2) for d in bundled] + [(bundled[0], 2)],
        "reversed": [(d, None) for d in reversed(bundled)],
        "alike": [(by_id[i], 3) for i in undated] + [(by_id[undated[0]], 4)],
        "with-extra": [(d, 2) for d in bundled + extra],
    }


def npf_rendering() -> list[dict]:
    """npf's strings for every (paper, style)."""
    out = []
    for name, cites in papers().items():
        for info in c.STYLES.values():
            done = render_together([Cite(doc, paragraph) for doc, paragraph in cites], info.name)
            out.append(
                {
                    "paper": name,
                    "style": info.name,
                    "citations": [x.text for x in done.citations],
                    "references": [x.text for x in done.references],
                }
            )
    return out


def js_rendering(citeproc_dir: Path) -> list[dict]:
    """citeproc-js's strings for every (paper, style), in npf_rendering's order."""
    from npf_tui.core.cite.collection import paper_locale

    payload = []
    for cites in papers().values():
        docs = list({doc.doc_id: doc for doc, _ in cites}.values())
        items = []
        for doc in docs:
            item = c.csl_json(doc)
            item["id"] = item["id"].lower()
            items.append(item)
        for info in c.STYLES.values():
            payload.append(
                {
                    "style": c.style_path(info.csl),
                    "locale": paper_locale(info, docs),
                    "items": items,
                    "cites": [{"id": doc.doc_id.lower(), "paragraph": p} for doc, p in cites],
                }
            )
    rendered = run_node(_RENDER_JS, citeproc_dir, payload)
    return [
        {"citations": [_tidy(t) for t in r["citations"]], "references": [_tidy(t) for t in r["references"]]}
        for r in rendered
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--citeproc", type=Path, required=True, help="the citeproc npm package folder")
    parser.add_argument("--write", type=Path, help="record citeproc-js's strings (tests/csl_suite/...project.json)")
    args = parser.parse_args(argv)
    ours, theirs = npf_rendering(), js_rendering(args.citeproc)
    differ = total = 0
    for mine, js in zip(ours, theirs, strict=True):
        for kind in ("citations", "references"):
            pairs = list(zip(mine[kind], js[kind], strict=False))
            total += max(len(mine[kind]), len(js[kind]))
            bad = [(a, b) for a, b in pairs if a != b] + [("(missing)", "")] * abs(len(mine[kind]) - len(js[kind]))
            differ += len(bad)
            for a, b in bad:
                print(f"≠ {mine['paper']} · {mine['style']} · {kind}\n     npf: {a}\n     cjs: {b}")
    print(f"{differ} of {total} strings differ from citeproc-js")
    if args.write:
        version = json.loads((args.citeproc / "package.json").read_text(encoding="utf-8"))["version"]
        record = {
            "about": f"citeproc-js {version}'s rendering of tools/compare_project_js.py's papers, written by that "
            "tool with --write; do not edit by hand",
            "citeproc_js": version,
            "renderings": [{"paper": m["paper"], "style": m["style"]} | js for m, js in zip(ours, theirs, strict=True)],
        }
        args.write.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
