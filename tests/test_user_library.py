"""The person's own library (issue 18): imports go to the platform's data folder, the bundled demo is never written."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from test_ui_support import make_app, search, settle
from textual.widgets import Input

from npf_tui.cli import build_parser, main, make_context
from npf_tui.core.errors import CorpusError
from npf_tui.core.paths import (
    DEMO,
    DEMO_DEFAULT,
    ENVIRONMENT,
    LIBRARY,
    OPTION,
    choose_corpus,
    default_index_dir,
    user_library_dir,
    write_target,
)
from npf_tui.core.search.updates import prepare_library
from npf_tui.core.sources.corpus import bundled_corpus_dir, document_paths
from npf_tui.core.sources.ingest import AddReport, Duplicate
from npf_tui.ui.screens.import_prompt import ImportPrompt, import_summary
from npf_tui.ui.widgets.results import ResultList

DATA = Path(__file__).resolve().parents[1] / "data"
MEMO = "Kestrelmoth survey\n\nKestrelmoth sightings rose in Hefei, the provincial bureau's count says.\n"


def tree_digest(folder: Path) -> dict[str, str]:
    """Every file under `folder` (hidden ones too) and the SHA-256 of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(autouse=True)
def _no_corpus_environment(monkeypatch):
    """The person running the tests may have NPF_CORPUS or NPF_INDEX set: these tests decide them."""
    monkeypatch.delenv("NPF_CORPUS", raising=False)
    monkeypatch.delenv("NPF_INDEX", raising=False)


@pytest.fixture()
def memo(tmp_path) -> Path:
    path = tmp_path / "kestrel.md"
    path.write_text(MEMO, encoding="utf-8")
    return path


@pytest.fixture()
def demo_digest():
    """data/ byte for byte before the test, checked unchanged after it."""
    before = tree_digest(DATA)
    yield before
    assert tree_digest(DATA) == before, "the bundled demo corpus was written to"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


# ---- which corpus opens -----------------------------------------------------------------------------------------


def test_without_a_library_the_demo_opens(tmp_path):
    choice = choose_corpus()
    assert choice.corpus_dir == bundled_corpus_dir() and choice.source == DEMO_DEFAULT
    assert choice.why == "the demo (no library yet)" and choice.is_demo and not choice.explicit
    assert user_library_dir().is_relative_to(tmp_path)  # conftest's XDG_DATA_HOME


def test_a_library_without_documents_still_opens_the_demo():
    prepare_library(user_library_dir())  # folder and glossary, no document
    assert choose_corpus().source == DEMO_DEFAULT


def test_a_library_with_a_document_opens_by_default_and_demo_on_request(memo):
    prepare_library(user_library_dir())
    (user_library_dir() / "note.md").write_text("---\ntitle: Note\n---\n\nText.\n", encoding="utf-8")
    choice = choose_corpus()
    assert (choice.corpus_dir, choice.source, choice.why) == (user_library_dir(), LIBRARY, "your library")
    assert not choice.is_demo
    demo = choose_corpus(demo=True)
    assert (demo.corpus_dir, demo.source) == (bundled_corpus_dir(), DEMO) and demo.is_demo and not demo.explicit


def test_an_option_beats_the_environment_which_beats_the_library(tmp_path):
    prepare_library(user_library_dir())
    (user_library_dir() / "note.md").write_text("---\ntitle: Note\n---\n\nText.\n", encoding="utf-8")
    assert choose_corpus(str(tmp_path / "a"), str(tmp_path / "b")).source == OPTION
    env = choose_corpus(None, str(tmp_path / "b"))
    assert (env.corpus_dir, env.source, env.why, env.explicit) == (tmp_path / "b", ENVIRONMENT, "$NPF_CORPUS", True)
    assert choose_corpus(None, str(tmp_path / "b"), demo=True).source == DEMO


def test_the_command_line_resolves_through_choose_corpus(monkeypatch, tmp_path):
    parser = build_parser()
    ctx = make_context(parser.parse_args(["docs"]))
    assert ctx.corpus_dir == bundled_corpus_dir() and ctx.choice is not None and ctx.choice.source == DEMO_DEFAULT
    monkeypatch.setenv("NPF_CORPUS", str(DATA))
    assert make_context(parser.parse_args(["docs"])).choice.explicit
    with pytest.raises(SystemExit):  # --demo and --corpus together make no sense
        parser.parse_args(["--demo", "--corpus", str(tmp_path), "docs"])


