"""Small modal dialogs of the annotation flows: the note-and-tags dialog, a yes/no confirmation, a one-line prompt."""

from __future__ import annotations

from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

#: Characters of the marked text shown at the top of the annotation dialog.
QUOTE_PREVIEW = 160


def split_tags(text: str) -> list[str]:
    """Tags typed in a box: separated by spaces or commas, a leading '#' allowed ("#method, sample" → 2 tags)."""
    return [t.lstrip("#") for t in text.replace(",", " ").split() if t.lstrip("#")]


class AnnotationDialog(ModalScreen[tuple[str, list[str]] | None]):
    """A note and tags for a mark (new or edited). `enter` saves — with both boxes empty the mark is still saved —
    `esc` cancels. Dismisses with (note, tags) or None."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="npf.annotate.cancel"),
        Binding("ctrl+s", "save", "Save", id="npf.annotate.save"),
    ]

    def __init__(self, title: str, quote: str, note: str = "", tags: tuple[str, ...] | list[str] = ()) -> None:
        """`title` says what is marked (e.g. "Mark ¶3, sentence"); `quote` is the marked text."""
        super().__init__()
        self.dialog_title = title
        self.quote = quote
        self.note = note
        self.tags = list(tags)

    def compose(self):
        """Title, the quote, the note and tags boxes, a hint."""
        quote = " ".join(self.quote.split())
        if len(quote) > QUOTE_PREVIEW:
            quote = quote[: QUOTE_PREVIEW - 1] + "…"
        with Vertical(id="annotate-dialog", classes="dialog"):
            yield Static(Content.styled(self.dialog_title, "bold"), classes="dialog-title")
            yield Static(Content.styled(f"“{quote}”", "italic"), id="annotate-quote", classes="dialog-text")
            yield Label("Note")
            yield Input(self.note, placeholder="optional: what this passage is for", id="annotate-note")
            yield Label("Tags")
            yield Input(
                " ".join(self.tags),
                placeholder="optional: words separated by spaces (#method sample)",
                id="annotate-tags",
            )
            yield Static("", id="annotate-error")
            yield Static(
                Content.styled("enter saves (nothing typed: the mark alone) · tab moves · esc cancels", "dim"),
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        """Start in the note box."""
        self.query_one("#annotate-note", Input).focus()

    def on_input_submitted(self) -> None:
        """Enter in either box saves."""
        self.action_save()

    def action_save(self) -> None:
        """Return the note and the tags (a tag with ':' is refused here, before the store would refuse it)."""
        note = self.query_one("#annotate-note", Input).value.strip()
        tags = split_tags(self.query_one("#annotate-tags", Input).value)
        bad = [t for t in tags if ":" in t]
        if bad:
            self.query_one("#annotate-error", Static).update(
                Content.styled(f"a tag cannot hold ':': {bad[0]}", "$text-error")
            )
            return
        self.dismiss((note, tags))

    def action_cancel(self) -> None:
        """Close without saving."""
        self.dismiss(None)


class ConfirmDialog(ModalScreen[bool]):
    """A yes/no question: `y` (or enter) answers yes, `n` or esc no."""

    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes", id="npf.confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="npf.confirm.no"),
    ]

    def __init__(self, question: str, detail: str = "") -> None:
        """`question` in bold, `detail` (e.g. the quote) under it."""
        super().__init__()
        self.question = question
        self.detail = detail

    def compose(self):
        """The question and the keys."""
        with Vertical(id="confirm-dialog", classes="dialog"):
            yield Static(Content.styled(self.question, "bold"), classes="dialog-title")
            if self.detail:
                yield Static(Content(self.detail), classes="dialog-text")
            yield Static(Content.styled("y or enter: yes · n or esc: no", "dim"), classes="dialog-hint")

    def action_answer(self, yes: bool) -> None:
        """Close with the answer."""
        self.dismiss(yes)


class TextPrompt(ModalScreen[str | None]):
    """One line of text (document tags, an export path): enter returns it, esc cancels (None)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="npf.prompt.cancel")]

    def __init__(self, title: str, value: str = "", hint: str = "", placeholder: str = "") -> None:
        """`value` is the text offered (selected for editing); `hint` a dim line under the box."""
        super().__init__()
        self.prompt_title = title
        self.value = value
        self.hint = hint
        self.placeholder = placeholder

    def compose(self):
        """Title, box, hint."""
        with Vertical(id="text-prompt", classes="dialog"):
            yield Static(Content.styled(self.prompt_title, "bold"), classes="dialog-title")
            yield Input(self.value, placeholder=self.placeholder, id="prompt-input")
            yield Static(Content.styled(self.hint or "enter: ok · esc: cancel", "dim"), classes="dialog-hint")

    def on_mount(self) -> None:
        """Keyboard in the box, cursor at the end."""
        box = self.query_one("#prompt-input", Input)
        box.focus()
        box.cursor_position = len(box.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Return the text."""
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        """Close without an answer."""
        self.dismiss(None)
