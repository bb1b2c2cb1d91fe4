"""Snapshot tests (pytest-textual-snapshot) of the reader's main screens; update with `pytest --snapshot-update`."""

from __future__ import annotations

from test_ui_support import make_app, open_first, search, settle


def _app(library):
    """A deterministic app: no timings on screen, no periodic refresh, the default citation style."""
    return make_app(library)


async def _quiet(pilot) -> None:
    """Let everything settle and drop notifications (they carry paths and would age out anyway)."""
    await settle(pilot)
    pilot.app.clear_notifications()
    await pilot.pause()


def test_snapshot_search_results(snap_compare, library):
    async def run_before(pilot):
        await search(pilot, "新质生产力")
        await pilot.press("enter")
        await _quiet(pilot)

    assert snap_compare(_app(library), terminal_size=(100, 30), run_before=run_before)


def test_snapshot_reader(snap_compare, library):
    async def run_before(pilot):
        await open_first(pilot, "CAPS")
        await _quiet(pilot)

    assert snap_compare(_app(library), terminal_size=(100, 30), run_before=run_before)


def test_snapshot_side_by_side_with_sidebar(snap_compare, library):
    async def run_before(pilot):
        await open_first(pilot, "Liu Haiqing")
        await pilot.press("escape")
        await settle(pilot)
        await search(pilot, "productive forces")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("j", "o")  # the second hit: another document, in the right-hand pane
        await settle(pilot)
        if not pilot.app.screen.sidebar_on:
            await pilot.press("e")
        await pilot.press("tab")  # back to the reader pane (the sidebar took the focus)
        await _quiet(pilot)

    assert snap_compare(_app(library), terminal_size=(100, 30), run_before=run_before)


def test_snapshot_help(snap_compare, library):
    async def run_before(pilot):
        await settle(pilot)
        pilot.app.search_screen.set_focus(None)
        await pilot.press("question_mark")
        await _quiet(pilot)

    assert snap_compare(_app(library), terminal_size=(100, 30), run_before=run_before)


def test_snapshot_reader_80x24_sentence_selected(snap_compare, library):
    async def run_before(pilot):
        await open_first(pilot, "CAPS")
        await pilot.press("v", "l")
        await _quiet(pilot)

    assert snap_compare(_app(library), terminal_size=(80, 24), run_before=run_before)
