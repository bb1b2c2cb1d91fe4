"""The result list: one entry per hit with title, outlet, date, paragraph number and the highlighted snippet."""

from __future__ import annotations

from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from npf_tui.core.models import Hit

from .keys import list_navigation

SNIPPET_MATCH_STYLE = "bold $text-warning on $warning-muted"


def hit_content(number: int, hit: Hit) -> Content:
    """How one hit reads in the list: numbered title, a dim line of where it is from, then the snippet."""
    source = " · ".join(part for part in (hit.author, hit.outlet) if part) or hit.doc_id
    where = f"{source} · {hit.published or 'n.d.'} · ¶{hit.paragraph}"
    parts: list = [(f"{number}. ", "dim"), (hit.title or hit.doc_id, "bold"), "\n", (where, "dim italic"), "\n"]
    parts += [(text, SNIPPET_MATCH_STYLE if matched else "") for text, matched in hit.snippet]
    return Content.assemble(*parts)


class ResultList(OptionList):
    """Search hits; `enter` opens the highlighted one in the current pane, `o` in the other pane."""

    BINDINGS = [
        Binding("enter", "open(False)", "Open", id="npf.results.open"),
        Binding("o", "open(True)", "Other pane", id="npf.results.open_other"),
        *list_navigation("npf.results"),
    ]

    class Open(Message):
        """A hit is to be opened in the reader (in the other pane when `other_pane`)."""

        def __init__(self, hit: Hit, other_pane: bool) -> None:
            """Carry the hit and the pane choice."""
            super().__init__()
            self.hit = hit
            self.other_pane = other_pane

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        """An empty list."""
        super().__init__(id=id, classes=classes)
        self.hits: list[Hit] = []

    def show_hits(self, hits: list[Hit]) -> None:
        """Replace the list with these hits, the first highlighted."""
        self.hits = list(hits)
        options: list = []
        for number, hit in enumerate(self.hits, 1):
            options.append(Option(hit_content(number, hit), id=f"hit-{number}"))
            if number < len(self.hits):
                options.append(None)  # a divider line between hits
        self.set_options(options)
        if self.hits:
            self.highlighted = 0

    @property
    def current_hit(self) -> Hit | None:
        """The highlighted hit."""
        option = self.highlighted_option
        if option is None or option.id is None:
            return None
        return self.hits[int(option.id.split("-")[1]) - 1]

    def action_open(self, other_pane: bool) -> None:
        """Ask for the highlighted hit to be opened."""
        hit = self.current_hit
        if hit is not None:
            self.post_message(self.Open(hit, other_pane))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """A mouse click opens the clicked hit in the current pane."""
        event.stop()
        self.action_open(False)
