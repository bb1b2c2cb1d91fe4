# The fixture runner below (ProcessorTest, IGNORED_RESULTS and the scoring of one fixture) is adapted from
# citeproc-py 0.11.1's tests/citeproc-test.py, under its licence:
#
# Copyright 2011-2013 Brecht Machiels. All rights reserved.
#
# Redistribution and use in source and binary forms, with or without modification,
# are permitted provided that the following conditions are met:
#
#    1. Redistributions of source code must retain the above copyright notice,
#       this list of conditions and the following disclaimer.
#
#    2. Redistributions in binary form must reproduce the above copyright notice,
#       this list of conditions and the following disclaimer in the documentation
#       and/or other materials provided with the distribution.
#
# THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS" AND
# ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE IMPLIED
# WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE
# DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR CONTRIBUTORS BE LIABLE FOR
# ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES
# (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES;
# LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON
# ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR TORT
# (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE OF THIS
# SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
#
# The views and conclusions contained in the software and documentation are those
# of the authors and should not be interpreted as representing official policies,
# either expressed or implied, of the copyright holder.
"""Score the CSL processor test-suite fixtures (humans/) with citeproc-py, vanilla or with npf's fixes.

The runner is citeproc-py's own (its tests/citeproc-test.py: the same citation and bibliography calls, the same
result normalisation, the same six fixtures ignored as citeproc-js specific), so "vanilla" here means exactly what
citeproc-py's maintainers measure: 503 of the 839 scored fixtures pass with citeproc-py 0.11.1.

Regenerate the committed lists after a change to the fixes (from the repository root, with the project's venv):

    .venv/bin/python tests/csl_suite/harness.py vanilla --write   # vanilla_passes.json (a fresh process: no fixes)
    .venv/bin/python tests/csl_suite/harness.py patched --write   # npf_passes.json
    .venv/bin/python tests/csl_suite/harness.py compare           # regressions, fixes, what is still failing
    .venv/bin/python tests/csl_suite/harness.py patched --without title-case   # what one fix does

Each run takes about 13 s on one core.
"""

from __future__ import annotations

import importlib.util
import io
import json
import signal
import sys
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "humans"
VANILLA_PASSES = HERE / "vanilla_passes.json"
NPF_PASSES = HERE / "npf_passes.json"

#: Not scored (citeproc-py's list: they test citeproc-js's raw-date input, not CSL).
IGNORED_RESULTS = {
    "date_Accessed": "raw date",
    "date_LopsidedDataYearSuffixCollapse": "raw date",
    "date_SeasonRange1": "raw date",
    "date_SeasonRange2": "raw date",
    "date_SeasonRange3": "raw date",
    "date_String": "raw date",
}

#: A fixture that has not finished after this many seconds counts as failed (none comes near: the slowest takes 0.3 s).
TIMEOUT = 20


def _load_processor():
    """The test-suite's own fixture parser (processor.py, vendored unchanged)."""
    spec = importlib.util.spec_from_file_location("csl_suite_processor", HERE / "processor.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_processor = _load_processor()


def fixture_names(scored_only: bool = True) -> list[str]:
    """The fixture names (file names without .txt), sorted; by default without the ignored ones."""
    names = sorted(path.stem for path in FIXTURES.glob("*.txt"))
    return [name for name in names if not (scored_only and name in IGNORED_RESULTS)]


class ProcessorTest:
    """One fixture: its style, items and citations, and a method that renders them as the suite expects."""

    bib_prefix = '<div class="csl-bib-body">'
    bib_suffix = "</div>"
    item_prefix = '  <div class="csl-entry">'
    item_suffix = "</div>"

    def __init__(self, filename: Path) -> None:
        from citeproc import CitationStylesBibliography, CitationStylesStyle
        from citeproc.source.json import CiteProcJSON

        self.csl_test = _processor.CslTest({}, None, (str(filename),), filename.name)
        self.csl_test.parse()
        self.style = CitationStylesStyle(io.BytesIO(self.data["csl"].encode("utf-8")))
        self._fix_input(self.data["input"])
        self.references = [item["id"] for item in self.data["input"]]
        self.references_dict = CiteProcJSON(self.data["input"])
        self.bibliography = CitationStylesBibliography(self.style, self.references_dict)
        self.expected = self.data["result"].splitlines()

    @property
    def data(self) -> dict:
        return self.csl_test.data

    @staticmethod
    def _fix_input(input_data: list[dict]) -> None:
        for i, ref in enumerate(input_data):
            if "id" not in ref:
                ref["id"] = i
            if "type" not in ref:
                ref["type"] = "book"

    def execute(self) -> list[str]:
        from citeproc.source import Citation

        if self.data["citation_items"]:
            citations = [self.parse_citation(item) for item in self.data["citation_items"]]
        elif self.data["citations"]:
            citations = []
            for cit in self.data["citations"]:
                cit = cit[0]
                citation = Citation([self.parse_citation_item(cititem) for cititem in cit["citationItems"]])
                citation.key = cit["citationID"]
                citation.note_index = cit["properties"]["noteIndex"]
                citations.append(citation)
        elif self.data["bibentries"]:
            citations = [Citation([self.parse_citation_item({"id": entry}) for entry in self.data["bibentries"][-1]])]
        else:
            citations = [Citation([self.parse_citation_item({"id": ref}) for ref in self.references])]

        for citation in citations:
            self.bibliography.register(citation)
        if self.style.has_bibliography():
            self.bibliography.sort()

        results = []

        def do_nothing(_item):
            return None

        if self.data["mode"] == "citation":
            if self.data["citations"]:
                for i, citation in enumerate(citations):
                    marker = ">>" if i == len(citations) - 1 else ".."
                    results.append(f"{marker}[{i}] " + self.bibliography.cite(citation, do_nothing))
            else:
                for citation in citations:
                    results.append(self.bibliography.cite(citation, do_nothing))
        elif self.data["mode"] in ("bibliography", "bibliography-nosort"):
            results.append(self.bib_prefix)
            for entry in self.bibliography.bibliography():
                results.append(self.item_prefix + str(entry) + self.item_suffix)
            results.append(self.bib_suffix)
        return results

    def parse_citation(self, citation_data: list[dict]):
        from citeproc.source import Citation

        return Citation([self.parse_citation_item(item) for item in citation_data])

    def parse_citation_item(self, citation_item_data: dict):
        from citeproc.source import CitationItem, Locator

        options = {}
        reference_key = ""
        for key, value in citation_item_data.items():
            python_key = key.replace("-", "_")
            if python_key == "id":
                reference_key = str(value)
                continue
            elif python_key == "locator":
                # some fixtures give no label
                options["locator"] = Locator(citation_item_data.get("label", "page"), value)
            elif python_key == "label":
                pass
            else:
                options[python_key] = value
        return CitationItem(reference_key, **options)


@dataclass
class Outcome:
    """How one fixture went: "pass", "fail" or "exception" (with what came out and what was expected)."""

    name: str
    status: str
    got: list[str] = field(default_factory=list)
    expected: list[str] = field(default_factory=list)
    error: str = ""

    def explain(self) -> str:
        """A readable diff of expected and rendered lines, for an assertion message."""
        if self.status == "exception":
            return f"{self.name}: {self.error}"
        return (
            f"{self.name}:\n  expected: "
            + "\n            ".join(self.expected)
            + "\n  got:      "
            + ("\n            ".join(self.got))
        )


class _Timeout(Exception):
    pass


def _alarm(*_args):
    raise _Timeout


def run_fixture(name: str) -> Outcome:
    """Render one fixture with citeproc-py as it is patched (or not) in this process and compare it."""
    use_alarm = threading.current_thread() is threading.main_thread() and hasattr(signal, "SIGALRM")
    if use_alarm:
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(TIMEOUT)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # citeproc-py warns about every CSL-JSON key it does not know
            test = ProcessorTest(FIXTURES / f"{name}.txt")
            results = test.execute()
        lines = [line.replace("&amp;", "&#38;") for result in results for line in str(result).split("\n")]
        status = "pass" if lines == test.expected else "fail"
        return Outcome(name, status, lines, test.expected)
    except _Timeout:
        return Outcome(name, "exception", error=f"timeout after {TIMEOUT} s")
    except Exception as exc:  # a fixture that crashes the processor fails; the others still run
        return Outcome(name, "exception", error=repr(exc)[:300])
    finally:
        if use_alarm:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)


