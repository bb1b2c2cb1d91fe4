"""The CSL processor test-suite through citeproc-py with npf's fixes (npf_tui/core/cite/csl_fixes.py).

Every scored fixture of the suite runs: all 839 (845 vendored in tests/csl_suite/humans/, less the 6 that
citeproc-py's harness ignores as citeproc-js specific). The 578 the fixes pass are one test each, so pytest-xdist
spreads them; the 267 citeproc-py fails either way run in one test. Rendering them all is about 13 s of work on one
core (0.016 s a fixture on average, 0.3 s the slowest), and the vanilla re-measurement as much again in a subprocess.

What is asserted:

- no regression: a fixture citeproc-py 0.11.1 passes as released (tests/csl_suite/vanilla_passes.json, 503) passes
  with the fixes too;
- no lost fix: a fixture the fixes passed when tests/csl_suite/npf_passes.json was written (578) still passes, so the
  pass count never falls below FLOOR;
- the committed vanilla list is what citeproc-py as released really does (re-measured in a subprocess, where no fix is
  installed).

After changing the fixes, regenerate the npf list (and raise FLOOR): see tests/csl_suite/harness.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from csl_suite import harness

#: The number of fixtures npf's fixes pass, at least (578 of 839 measured; citeproc-py as released: 503).
FLOOR = 578

VANILLA = set(harness.load_list(harness.VANILLA_PASSES))
NPF = set(harness.load_list(harness.NPF_PASSES))


@pytest.fixture(scope="module", autouse=True)
def _fixes_installed():
    """The fixes, installed in this process as npf installs them."""
    harness.apply_fixes()


# The slowest test first and the second slowest last, so that pytest-xdist's two workers finish together.


def test_vanilla_list_is_what_citeproc_py_does():
    """citeproc-py as released, in a fresh process (this one has the fixes installed), passes exactly the committed
    vanilla list: nobody can drop a fixture from it to hide a regression."""
    script = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); from csl_suite import harness; "
        "print(json.dumps(sorted(n for n, o in harness.score('vanilla').items() if o.status == 'pass')))"
    )
    tests_dir = Path(__file__).resolve().parent
    done = subprocess.run(
        [sys.executable, "-c", script, str(tests_dir)], capture_output=True, text=True, check=True, timeout=300
    )
    measured = set(json.loads(done.stdout))
    assert measured == VANILLA, (
        f"now passing: {sorted(measured - VANILLA)}; now failing: {sorted(VANILLA - measured)} "
        "(regenerate with tests/csl_suite/harness.py vanilla --write)"
    )


@pytest.mark.parametrize("name", sorted(NPF))
def test_fixture(name):
    outcome = harness.run_fixture(name)
    if outcome.status != "pass":
        if name in VANILLA:
            pytest.fail(
                "regression: citeproc-py passes this fixture as released, npf's fixes break it\n" + outcome.explain()
            )
        pytest.fail("npf's fixes passed this fixture when npf_passes.json was written\n" + outcome.explain())


def test_pass_lists_hold_the_floor():
    scored = set(harness.fixture_names())
    assert len(scored) == 839
    assert VANILLA <= NPF, f"vanilla passes missing from npf_passes.json: {sorted(VANILLA - NPF)}"
    assert scored >= NPF and len(NPF) >= FLOOR


def test_other_fixtures_fail_cleanly():
    """The fixtures citeproc-py fails with and without the fixes still render (or raise) in time; any that passes now
    is reported, to be added to npf_passes.json."""
    outcomes = [harness.run_fixture(name) for name in harness.fixture_names() if name not in NPF]
    assert not [o.name for o in outcomes if "timeout" in o.error]
    passing = [o.name for o in outcomes if o.status == "pass"]
    if passing:
        warnings.warn(
            f"{len(passing)} more fixtures pass now ({', '.join(passing)}): regenerate npf_passes.json", stacklevel=2
        )
