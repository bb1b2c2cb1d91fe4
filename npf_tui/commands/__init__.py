"""Subcommands of `npf`: each module registers its parsers and runs them against a Context."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
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


def _modules():
    """The command modules, in the order their subcommands are listed in `npf --help`."""
    from . import entities, importing, notes, project, quotes, search

    return [search, quotes, project, notes, entities, importing]


COMMAND_MODULES = _modules()
