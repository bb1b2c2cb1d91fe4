"""Helpers shared by the terminal reader's Pilot and snapshot tests (collected by pytest, but holds no tests)."""

from __future__ import annotations

from npf_tui.ui.app import NpfApp


def make_app(library, **kwargs) -> NpfApp:
    """An app over the session library: quick debounce, no timings on screen, no periodic corpus check."""
    kwargs.setdefault("debounce", 0.05)
    kwargs.setdefault("timings", False)
    kwargs.setdefault("auto_refresh", False)
    return NpfApp(library=library, **kwargs)


async def settle(pilot, rounds: int = 3) -> None:
    """Let timers fire, workers finish and their results reach the screen."""
    for _ in range(rounds):
        await pilot.pause(0.06)
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def search(pilot, query: str, typed: bool = False) -> None:
    """Put a query in the search box (key by key when `typed`, as a person would) and wait for the results."""
    app = pilot.app
    await settle(pilot)
    box = app.search_screen.query_one("#query")
    box.focus()
    if typed:
        await pilot.press(*query)
    else:
        box.value = query  # posts Input.Changed like typing does, without a Pilot round trip per key
    await settle(pilot)


async def open_first(pilot, query: str, other: bool = False) -> None:
    """Search, go to the results, and open the first (or highlighted) hit."""
    await search(pilot, query)
    await pilot.press("enter")  # search now and go to the results
    await settle(pilot)
    await pilot.press("o" if other else "enter")
    await settle(pilot)
