"""Where things live by default: which corpus opens (the person's library, else the bundled demo) and where a change
to it goes, the bundled corpus and index, and the platform's config, data and cache folders."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from npf_tui.core.errors import CorpusError
from npf_tui.core.sources.corpus import DOC_SUFFIX, bundled_corpus_dir

APP_NAME = "npf-tui"
#: Why a corpus was opened (CorpusChoice.source): the person's library, the demo because there is no library yet,
#: the demo asked for with --demo, a folder given with --corpus, or $NPF_CORPUS.
LIBRARY, DEMO_DEFAULT, DEMO, OPTION, ENVIRONMENT = "library", "demo-default", "demo", "option", "environment"
_WHY = {
    LIBRARY: "your library",
    DEMO_DEFAULT: "the demo (no library yet)",
    DEMO: "the demo (--demo)",
    OPTION: "--corpus",
    ENVIRONMENT: "$NPF_CORPUS",
}


@dataclass(frozen=True)
class CorpusChoice:
    """Which corpus npf opens and why; the command line and the reader decide from the same one."""

    corpus_dir: Path
    source: str  # one of LIBRARY, DEMO_DEFAULT, DEMO, OPTION, ENVIRONMENT

    @property
    def why(self) -> str:
        """Why this corpus, in a few words ("your library", "the demo (no library yet)", "--corpus"…)."""
        return _WHY[self.source]

    @property
    def explicit(self) -> bool:
        """True when the person named the folder (--corpus or $NPF_CORPUS): npf then never writes elsewhere."""
        return self.source in (OPTION, ENVIRONMENT)

    @property
    def is_demo(self) -> bool:
        """True when the corpus is the bundled demo, however it was chosen (it is never written to)."""
        return is_bundled(self.corpus_dir)


@dataclass(frozen=True)
class WriteTarget:
    """Where a change to the corpus goes: the chosen corpus, or the person's library instead of the bundled demo."""

    corpus_dir: Path
    #: True when the chosen corpus was the demo and the change goes to the person's library instead.
    redirected: bool = False
    #: True when the library has no document yet (this write starts it: say once where it is).
    new_library: bool = False


def user_library_dir() -> Path:
    """The person's own library: the corpus their imports go to (e.g. ~/.local/share/npf-tui/library).

    Created by the first import (see search/updates.py: prepare_user_library); until it holds a document, npf
    opens the bundled demo.
    """
    return data_dir() / "library"


def is_bundled(corpus_dir: Path) -> bool:
    """True when `corpus_dir` is the bundled demo corpus (data/ in the project)."""
    try:
        return Path(corpus_dir).expanduser().resolve() == bundled_corpus_dir()
    except OSError:
        return False


def has_documents(corpus_dir: Path) -> bool:
    """True when the folder holds at least one document file (stops at the first: a large library is not listed)."""
    try:
        with os.scandir(corpus_dir) as entries:
            return any(e.name.endswith(DOC_SUFFIX) and not e.name.startswith(".") and e.is_file() for e in entries)
    except OSError:
        return False


def choose_corpus(option: str | None = None, environment: str | None = None, *, demo: bool = False) -> CorpusChoice:
    """The corpus to open: `option` (--corpus), else --demo, else `environment` ($NPF_CORPUS), else the person's
    library when it holds a document, else the bundled demo."""
    if option:
        return CorpusChoice(Path(option).expanduser(), OPTION)
    if demo:
        return CorpusChoice(bundled_corpus_dir(), DEMO)
    if environment:
        return CorpusChoice(Path(environment).expanduser(), ENVIRONMENT)
    library = user_library_dir()
    if has_documents(library):
        return CorpusChoice(library, LIBRARY)
    return CorpusChoice(bundled_corpus_dir(), DEMO_DEFAULT)


def write_target(corpus_dir: Path, *, explicit: bool) -> WriteTarget:
    """Where a change meant for `corpus_dir` goes. The bundled demo is never written to: a change goes to the
    person's library instead, unless they named the demo folder themselves (`explicit`), which is refused.

    Raises CorpusError (one line) for the refusal.
    """
    if not is_bundled(corpus_dir):
        return WriteTarget(Path(corpus_dir))
    if explicit:
        raise CorpusError(
            f"{bundled_corpus_dir()} is the bundled demo, which npf never changes; leave out --corpus (and "
            "$NPF_CORPUS) to import into your own library, or give another folder"
        )
    library = user_library_dir()
    return WriteTarget(library, redirected=True, new_library=not has_documents(library))


def default_corpus_dir() -> Path:
    """The bundled corpus (data/ in the project): the demo. What `npf` opens by default is `choose_corpus()`."""
    return bundled_corpus_dir()


def default_index_dir(corpus_dir: Path) -> Path:
    """index/ beside the bundled corpus; for another corpus, a folder in the platform's cache named after it.

    Not inside the corpus itself: a corpus may be read-only (a shared or mounted folder) and must still be searchable.
    """
    from platformdirs import user_cache_path

    corpus_dir = Path(corpus_dir).resolve()
    if corpus_dir == bundled_corpus_dir():
        return corpus_dir.parent / "index"
    return user_cache_path(APP_NAME) / "indexes" / corpus_key(corpus_dir)


def corpus_key(corpus_dir: Path) -> str:
    """A folder name that stands for one corpus: its name and a digest of its resolved path (``data-1a2b3c4d5e``)."""
    import hashlib

    corpus_dir = Path(corpus_dir).resolve()
    digest = hashlib.sha1(str(corpus_dir).encode("utf-8")).hexdigest()[:10]
    return f"{corpus_dir.name}-{digest}"


def library_state_dir(corpus_dir: Path) -> Path:
    """The user's own data about one corpus (annotations, citation keys, reading places, document tags and status).

    In the platform's data folder, never in the corpus or the project: the bundled demo corpus stays read-only, and
    what a person wrote about a shared or mounted corpus survives that corpus being replaced. Not created here.
    """
    return data_dir() / "libraries" / corpus_key(corpus_dir)


def config_dir() -> Path:
    """The platform's configuration folder for npf-tui (e.g. ~/.config/npf-tui)."""
    from platformdirs import user_config_path

    return user_config_path(APP_NAME)


def data_dir() -> Path:
    """The platform's data folder for npf-tui (e.g. ~/.local/share/npf-tui)."""
    from platformdirs import user_data_path

    return user_data_path(APP_NAME)
