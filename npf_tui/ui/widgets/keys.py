"""Key bindings shared by the list widgets (vi-style movement), each with ids under the widget's own prefix."""

from __future__ import annotations

from textual.binding import Binding


def list_navigation(prefix: str) -> list[Binding]:
    """j/k (and arrows) move, g/G (and home/end) jump to the first/last item; ids are `{prefix}.down` etc."""
    return [
        Binding("j,down", "cursor_down", "Down", show=False, id=f"{prefix}.down"),
        Binding("k,up", "cursor_up", "Up", show=False, id=f"{prefix}.up"),
        Binding("g,home", "first", "First", show=False, id=f"{prefix}.first"),
        Binding("G,end", "last", "Last", show=False, id=f"{prefix}.last"),
    ]
