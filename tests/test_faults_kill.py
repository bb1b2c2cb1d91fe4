"""Interrupted writes: `npf index --rebuild` and `npf add` killed with SIGKILL at random moments, again and again.
After every kill the corpus and index open and answer exactly like a fresh index, no half-written file is
visible, and the next run finishes the work (issue 7)."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from npf_tui.cli import main
from npf_tui.core.search.library import Library
from npf_tui.core.search.manifest import CURRENT_FILE, current_generation
from npf_tui.core.sources.corpus import document_paths, load_document
from npf_tui.core.sources.ingest import content_hash

QUERIES = ["Xi", "新质生产力", "質生產", "innovation", "xinzhi shengchanli", '"two sessions"', "Liu Haiqing"]
#: Seed for the kill moments: printed on failure, set NPF_FAULT_SEED to replay a run.
SEED = int(os.environ.get("NPF_FAULT_SEED", random.randrange(1 << 30)))


def npf(corpus: Path, index: Path, *args: str) -> list[str]:
    """The command line of an `npf` child process."""
    return [sys.executable, "-m", "npf_tui.cli", "--corpus", str(corpus), "--index", str(index), *args]


def snapshot(lib: Library, extra: tuple[str, ...] = ()) -> dict:
    """What the queries find: all hits as (doc, paragraph), plus the catalog."""
    out = {"catalog": sorted(lib.catalog)}
    for query in (*QUERIES, *extra):
        out[query] = sorted((h.doc_id, h.paragraph) for h in lib.search(query, limit=1000).hits)
    return out


class References:
    """Answers of fresh indexes, one per corpus state (cached: the kill loops revisit the same states)."""

    def __init__(self, root: Path):
        self.root = root
        self.cache: dict[tuple, dict] = {}

    def of(self, corpus: Path, extra: tuple[str, ...] = ()) -> dict:
        key = (tuple((p.name, p.read_bytes()) for p in document_paths(corpus)), extra)
        if key not in self.cache:
            fresh = self.root / f"ref-{len(self.cache)}"
            shutil.copytree(corpus, fresh / "corpus")
            lib = Library.open(fresh / "corpus", fresh / "idx")
            try:
                self.cache[key] = snapshot(lib, extra)
            finally:
                lib.close()
        return self.cache[key]


def assert_corpus_whole(corpus: Path) -> None:
    """Every document file is complete: it parses, and an imported one still matches its content hash."""
    for path in document_paths(corpus):
        doc = load_document(path)
        if "content_hash" in doc.extra:
            assert content_hash(doc.paragraphs) == doc.extra["content_hash"], path


def assert_index_sound(corpus: Path, index: Path, refs: References, extra: tuple[str, ...] = ()) -> list[str]:
    """CURRENT names a complete generation that opens without repair and answers like a fresh index."""
    gen = current_generation(index)
    assert gen is not None and (gen / "manifest.json").is_file()
    lib = Library.open(corpus, index)
    try:
        assert not any("damaged" in n for n in lib.notices), lib.notices  # no partial index was ever visible
        assert snapshot(lib, extra) == refs.of(corpus, extra)
        return lib.notices
    finally:
        lib.close()


def kill_after(cmd: list[str], delay: float) -> int | None:
    """Start `cmd`, SIGKILL it after `delay` seconds (if still running); its exit status if it finished first."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        proc.wait(timeout=delay)
        return proc.returncode
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        return None


def timed(cmd: list[str]) -> float:
    """How long one uninterrupted run takes here (the kill moments are spread over it)."""
    started = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return time.monotonic() - started


@pytest.fixture()
def workspace(built_copy, tmp_path):
    """A corpus copy, its index, and a reference cache."""
    return (*built_copy, References(tmp_path))


