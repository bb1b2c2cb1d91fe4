"""Where things live by default: the bundled corpus and index, and the platform's config and data folders."""

from __future__ import annotations

from pathlib import Path

from npf_tui.core.sources.corpus import bundled_corpus_dir

APP_NAME = "npf-tui"


def default_corpus_dir() -> Path:
    """The bundled corpus (data/ in the project)."""
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
