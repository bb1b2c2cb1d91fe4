"""The result list: one entry per hit with title, outlet, date, paragraph number and the highlighted snippet."""

from __future__ import annotations

from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from npf_tui.core.annotations import DocState
from npf_tui.core.models import Hit

from .keys import list_navigation
from .linebreaking import LineBroken
from .nocolor import NoColorHighlight

SNIPPET_MATCH_STYLE = "bold $text-warning on $warning-muted"
#: Under NO_COLOR every colour is dropped (the app draws in the terminal's own colours): a match must stand out by
#: its attributes alone, also inside the highlighted (reversed) result.
SNIPPET_MATCH_STYLE_NO_COLOR = "bold underline"


#: Why a hit that is not a one-passage match is listed (core/search/documents.py).
MATCH_WHY = {"metadata": "title/author words", "document": "words spread over the document"}


def hit_content(number: int, hit: Hit, no_color: bool = False, marker: str = "") -> Content:
    """How one hit reads in the list: numbered title (and the document's reading status and tags, `marker`), a dim
    line of where it is from (author and outlet, "—" when neither is known; never the file's id), then the snippet
    with its matches marked."""
    source = " · ".join(part for part in (hit.author, hit.outlet) if part) or "—"
    where = f"{source} · {hit.published or 'n.d.'} · ¶{hit.paragraph}"
    if hit.match != "passage":  # found through its title/author words, or with its words spread over the document
        where += " · " + MATCH_WHY.get(hit.match, hit.match)
    parts: list = [(f"{number}. ", "dim"), (hit.title or hit.doc_id, "bold")]
    if marker:
        parts.append((f"  {marker}", "italic" if no_color else "$text-secondary"))
    parts += ["\n", (where, "dim italic"), "\n"]
    match_style = SNIPPET_MATCH_STYLE_NO_COLOR if no_color else SNIPPET_MATCH_STYLE
    parts += [(text, match_style if matched else "") for text, matched in hit.snippet]
    return Content.assemble(*parts)


class ResultList(NoColorHighlight):
    """Search hits; `enter` opens the highlighted one in the current pane, `o` in the other pane."""

    BINDINGS = [
        Binding("enter", "open(False)", "Open", id="npf.results.open"),
        Binding("o", "open(True)", "Other pane", id="npf.results.open_other"),
        *list_navigation("npf.results"),
        Binding("ctrl+f,pagedown", "page_down", "Page down", show=False, id="npf.results.page_down"),
        Binding("ctrl+b,pageup", "page_up", "Page up", show=False, id="npf.results.page_up"),
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

    def show_hits(self, hits: list[Hit], markers: dict[str, str] | None = None) -> None:
        """Replace the list with these hits, the first highlighted; `markers` (doc id → "[key] #core") are shown
        after the titles."""
        self.hits = list(hits)
        markers = markers or {}
        options: list = []
        for number, hit in enumerate(self.hits, 1):
            content = hit_content(number, hit, self.app.no_color, markers.get(hit.doc_id, ""))
            options.append(Option(LineBroken(content), id=f"hit-{number}"))
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


def state_marker(state: DocState | None) -> str:
    """The small marker a result shows for its document's state: `[key] #core`."""
    if state is None:
        return ""
    parts = [f"[{state.status}]"] if state.status else []
    parts += [f"#{t}" for t in state.tags[:3]]
    return " ".join(parts)