def test_the_librarys_index_goes_to_the_cache(tmp_path):
    index = default_index_dir(user_library_dir())
    assert index.is_relative_to(tmp_path / "xdg-cache")
    assert not index.is_relative_to(user_library_dir()) and not index.is_relative_to(DATA.parent)


# ---- writes never land in the demo ------------------------------------------------------------------------------


def test_write_target_redirects_the_default_demo_and_refuses_a_named_one(tmp_path):
    target = write_target(DATA, explicit=False)
    assert target.corpus_dir == user_library_dir() and target.redirected and target.new_library
    with pytest.raises(CorpusError, match="bundled demo"):
        write_target(DATA, explicit=True)
    other = write_target(tmp_path / "mine", explicit=True)
    assert other.corpus_dir == tmp_path / "mine" and not other.redirected


def test_npf_add_with_the_default_corpus_starts_the_library(capsys, memo, demo_digest, tmp_path):
    status, out, err = run(capsys, "add", str(memo))
    assert status == 0, err
    library = user_library_dir()
    assert library.is_relative_to(tmp_path / "xdg-data")
    assert [p.name for p in document_paths(library)] == ["kestrelmoth-survey.md"]
    # the glossary came along, so the bilingual names still apply to the library
    assert (library / "glossary.toml").read_bytes() == (DATA / "glossary.toml").read_bytes()
    assert "added 1 document" in out
    said = [line for line in err.splitlines() if str(library) in line]
    assert len(said) == 1 and "npf --demo" in said[0]
    assert any(default_index_dir(library).iterdir())  # indexed in the cache
    # from now on `npf` opens the library, and the location is not said again
    status, out, err = run(capsys, "search", "kestrelmoth", "--json")
    assert status == 0 and {h["doc_id"] for h in json.loads(out)["hits"]} == {"kestrelmoth-survey"}
    second = tmp_path / "second.md"
    second.write_text("Second note\n\nAnother kestrelmoth count from Anhui.\n", encoding="utf-8")
    status, out, err = run(capsys, "add", str(second))
    assert status == 0 and str(library) not in err
    assert len(document_paths(library)) == 2


def test_npf_add_dry_run_creates_nothing(capsys, memo, demo_digest):
    status, out, _ = run(capsys, "add", "--dry-run", str(memo))
    assert status == 0 and "would add 1 document" in out
    assert not user_library_dir().exists()


def test_a_named_demo_folder_is_refused_in_one_line(capsys, memo, demo_digest, monkeypatch):
    status, out, err = run(capsys, "--corpus", str(DATA), "add", str(memo))
    assert status != 0 and out == ""
    assert err.count("\n") == 1 and err.startswith("npf: error:") and "bundled demo" in err
    monkeypatch.setenv("NPF_CORPUS", str(DATA))
    status, _, err = run(capsys, "add", str(memo))
    assert status != 0 and err.count("\n") == 1 and "bundled demo" in err
    assert not user_library_dir().exists()


@pytest.mark.parametrize("argv", [["remove", "1"], ["edit-meta", "1", "author=Someone"]])
def test_removing_or_editing_a_demo_document_is_refused(capsys, argv, demo_digest):
    status, _, err = run(capsys, *argv)
    assert status != 0 and err.count("\n") == 1 and "never changes the bundled demo" in err


