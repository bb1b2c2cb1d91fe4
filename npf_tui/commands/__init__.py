"""Subcommands of `npf`: each module registers its parsers and runs them against a Context."""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from npf_tui.core.paths import CorpusChoice
    from npf_tui.core.search.library import Library, ProgressFn


@dataclass
class Context:
    """What every command gets: the selected corpus and index folders, and a lazily opened Library."""

    corpus_dir: Path
    index_dir: Path
    _library: Library | None = field(default=None, repr=False)
    #: Which corpus and why (core/paths.py: choose_corpus); None when a caller gave the folders directly. Writes
    #: meant for the bundled demo go by it (core/paths.py: write_target).
    choice: CorpusChoice | None = None

    def library(self, progress: ProgressFn | None = None) -> Library:
        """Open (building or updating the index as needed) the corpus + index once per process."""
        if self._library is None:
            from npf_tui.core.search.library import Library

            self._library = Library.open(self.corpus_dir, self.index_dir, progress=progress)
            # What opening did (a rebuild, a document skipped and why), said once whichever command opened it.
            for notice in self._library.notices:
                print(f"npf: {notice}", file=sys.stderr)
        return self._library

    @property
    def opened_library(self) -> Library | None:
        """The library if a command has opened it already (an update then refreshes it), else None."""
        return self._library


#: The command modules, in the order their subcommands are listed in `npf --help`.
MODULES = ("search", "quotes", "project", "notes", "entities", "importing")
#: Which module registers each subcommand (tests/test_cli_search.py checks it against the modules' parsers), so that
#: a command imports its own module only: importing every module (the entity store, annotations, importers) cost a
#: cold `npf search` ~60 ms of its ~0.7 s at 100 MB, for parsers it never uses.
COMMANDS = {
    "search": "search",
    "docs": "search",
    "show": "search",
    "index": "search",
    "quote": "quotes",
    "cite": "quotes",
    "project": "project",
    "note": "notes",
    "notes": "notes",
    "tag": "notes",
    "status": "notes",
    "tags": "notes",
    "entities": "entities",
    "entity": "entities",
    "add": "importing",
    "remove": "importing",
    "edit-meta": "importing",
}


def command_modules(command: str | None = None) -> list[ModuleType]:
    """The modules that register `command`'s parser (none for a command registered elsewhere, such as `pick`);
    every module when `command` is None or unknown (`npf --help`, a typo: argparse then lists every command)."""
    if command == "pick":
        return []
    names = (COMMANDS[command],) if command in COMMANDS else MODULES
    return [importlib.import_module(f"{__name__}.{name}") for name in names]
