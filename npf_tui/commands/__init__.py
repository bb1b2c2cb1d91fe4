"""Subcommands of `npf`: each module registers its parsers and runs them against a Context."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Context:
    """What every command gets: the selected corpus and index folders, and a lazily opened Library."""

    corpus_dir: Path
    index_dir: Path
    _library: object | None = field(default=None, repr=False)

    def library(self, progress=None):
        """Open (building or updating the index as needed) the corpus + index once per process."""
        if self._library is None:
            from npf_tui.core.search.library import Library

            self._library = Library.open(self.corpus_dir, self.index_dir, progress=progress)
        return self._library


def _modules():
    from . import search as search_cmds

    modules = [search_cmds]
    # Commands owned by other modules are registered when present.
    import importlib

    for name in ("quotes", "entities", "importing"):
        try:
            modules.append(importlib.import_module(f"{__name__}.{name}"))
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
    return modules


COMMAND_MODULES = _modules()
