"""Changing the corpus and keeping the index in step: import files then index them, or index after a removal or a
metadata edit. One path for the command line and the reader, so both get the same shortcuts and the same notices.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from npf_tui.core.errors import Cancelled, CorpusError, NpfError
from npf_tui.core.fsutil import atomic_write_bytes
from npf_tui.core.glossary import GLOSSARY_FILE
from npf_tui.core.search.index import ensure_index, left_stale
from npf_tui.core.search.manifest import known_documents
from npf_tui.core.sources.corpus import bundled_corpus_dir
from npf_tui.core.sources.ingest import AddReport, ProgressFn, add_paths

if TYPE_CHECKING:
    from npf_tui.core.search.library import Library


@dataclass
class IndexUpdate:
    """What bringing the index up to date came to."""

    #: '' when the index is up to date; else one line saying why not (the corpus keeps the files either way, and
    #: the next open of the corpus indexes them).
    error: str = ""
    #: Notices of the update for the user (documents skipped, a wait for another npf process, a rebuild).
    notices: list[str] = field(default_factory=list)

    @property
    def updated(self) -> bool:
        """True when the index now matches the corpus folder."""
        return not self.error


@dataclass
class ImportResult:
    """An import and the index update after it."""

    report: AddReport
    #: None when nothing needed indexing (nothing added, or a dry run).
    index: IndexUpdate | None = None

    @property
    def index_error(self) -> str:
        """'' or why the index was not updated."""
        return self.index.error if self.index is not None else ""


def sync_index(
    corpus_dir: Path,
    index_dir: Path,
    *,
    library: Library | None = None,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
    listing: dict | None = None,
) -> IndexUpdate:
    """Bring the index up to date with the corpus folder; never raises for a problem the user can fix. `listing`:
    the corpus's document files as just listed (see ensure_index).

    With an open `library` it is refreshed (so it searches the new state at once); without one only the index is
    updated: opening a library's searcher too costs ~40 ms at 20 MB that `npf add` has no use for. An index folder
    that cannot be written (read-only, full) leaves the index as last built: that is `error`, not an exception.
    Ctrl-C during the update is reported as error "interrupted", like an import that stops early keeps its report;
    Cancelled still propagates (the caller asked for it).
    """
    notices: list[str] = []
    try:
        if library is not None:
            seen = len(library.notices)
            library.refresh(progress=progress, cancel=cancel, listing=listing)
            notices = library.notices[seen:]
        else:
            ensure_index(corpus_dir, index_dir, progress=progress, cancel=cancel, notices=notices, listing=listing)
    except Cancelled:
        raise
    except NpfError as exc:
        return IndexUpdate(str(exc), notices)
    except KeyboardInterrupt:
        return IndexUpdate("interrupted", notices)
    stale = left_stale(notices)
    return IndexUpdate(stale, [n for n in notices if n != stale])


def import_and_index(
    paths: list[Path],
    corpus_dir: Path,
    index_dir: Path,
    *,
    library: Library | None = None,
    dry_run: bool = False,
    progress: ProgressFn | None = None,
    index_progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
) -> ImportResult:
    """Import files and folders into the corpus, then index what was added.

    What the index already knows of the corpus's files (size, time, content hash) spares reading every document
    file again to find duplicates. `progress` follows the import (bytes), `index_progress` the index update
    (documents). Raises CorpusError when the corpus folder cannot be written and Cancelled when `cancel` is set
    before anything was indexed; a failed index update is reported in the result, never raised.
    """
    known = known_documents(index_dir)
    report = add_paths(paths, corpus_dir, dry_run=dry_run, progress=progress, cancel=cancel, known_files=known)
    if not report.added or dry_run:
        return ImportResult(report)
    # The folder as the import listed it, with the files it wrote: not listed and stat-ed again (0.7 s at 300 MB).
    update = sync_index(
        corpus_dir, index_dir, library=library, progress=index_progress, cancel=cancel, listing=report.listing
    )
    return ImportResult(report, update)


def prepare_library(corpus_dir: Path) -> None:
    """Make the person's library folder ready for its first import: created, with a copy of the bundled
    glossary.toml (the glossary is read from the corpus folder, core/glossary.py: without it a library would lose
    the curated bilingual names, e.g. 新质生产力 ↔ new quality productive forces). An existing glossary, the person's
    own edits included, is kept. Raises CorpusError when the folder cannot be made.
    """
    corpus_dir = Path(corpus_dir)
    glossary = corpus_dir / GLOSSARY_FILE
    try:
        corpus_dir.mkdir(parents=True, exist_ok=True)
        bundled = bundled_corpus_dir() / GLOSSARY_FILE
        if not glossary.exists() and bundled.is_file():
            atomic_write_bytes(glossary, bundled.read_bytes())
    except OSError as exc:
        raise CorpusError(f"cannot create your library at {corpus_dir} ({exc.strerror or exc})") from None
