"""The citation style picker: a modal list of the core's styles that returns the chosen style's name."""

from __future__ import annotations

from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..widgets.nocolor import MarkedOptionList


class StylePicker(ModalScreen[str | None]):
    """Pick a citation style; dismisses with its short name, or None when cancelled."""

    BINDINGS = [
        Binding("escape,q", "cancel", "Cancel", id="npf.style.cancel"),
        Binding("j", "down", "Down", show=False, id="npf.style.down"),
        Binding("k", "up", "Up", show=False, id="npf.style.up"),
    ]

    def __init__(self, styles: list[tuple[str, str]], current: str) -> None:
        """`styles` are (name, title) pairs; `current` is highlighted."""
        super().__init__()
        self.style_choices = styles
        self.current = current

    def compose(self):
        """Title, the list and a hint."""
        with Vertical(id="style-dialog", classes="dialog"):
            yield Static(Content.styled("Citation style", "bold"), classes="dialog-title")
            options = [
                Option(
                    Content.assemble(
                        ("● " if name == self.current else "  ", "$text-accent"), (title, "bold"), (f"  {name}", "dim")
                    ),
                    id=name,
                )
                for name, title in self.style_choices
            ]
            yield MarkedOptionList(*options, id="style-list")
            yield Static(
                Content.styled("enter chooses (and saves it as your default) · esc cancels", "dim"),
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        """Start on the current style."""
        styles = self.query_one(OptionList)
        names = [name for name, _ in self.style_choices]
        styles.highlighted = names.index(self.current) if self.current in names else 0
        styles.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Return the chosen style."""
        self.dismiss(event.option.id)

    def action_down(self) -> None:
        """Move down."""
        self.query_one(OptionList).action_cursor_down()

    def action_up(self) -> None:
        """Move up."""
        self.query_one(OptionList).action_cursor_up()

    def action_cancel(self) -> None:
        """Close without a choice."""
        self.dismiss(None)
