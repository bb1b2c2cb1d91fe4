"""The one object the CLI and the UI hold: a corpus plus its up-to-date index, with search and look-up."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from .models import Document, SearchResult

#: progress(done, total, message) — called from the thread doing the work.
ProgressFn = Callable[[int, int, str], None]


class Library:
    """An opened corpus and index. Obtain one with `Library.open`.

    Attributes: corpus_dir, index_dir, documents (list[Document], sorted by id), glossary (list[GlossaryEntry]),
    pairs (list[BilingualPair] mined from the text), gen_dir (Path of the current index generation: per-index
    stores such as entities live there).
    """

    @classmethod
    def open(
        cls,
        corpus_dir: Path,
        index_dir: Path,
        progress: ProgressFn | None = None,
        cancel: threading.Event | None = None,
    ) -> "Library":
        """Load the corpus and open its index, building or incrementally updating it first when stale."""
        raise NotImplementedError

    def search(self, query: str, limit: int = 10, exact: bool = False) -> SearchResult:
        """Ranked passages for a query (see the README's query language); `exact` turns off cross-language expansion."""
        raise NotImplementedError

    def document(self, ref: str) -> Document:
        """The document with id `ref` (or a unique id prefix, or its 1-based number in `documents`)."""
        raise NotImplementedError

    def refresh(self, progress: ProgressFn | None = None, cancel: threading.Event | None = None) -> bool:
        """Re-scan the corpus folder and update the index for new, edited or removed files; True if anything changed."""
        raise NotImplementedError
