"""The help dialog: every key of the reader, grouped by where it works."""

from __future__ import annotations

from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

#: How key names read on screen.
KEY_NAMES = {
    "slash": "/",
    "question_mark": "?",
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "down": "↓",
    "up": "↑",
    "left": "←",
    "right": "→",
    "escape": "esc",
    "space": "space",
    "pagedown": "pgdn",
    "pageup": "pgup",
    "shift+tab": "shift+tab",
    "shift+left": "shift+←",
    "shift+right": "shift+→",
}


def key_label(keys: str) -> str:
    """`j,down` → `j ↓`."""
    return " ".join(KEY_NAMES.get(k.strip(), k.strip()) for k in keys.split(","))


def help_content(sections: list[tuple[str, list[tuple[str, str]]]]) -> Content:
    """The help text: a heading per section, then one `keys  description` line per key."""
    width = max((len(k) for _, rows in sections for k, _ in rows), default=8) + 2
    parts: list = []
    for title, rows in sections:
        parts.append((f"{title}\n", "bold $text-accent"))
        for keys, description in rows:
            parts.append((f"  {keys:<{width}}", "bold"))
            parts.append(f"{description}\n")
        parts.append("\n")
    return Content.assemble(*parts)


def binding_rows(bindings: list) -> list[tuple[str, str]]:
    """(keys, description) rows from BINDINGS lists (tuples or Binding objects), described ones only."""
    rows = []
    for binding in bindings:
        if isinstance(binding, tuple):
            binding = Binding(*binding)
        if binding.description:
            rows.append((key_label(binding.key), binding.tooltip or binding.description))
    return rows


class HelpScreen(ModalScreen[None]):
    """A scrollable list of every key; any of escape, q, ? or enter closes it. It scrolls as less does."""

    BINDINGS = [
        Binding("escape,q,question_mark,enter", "close", "Close", id="npf.help.close"),
        Binding("j,down", "scroll(1)", "Down", show=False, id="npf.help.down"),
        Binding("k,up", "scroll(-1)", "Up", show=False, id="npf.help.up"),
        Binding("space,ctrl+f,pagedown", "page(1)", "Page down", show=False, id="npf.help.page_down"),
        Binding("b,ctrl+b,pageup", "page(-1)", "Page up", show=False, id="npf.help.page_up"),
        Binding("ctrl+d", "page(0.5)", "Half page down", show=False, id="npf.help.half_page_down"),
        Binding("ctrl+u", "page(-0.5)", "Half page up", show=False, id="npf.help.half_page_up"),
        Binding("g,home", "edge(-1)", "Top", show=False, id="npf.help.top"),
        Binding("G,end", "edge(1)", "Bottom", show=False, id="npf.help.bottom"),
    ]

    def __init__(self, sections: list[tuple[str, list[tuple[str, str]]]]) -> None:
        """`sections` are (title, [(keys, description)]) in display order."""
        super().__init__()
        self.sections = sections

    def compose(self):
        """Title, the keys, and a hint."""
        with Vertical(id="help-dialog", classes="dialog"):
            yield Static(Content.styled("Keys", "bold"), classes="dialog-title")
            with VerticalScroll(id="help-body"):
                yield Static(help_content(self.sections), id="help-text")
            yield Static(
                Content.styled("j/k · space/b pages · g/G ends · esc closes · ctrl+p every action", "dim"),
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        """Keyboard on the list."""
        self.query_one("#help-body").focus()

    @property
    def body(self) -> VerticalScroll:
        """The scrolling part."""
        return self.query_one("#help-body", VerticalScroll)

    def action_scroll(self, lines: int) -> None:
        """Scroll by lines."""
        self.body.scroll_relative(y=lines, animate=False, immediate=True)

    def action_page(self, pages: float) -> None:
        """Scroll by pages (a full page keeps one line of the last for context)."""
        height = self.body.scrollable_content_region.height
        step = max(1, height - 1 if abs(pages) >= 1 else int(height * abs(pages)))
        self.body.scroll_relative(y=step if pages > 0 else -step, animate=False, immediate=True)

    def action_edge(self, end: int) -> None:
        """To the top (-1) or the bottom (1)."""
        if end > 0:
            self.body.scroll_end(animate=False, immediate=True)
        else:
            self.body.scroll_home(animate=False, immediate=True)

    def action_close(self) -> None:
        """Close the dialog."""
        self.dismiss(None)
