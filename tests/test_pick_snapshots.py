"""Snapshot of the `npf pick` picker (pytest-textual-snapshot); update with `pytest --snapshot-update`.

Snapshots run the app full screen at the given size; inline, the same widgets take only the lines they need."""

from __future__ import annotations

from test_ui_support import settle

from npf_tui.ui.pick import PickApp


def test_snapshot_pick_sentence(snap_compare, library):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("ctrl+n", "tab")  # the second passage, the sentence of its first match
        await settle(pilot)

    app = PickApp(library=library, query="Liu Haiqing", debounce=0.05)
    assert snap_compare(app, terminal_size=(80, 16), run_before=run_before)