def apply_fixes(without: tuple[str, ...] = ()) -> None:
    """Install npf's fixes into citeproc-py in this process (raises if they refuse to apply)."""
    root = str(HERE.parents[1])
    if root not in sys.path:
        sys.path.insert(0, root)
    from npf_tui.core.cite import csl_fixes

    csl_fixes.apply(without=without)


def score(mode: str, without: tuple[str, ...] = ()) -> dict[str, Outcome]:
    """Every scored fixture's outcome, vanilla or patched (optionally without some of the fixes)."""
    if mode == "patched":
        apply_fixes(without)
    return {name: run_fixture(name) for name in fixture_names()}


def load_list(path: Path) -> list[str]:
    """A committed list of fixture names."""
    return json.loads(path.read_text(encoding="utf-8"))["passes"]


def _write_list(path: Path, mode: str, passes: list[str]) -> None:
    import citeproc

    data = {
        "about": f"CSL test-suite fixtures that citeproc-py {citeproc.__version__} passes "
        + ("as released (no fixes)" if mode == "vanilla" else "with npf's fixes (npf_tui/core/cite/csl_fixes.py)")
        + "; written by tests/csl_suite/harness.py, do not edit by hand",
        "citeproc_py": citeproc.__version__,
        "scored": len(fixture_names()),
        "passes": passes,
    }
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    """Command line: vanilla|patched [--write] [-v] [--without NAME,NAME], or compare."""
    if not argv or argv[0] not in ("vanilla", "patched", "compare"):
        print(__doc__)
        return 2
    mode = argv[0]
    if mode == "compare":
        vanilla, npf = set(load_list(VANILLA_PASSES)), set(load_list(NPF_PASSES))
        print(f"vanilla {len(vanilla)}, npf {len(npf)}, of {len(fixture_names())} scored")
        print("regressions:", sorted(vanilla - npf) or "none")
        print("fixed:", len(npf - vanilla))
        return 1 if vanilla - npf else 0
    without: tuple[str, ...] = ()
    if "--without" in argv:
        without = tuple(argv[argv.index("--without") + 1].split(","))
    outcomes = score(mode, without)
    passes = sorted(name for name, outcome in outcomes.items() if outcome.status == "pass")
    counts: dict[str, int] = {}
    for outcome in outcomes.values():
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    print(mode, f"{len(outcomes)} scored:", counts)
    if "-v" in argv:
        for outcome in outcomes.values():
            if outcome.status != "pass":
                print("\n" + outcome.explain())
    if without:
        npf = set(load_list(NPF_PASSES))
        print("without", ",".join(without) + ":", "fail now:", sorted(npf - set(passes)) or "none")
    elif "--write" in argv:
        path = VANILLA_PASSES if mode == "vanilla" else NPF_PASSES
        _write_list(path, mode, passes)
        print("wrote", path.relative_to(HERE.parents[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
