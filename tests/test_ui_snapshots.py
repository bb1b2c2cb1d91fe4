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


# -- annotations: the dialog and the list, at 80x24 and 120x40 -------------------------------------------------------
def _seed_annotations(library) -> None:
    """Three annotations on the Rainey article (one orphaned), in the per-test data folder."""
    from npf_tui.core.annotations import AnnotationStore, anchor_document

    store = AnnotationStore.for_corpus(library.corpus_dir)
    doc = library.document("rainey-2024-new-catch-phrase")
    store.add(doc, 3, 0, 123, note="loyalty slogan", tags=["slogan", "politics"])
    store.add(doc, 16, note="who leads the institute", tags=["people"])
    gone = store.add(doc, 5, note="a rewritten passage")
    orphan = next(a for a in anchor_document(store, doc) if a.id == gone.id)
    orphan.selector = type(orphan.selector)(type(orphan.selector.quote)("not in the text"), orphan.selector.position)
    store.save_anchors([orphan])


async def _annotation_dialog(pilot) -> None:
    await open_first(pilot, "Liu Haiqing")
    await pilot.press("j", "v", "m")
    await settle(pilot)
    await pilot.press(*"who leads it", "tab", *"people caps")
    await _quiet(pilot)


async def _annotation_list(pilot) -> None:
    _seed_annotations(pilot.app.library)
    pilot.app.search_screen.set_focus(None)
    await pilot.press("A")
    await _quiet(pilot)


def test_snapshot_annotation_dialog_80x24(snap_compare, library):
    assert snap_compare(_app(library), terminal_size=(80, 24), run_before=_annotation_dialog)


def test_snapshot_annotation_dialog_120x40(snap_compare, library):
    assert snap_compare(_app(library), terminal_size=(120, 40), run_before=_annotation_dialog)


def test_snapshot_annotation_list_80x24(snap_compare, library):
    async def run_before(pilot):
        await settle(pilot)
        await _annotation_list(pilot)

    assert snap_compare(_app(library), terminal_size=(80, 24), run_before=run_before)


def test_snapshot_annotation_list_120x40(snap_compare, library):
    async def run_before(pilot):
        await settle(pilot)
        await _annotation_list(pilot)

    assert snap_compare(_app(library), terminal_size=(120, 40), run_before=run_before)


def test_snapshot_reader_with_marks_80x24(snap_compare, library):
    async def run_before(pilot):
        await settle(pilot)
        _seed_annotations(pilot.app.library)
        await open_first(pilot, "Two Upholds")
        await _quiet(pilot)

    assert snap_compare(_app(library), terminal_size=(80, 24), run_before=run_before)