def kill_rebuild_repeatedly(workspace, iterations: int) -> None:
    corpus, index, refs = workspace
    rng = random.Random(SEED)
    duration = timed(npf(corpus, index, "index", "--rebuild"))
    finished = 0
    for i in range(iterations):
        delay = rng.uniform(0.0, duration * 1.1)
        status = kill_after(npf(corpus, index, "index", "--rebuild"), delay)
        finished += status is not None
        assert status in (None, 0), f"seed {SEED}, run {i}: exit {status}"
        assert_index_sound(corpus, index, refs)
    # The next run completes the work and tidies what the killed builds left.
    assert main(["--corpus", str(corpus), "--index", str(index), "index", "--rebuild"]) == 0
    assert len([p for p in index.iterdir() if p.name.startswith("gen-")]) <= 2
    assert not [p for p in index.iterdir() if p.name.endswith(".tmp")]
    assert_index_sound(corpus, index, refs)
    assert finished < iterations, f"seed {SEED}: no run was actually killed"


def kill_add_repeatedly(workspace, tmp_path: Path, iterations: int) -> None:
    corpus, index, refs = workspace
    rng = random.Random(SEED)
    sources = tmp_path / "sources"
    sources.mkdir()
    probe = sources / "probe.txt"
    probe.write_text("Probe text about a capybara.\n", encoding="utf-8")
    duration = timed(npf(corpus, index, "add", str(probe)))
    for i in range(iterations):
        word = "".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(10))
        source = sources / f"s{i}.txt"
        source.write_text(
            f"Report {i}\n\nThe {word} is a rare animal of the river.\n\nIt eats fish.\n", encoding="utf-8"
        )
        before = {p.name for p in document_paths(corpus)}
        status = kill_after(npf(corpus, index, "add", str(source)), rng.uniform(0.0, duration * 1.1))
        assert status in (None, 0), f"seed {SEED}, run {i}: exit {status}"
        assert_corpus_whole(corpus)
        new = {p.name for p in document_paths(corpus)} - before
        assert len(new) <= 1, new  # all or nothing: one document, or none
        # Opening finishes a killed index update (or indexes the new file) and answers like a fresh index.
        assert_index_sound(corpus, index, refs, extra=(word,))
        with _opened(corpus, index) as lib:
            hits = lib.search(word).total
        assert hits == (1 if new else 0), f"seed {SEED}, run {i}"
        # The next run completes the work: the file is in (added now, or recognised as already there).
        assert main(["--corpus", str(corpus), "--index", str(index), "add", str(source)]) == 0
        with _opened(corpus, index) as lib:
            assert lib.search(word).total == 1
            assert len({p.stem for p in document_paths(corpus)} - {p[:-3] for p in before}) == 1


class _opened:
    """`with _opened(corpus, index) as lib:` — a Library closed afterwards."""

    def __init__(self, corpus, index):
        self.lib = Library.open(corpus, index)

    def __enter__(self):
        return self.lib

    def __exit__(self, *exc):
        self.lib.close()


def test_killed_rebuilds_never_show_a_partial_index(workspace):
    kill_rebuild_repeatedly(workspace, iterations=2)


def test_killed_adds_are_all_or_nothing(workspace, tmp_path):
    kill_add_repeatedly(workspace, tmp_path, iterations=2)


@pytest.mark.slow
def test_killed_rebuilds_many_times(workspace):
    kill_rebuild_repeatedly(workspace, iterations=30)


@pytest.mark.slow
def test_killed_adds_many_times(workspace, tmp_path):
    kill_add_repeatedly(workspace, tmp_path, iterations=25)


def test_killed_writer_leaves_no_lock_behind(workspace):
    """SIGKILL while holding the writer lock: the kernel drops the flock; the next writer does not wait."""
    corpus, index, refs = workspace
    proc = subprocess.Popen(
        npf(corpus, index, "index", "--rebuild"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 30
    while not any(p.name.startswith("gen-") and p != current_generation(index) for p in index.iterdir()):
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.02)
    proc.kill()
    proc.wait()
    from npf_tui.core.search.index import write_lock

    started = time.monotonic()
    with write_lock(index, wait=1.0):
        pass
    assert time.monotonic() - started < 0.5
    assert (index / CURRENT_FILE).exists()
    assert_index_sound(corpus, index, refs)
