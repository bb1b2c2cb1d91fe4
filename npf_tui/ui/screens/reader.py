"""The reader screen: one or two reader panes side by side, the entity sidebar, and search within a document."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from npf_tui.core.errors import NpfError
from npf_tui.core.models import Document

from ..widgets.entities import EntitySidebar
from ..widgets.reader import ReaderPane, Selection
from .reader_marks import MARK_BINDINGS, ReaderMarks

if TYPE_CHECKING:
    from ..app import NpfApp

#: Below these widths (cells) the sidebar would squeeze the text: the non-current pane steps aside while it is shown.
DUAL_WITH_SIDEBAR_MIN_WIDTH = 100
#: Wide terminals get the sidebar from the start.
SIDEBAR_AUTO_WIDTH = 120


class ReaderScreen(ReaderMarks, Screen):
    """Two reader panes (the right one shown in side-by-side mode) and an entity sidebar."""

    BINDINGS = [
        Binding(
            "escape",
            "back",
            "Back",
            tooltip="Back to the results (closes the find box, or leaves the sidebar for the text, first)",
            id="npf.reader.back",
        ),
        Binding(
            "slash",
            "find",
            "Find",
            tooltip="Find in this document (an empty prompt; ↑ recalls earlier finds and the corpus query)",
            id="npf.reader.find",
        ),
        Binding(
            "n",
            "step(1)",
            "Next",
            tooltip="Next match (or mention of the chosen entity) after the cursor",
            id="npf.reader.next_match",
        ),
        Binding(
            "N",
            "step(-1)",
            "Previous match",
            tooltip="Previous match (or mention) before the cursor",
            show=False,
            id="npf.reader.prev_match",
        ),
        Binding(
            "s",
            "toggle_dual",
            "Side by side",
            tooltip="Two readers side by side on or off",
            id="npf.reader.side_by_side",
        ),
        Binding(
            "tab",
            "switch_pane(1)",
            "Switch pane",
            tooltip="Next pane (left, right, entity sidebar)",
            show=False,
            id="npf.reader.switch_pane",
        ),
        Binding("shift+tab", "switch_pane(-1)", "Switch pane back", show=False, id="npf.reader.switch_pane_back"),
        Binding("e", "toggle_sidebar", "Entities", tooltip="Show or hide the entity sidebar", id="npf.reader.entities"),
        Binding(
            "y",
            "copy_quote",
            "Copy",
            tooltip="Copy the cursor paragraph or the selected sentences with its citation",
            id="npf.reader.copy",
        ),
        # v belongs to the reader pane; from the entity sidebar it reaches the screen, which hands it to the pane
        Binding("v", "sentence_mode", "", show=False, id="npf.reader.sentence_mode_from_sidebar"),
        *MARK_BINDINGS,
    ]

    class QuoteRequested(Message):
        """The person asked to copy a selection with its citation."""

        def __init__(self, selection: Selection) -> None:
            """Carry the selection."""
            super().__init__()
            self.selection = selection

    class EntitySearch(Message):
        """Search the whole corpus for an entity under all its names."""

        def __init__(self, entity) -> None:
            """Carry the core Entity."""
            super().__init__()
            self.entity = entity

    class Back(Message):
        """Go back to the search screen."""

    def __init__(self) -> None:
        """Start in single-pane mode with the left pane current."""
        super().__init__()
        self.dual = False
        self.sidebar_on: bool | None = None  # None: decided by the width on first show
        self.current_id = "left"
        self.query_text = ""
        self.find_history: list[str] = []  # earlier finds, most recent last
        self._recall: int | None = None  # where ↑/↓ are in the recall list of the find box

    def compose(self):
        """Panes, sidebar, find box, status line and footer."""
        with Horizontal(id="panes"):
            yield ReaderPane(id="left", classes="pane")
            yield ReaderPane(id="right", classes="pane")
            yield EntitySidebar(id="sidebar")
        yield Input(placeholder="Find in this document (enter: highlight · ↑ history · esc: close)", id="find")
        yield Static("", id="reader-status")
        yield Footer()

    def on_mount(self) -> None:
        """Apply the initial layout."""
        self.query_one("#find").display = False
        self._layout()

    def on_resize(self) -> None:
        """Re-decide what fits."""
        self._layout()

    @property
    def npf_app(self) -> NpfApp:
        """The app, typed: Screen.app is an `App[object]`, and the library lives on NpfApp."""
        return cast("NpfApp", self.app)

    # -- panes ------------------------------------------------------------------------------------------------
    @property
    def current(self) -> ReaderPane:
        """The pane that `enter`, `y`, `n` and the sidebar act on."""
        return self.query_one(f"#{self.current_id}", ReaderPane)

    @property
    def other_id(self) -> str:
        """The id of the pane that is not current."""
        return "right" if self.current_id == "left" else "left"

    @property
    def other(self) -> ReaderPane:
        """The pane that is not current."""
        return self.query_one(f"#{self.other_id}", ReaderPane)

    def pane(self, other: bool) -> ReaderPane:
        """The current pane, or the other one (turning side by side on)."""
        if other:
            self.dual = True
            self.current_id = self.other_id
            self._layout()
        return self.current

    def open_document(
        self,
        doc: Document,
        paragraph: int,
        matches: dict[int, list[tuple[int, int]]],
        query: str,
        other: bool,
        annotation: str | None = None,
    ) -> None:
        """Show a document in the current or the other pane, cursor on `paragraph`, matches highlighted (and the
        annotation with id `annotation` made current)."""
        self.query_text = query
        pane = self.pane(other)
        if pane.document is not None and pane.document is not doc:
            self.save_place(pane)  # leaving a document: remember where
        pane.show(doc, paragraph, matches)
        self.load_marks(pane, annotation)
        pane.focus_paragraphs()
        self._mark_current()
        count = sum(len(v) for v in matches.values())
        self.set_status(f"{count} match{'es' if count != 1 else ''} for {query!r} · n/N step" if query else "")
        self.refresh_sidebar()

    def _mark_current(self) -> None:
        """Style the current pane."""
        for pane in self.query(ReaderPane):
            pane.set_class(pane.id == self.current_id and self.dual, "-current")

    def _layout(self) -> None:
        """Show one or two panes and the sidebar as the width allows (never squeezing the text)."""
        width = self.size.width or self.app.size.width
        if self.sidebar_on is None and width:
            self.sidebar_on = width >= SIDEBAR_AUTO_WIDTH
        sidebar = bool(self.sidebar_on)
        self.query_one("#sidebar").display = sidebar
        right = self.query_one("#right")
        left = self.query_one("#left")
        squeezed = self.dual and sidebar and width < DUAL_WITH_SIDEBAR_MIN_WIDTH
        left.display = not (squeezed and self.current_id == "right")
        right.display = self.dual and not (squeezed and self.current_id == "left")
        self.set_class(self.dual, "-dual")
        self.set_class(width < SIDEBAR_AUTO_WIDTH, "-narrow")
        self._mark_current()

    def on_reader_pane_activated(self, message: ReaderPane.Activated) -> None:
        """Clicking or tabbing into a pane makes it current."""
        pane_id = message.pane.id
        if pane_id is not None and pane_id != self.current_id:  # both panes are composed with an id
            self.current_id = pane_id
            self._layout()
            self.refresh_sidebar()

    def on_reader_pane_status(self, message: ReaderPane.Status) -> None:
        """Show a pane's status line."""
        self.set_status(message.text)

    def set_status(self, text: str) -> None:
        """The line above the footer."""
        self.query_one("#reader-status", Static).update(text)

    # -- actions ----------------------------------------------------------------------------------------------
    def action_back(self) -> None:
        """Close the find box if open; from the entity sidebar back to the text; else back to the results."""
        find = self.query_one("#find", Input)
        if find.display:
            find.display = False
            self.current.focus_paragraphs()
            return
        if self._in_sidebar():
            self.current.focus_paragraphs()
            self.set_status("Back in the text (tab or e goes to the entities again).")
            return
        self.save_place(self.current)
        self.post_message(self.Back())

    def _in_sidebar(self) -> bool:
        """Whether the keyboard is in the entity sidebar."""
        focused = self.focused
        return focused is not None and focused in self.query_one("#sidebar").walk_children()

    def action_sentence_mode(self) -> None:
        """v from the entity sidebar: sentence mode in the current pane, with the keyboard back in the text (h/l
        and y then act on it)."""
        pane = self.current
        if pane.document is None:
            self.app.bell()
            self.set_status("Sentence mode needs a document: open a search result first.")
            return
        pane.focus_paragraphs()
        pane.action_toggle_sentences()

    def action_step(self, direction: int) -> None:
        """Next/previous match (or entity mention) in the current pane."""
        self.current.action_step(direction)

    def action_toggle_dual(self) -> None:
        """Side by side on/off (off keeps the current pane)."""
        self.dual = not self.dual
        if not self.dual and self.current_id == "right":
            # single mode shows the left pane: move the current document there
            left, right = self.query_one("#left", ReaderPane), self.query_one("#right", ReaderPane)
            if right.document is not None:
                left.show(right.document, right.cursor, right.matches)
                self.load_marks(left)
            self.current_id = "left"
        self._layout()
        if self.dual and self.other.document is None:
            self.set_status("Side by side: escape to the results, then o opens a result in this other pane.")
        self.current.focus_paragraphs()

    def action_switch_pane(self, direction: int) -> None:
        """Cycle the focus through the visible panes and the sidebar."""
        order = [
            w_id
            for w_id in ("left", "right", "sidebar")
            if (self.dual or w_id != "right") and (w_id != "sidebar" or self.sidebar_on)
        ]
        focused = self.focused
        index = next((i for i, w_id in enumerate(order) if focused in self.query_one(f"#{w_id}").walk_children()), 0)
        target = order[(index + direction) % len(order)]
        if target == "sidebar":
            self.query_one("#sidebar", EntitySidebar).entity_list.focus()
        else:
            self.current_id = target
            self._layout()
            self.current.focus_paragraphs()
            self.refresh_sidebar()

    def action_toggle_sidebar(self) -> None:
        """Entity sidebar on/off; turning it on moves the focus into it."""
        self.sidebar_on = not self.sidebar_on
        self._layout()
        if self.sidebar_on:
            self.refresh_sidebar()
            self.query_one(EntitySidebar).entity_list.focus()
        else:
            self.current.set_mentions({})
            self.current.focus_paragraphs()

    def action_copy_quote(self) -> None:
        """Copy the cursor paragraph (or the selected sentences) with its citation."""
        selection = self.current.selection()
        if selection is None:
            self.app.bell()
            self.set_status("Nothing to copy: open a document first.")
            return
        self.post_message(self.QuoteRequested(selection))

    def action_find(self) -> None:
        """Open the find box, empty as in less and vim; ↑ recalls earlier finds, then the corpus query."""
        find = self.query_one("#find", Input)
        find.display = True
        find.value = ""
        self._recall = None
        find.focus()

    def recall_list(self) -> list[str]:
        """What ↑ goes through in the find box, most recent first: earlier finds, then the corpus query."""
        recent = [*reversed(self.find_history), self.query_text]
        return [text for text in dict.fromkeys(recent) if text.strip()]

    def on_key(self, event) -> None:
        """↑/↓ in the find box step through the recall list (↓ past the newest gives an empty box again)."""
        find = self.query_one("#find", Input)
        if self.focused is not find or event.key not in ("up", "down"):
            return
        event.stop()
        event.prevent_default()
        items = self.recall_list()
        if not items:
            return
        if event.key == "up":
            self._recall = 0 if self._recall is None else min(self._recall + 1, len(items) - 1)
        else:
            self._recall = None if not self._recall else self._recall - 1
        find.value = "" if self._recall is None else items[self._recall]
        find.cursor_position = len(find.value)

    @on(Input.Submitted, "#find")
    def _find_submitted(self, event: Input.Submitted) -> None:
        """Highlight the find box's query in the current pane."""
        event.stop()
        if self.current.document is None:
            return
        if not event.value.strip():  # enter on an empty box just closes it
            self.action_back()
            return
        self.find_history = [q for q in self.find_history if q != event.value] + [event.value]
        self._find(event.value, self.current.document)

    @work(thread=True, exclusive=True, group="find")
    def _find(self, query: str, doc: Document) -> None:
        """Compute the matches of `query` in `doc` off the UI thread."""
        lib = self.npf_app.library
        if lib is None:  # a document is open, so the library is too
            return
        try:
            matches = lib.document_matches(query, doc)
        except NpfError as exc:
            self.app.call_from_thread(self.set_status, f"⚠ {exc}")
            return
        self.app.call_from_thread(self._found, query, doc, matches)

    def _found(self, query: str, doc: Document, matches: dict[int, list[tuple[int, int]]]) -> None:
        """Show find results and step to the first one."""
        pane = self.current
        if pane.document is not doc:
            return
        self.query_one("#find").display = False
        pane.set_matches(matches)
        pane.focus_paragraphs()
        count = sum(len(v) for v in matches.values())
        if count:
            pane.action_step(1)
        else:
            self.set_status(f"{query!r} is not in this document (escape: back to the results to search the corpus)")

    # -- entities ---------------------------------------------------------------------------------------------
    def refresh_sidebar(self) -> None:
        """Show the current document's entities in the sidebar (when it is shown)."""
        if not self.sidebar_on:
            return
        sidebar = self.query_one(EntitySidebar)
        doc = self.current.document
        store = getattr(self.app, "entity_store", None)
        if doc is None:
            sidebar.show_counts("Entities", [], "Open a document to see who and what it mentions.")
        elif store is None or not getattr(store, "available", True):
            sidebar.show_counts("Entities", [], "No entities stored for this index yet: run `npf index --rebuild`.")
        else:
            counts = store.for_document(doc.doc_id)
            sidebar.show_counts(f"Entities here ({len(counts)})", counts)

    def on_entity_sidebar_chosen(self, message: EntitySidebar.Chosen) -> None:
        """Highlight an entity's mentions in the current pane, or search the corpus for it."""
        message.stop()
        if message.search:
            self.post_message(self.EntitySearch(message.entity))
            return
        doc = self.current.document
        store = getattr(self.app, "entity_store", None)
        if doc is None or store is None:
            return
        mentions: dict[int, list[tuple[int, int]]] = {}
        for m in store.mentions(message.entity.id, doc.doc_id):
            mentions.setdefault(m.paragraph, []).append((m.start, m.end))
        self.current.set_mentions(mentions)
        count = sum(len(v) for v in mentions.values())
        self.current.action_step(1) if count else self.set_status(f"{message.entity.name}: no mentions here")
