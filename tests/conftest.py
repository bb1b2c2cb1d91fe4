"""Shared fixtures: the bundled corpus with an index built once per test session in a temporary folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory) -> Path:
    """A session-wide index folder for the bundled corpus (never the repo's own index/)."""
    return tmp_path_factory.mktemp("index")


@pytest.fixture(scope="session")
def library(index_dir):
    """The bundled corpus opened with its index (built on first use)."""
    from npf_tui.core.search.library import Library

    lib = Library.open(DATA, index_dir)
    yield lib
    lib.close()


@pytest.fixture()
def cli(index_dir, library) -> list[str]:
    """Command-line arguments selecting the bundled corpus and the session's index (built already)."""
    return ["--corpus", str(DATA), "--index", str(index_dir)]


@pytest.fixture()
def corpus_copy(tmp_path) -> Path:
    """A writable copy of the bundled corpus, for tests that add, edit or remove documents."""
    target = tmp_path / "corpus"
    shutil.copytree(DATA, target)
    return target


@pytest.fixture()
def built_copy(corpus_copy, tmp_path) -> tuple[Path, Path]:
    """A writable copy of the bundled corpus with its index built: (corpus folder, index folder)."""
    from npf_tui.core.search.library import Library

    index = tmp_path / "idx"
    Library.open(corpus_copy, index).close()
    return corpus_copy, index


@pytest.fixture(autouse=True)
def _isolated_config(tmp_path, monkeypatch):
    """Keep settings and the quotes file of every test away from the real user's folders."""
    monkeypatch.setenv("NPF_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
