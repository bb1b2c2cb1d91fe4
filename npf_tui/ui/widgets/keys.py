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


def declared_bindings(node: object) -> list[Binding]:
    """The bindings a node's classes declare in BINDINGS, one per key ("j,down" gives two), a subclass's binding
    replacing its base's for the same key: what Textual merges for the node, read from public class attributes
    instead of its private `_bindings` (npf sets no keymap, so none of them is re-keyed)."""
    by_key: dict[str, Binding] = {}
    for cls in reversed(type(node).__mro__):
        for binding in Binding.make_bindings(cls.__dict__.get("BINDINGS", [])):
            by_key[binding.key] = binding
    return list(by_key.values())