def test_demo_opens_the_demo_when_a_library_exists(capsys, memo, index_dir, demo_digest):
    assert run(capsys, "add", str(memo))[0] == 0
    status, out, err = run(capsys, "--demo", "--index", str(index_dir), "search", "kestrelmoth", "--json")
    assert status == 1 and json.loads(out)["hits"] == []  # 1: nothing matched
    status, out, err = run(capsys, "--demo", "--index", str(index_dir), "search", "新质生产力", "--json")
    assert status == 0 and {h["doc_id"] for h in json.loads(out)["hits"]} <= {p.stem for p in document_paths(DATA)}
    status, out, _ = run(capsys, "--demo", "--index", str(index_dir), "docs", "--json")
    demo_ids = {d["doc_id"] for d in json.loads(out)}
    assert demo_ids == {p.stem for p in document_paths(DATA)}
    # and an import while the demo is open still goes to the library
    other = memo.with_name("other.md")
    other.write_text("Osprey count\n\nOsprey numbers in Anhui doubled.\n", encoding="utf-8")
    status, out, err = run(capsys, "--demo", "--index", str(index_dir), "add", str(other), "--json")
    assert status == 0, err
    assert json.loads(out)["corpus"] == str(user_library_dir()) and str(user_library_dir()) not in err  # said once
    assert {p.stem for p in document_paths(user_library_dir())} == {"kestrelmoth-survey", "osprey-count"}


# ---- the reader -------------------------------------------------------------------------------------------------


async def import_in_reader(pilot, path: Path) -> None:
    """Press i, give the path, import, and wait for the worker."""
    app = pilot.app
    await settle(pilot, rounds=4)
    app.search_screen.set_focus(None)
    await pilot.press("i")
    await settle(pilot)
    assert isinstance(app.screen, ImportPrompt)
    app.screen.query_one(Input).value = str(path)
    await pilot.press("enter")
    await settle(pilot, rounds=8)


def notifications(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


@pytest.mark.asyncio
async def test_reader_import_with_the_demo_open_moves_to_the_library(library, memo, demo_digest):
    app = make_app(library)  # the session library on data/: the demo, opened by default
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, rounds=4)
        app.search_screen.set_focus(None)
        await pilot.press("i")
        await settle(pilot)
        assert "Import into your library" in str(app.screen.query_one(".dialog-title").render())
        await pilot.press("escape")
        await import_in_reader(pilot, memo)
        assert app.corpus_dir == user_library_dir()
        assert set(app.library.catalog) == {"kestrelmoth-survey"}
        assert any(str(user_library_dir()) in n and "npf --demo" in n for n in notifications(app))
        await search(pilot, "kestrelmoth")
        hits = app.search_screen.query_one(ResultList).hits
        assert [h.doc_id for h in hits] == ["kestrelmoth-survey"]
        # importing the same file again names it and the document it already is
        await import_in_reader(pilot, memo)
        assert any("already there 1: kestrel.md as kestrelmoth-survey" in n for n in notifications(app))
    assert not library._closed  # the session's library was handed in: not the app's to close


@pytest.mark.asyncio
async def test_reader_import_into_a_named_demo_folder_is_refused(library, demo_digest):
    app = make_app(library)
    app.corpus_explicit = True  # as `npf --corpus data`
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, rounds=4)
        app.search_screen.set_focus(None)
        await pilot.press("i")
        await settle(pilot)
        assert not isinstance(app.screen, ImportPrompt)
        assert any("bundled demo" in n for n in notifications(app))
    assert not user_library_dir().exists()


def test_import_summary_names_what_was_already_there():
    report = AddReport()
    report.duplicates = [Duplicate(f"/tmp/src/file{n}.pdf", f"doc-{n}") for n in range(5)]
    message, severity = import_summary(report)
    assert message.startswith("added 0, already there 5: file0.pdf as doc-0; file1.pdf as doc-1")
    assert message.endswith("; and 2 more") and severity == "information"


def test_the_glossary_applies_to_the_library(capsys, tmp_path, demo_digest):
    source = tmp_path / "forces.md"
    source.write_text(
        "Osprey memo\n\nOfficials in Anhui tied new quality productive forces to the osprey survey.\n", encoding="utf-8"
    )
    assert run(capsys, "add", str(source))[0] == 0
    # only the bundled glossary (copied into the library) links the Chinese name to the English text
    status, out, _ = run(capsys, "search", "新质生产力", "--json")
    assert status == 0 and [h["doc_id"] for h in json.loads(out)["hits"]] == ["osprey-memo"]


def test_import_summary_shows_bracketed_file_names_as_they_are():
    from textual.content import Content

    report = AddReport()
    report.duplicates = [Duplicate("/tmp/src/report[bold].pdf", "report")]
    message, _ = import_summary(report)
    assert "report[bold].pdf as report" in Content.from_markup(message).plain
