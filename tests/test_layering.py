"""The layering holds at run time as well as on paper: every core module imports cleanly without the UI, the command
line, Textual or Rich, and the import-linter contracts in pyproject.toml are kept."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import npf_tui.core

ROOT = Path(__file__).resolve().parents[1]


def core_modules() -> list[str]:
    """Every module of npf_tui.core, found on disk (a new module is checked without being listed here)."""
    return sorted(m.name for m in pkgutil.walk_packages(npf_tui.core.__path__, "npf_tui.core."))


def test_every_core_module_is_found():
    modules = core_modules()
    for expected in (
        "npf_tui.core.text.analysis",
        "npf_tui.core.sources.formats.pdf",
        "npf_tui.core.search.library",
        "npf_tui.core.entities.store",
        "npf_tui.core.cite.citation",
    ):
        assert expected in modules
    assert len(modules) >= 40


def test_importing_the_whole_core_loads_no_ui():
    """In a fresh interpreter, importing every core module leaves Textual, Rich and npf's own UI and command line
    unloaded: the core can be used by scripts and editors (and `npf search --json`) without them."""
    code = (
        "import importlib, sys\n"
        f"for name in {core_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')\n"
        "             or m.startswith(('npf_tui.ui', 'npf_tui.commands', 'npf_tui.cli', 'npf_tui.output')))\n"
        "assert not bad, bad\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr


def test_import_linter_contracts_are_kept():
    """The contracts of pyproject.toml ([tool.importlinter]): the same check as `lint-imports` in `make check`, so
    that the test command alone also catches an import across layers (lazy imports inside functions included)."""
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports())"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "broken" in proc.stdout and "0 broken" in proc.stdout
