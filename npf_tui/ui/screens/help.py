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
    """A scrollable list of every key; any of escape, q, ? or enter closes it."""

    BINDINGS = [Binding("escape,q,question_mark,enter", "close", "Close", id="npf.help.close")]

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
                Content.styled("j/k or arrows scroll · esc closes · ctrl+p lists every action", "dim"),
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        """Let the arrow keys scroll the list."""
        self.query_one("#help-body").focus()

    def key_j(self) -> None:
        """Scroll down."""
        self.query_one("#help-body", VerticalScroll).scroll_down()

    def key_k(self) -> None:
        """Scroll up."""
        self.query_one("#help-body", VerticalScroll).scroll_up()

    def action_close(self) -> None:
        """Close the dialog."""
        self.dismiss(None)
