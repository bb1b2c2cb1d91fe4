"""The search screen: the query box, results as the person types (debounced, searched in a worker), and filters."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input
from textual.worker import get_current_worker

from npf_tui.core.annotations.doc_filters import filtered_search
from npf_tui.core.errors import NpfError

from ..widgets.results import ResultList, state_marker
from ..widgets.status import BusyPanel, InfoPanel, StatusLine, summary_content

if TYPE_CHECKING:
    from npf_tui.core.models import SearchResult

    from ..app import NpfApp

#: Hits fetched per query (the list says when there are more).
RESULT_LIMIT = 50
#: Filter terms the filter dialog owns (replaced, not duplicated, when filters change).
FILTER_TERM = re.compile(r'\s*(?:outlet|author|lang|published|status|tag):(?:"[^"]*"|\[[^\]]*\]|\S+)')

EXAMPLES = (
    "Type to search the corpus in English, 中文 or pinyin; results appear as you type.\n\n"
    "  productive forces          words (both languages are searched)\n"
    '  "new quality"              a phrase\n'
    "  新质生产力 · xinzhi         Chinese, or its pinyin\n"
    "  author:rainey  lang:en     fields (F opens the filters, from the results)\n"
    "  published:[2024-01 TO 2024-06]   a date range\n\n"
    "enter or ↓: to the results · enter opens one, o opens it in the other pane\n"
    "esc leaves the search box · ? lists every key · ctrl+p every action · ctrl+q quits"
)


def no_hits_hint(query: str, metas: list[dict]) -> str:
    """A hint for a query with no hits whose words are a document's author, outlet or title (a bare author name
    searches the text, not the byline): which field holds them and the query that finds them. "" when none does."""
    if ":" in query or not query.strip():
        return ""
    words = query.replace('"', " ").casefold().split()
    term = query.strip().strip('"')
    term = f'"{term}"' if " " in term else term
    for field, what in (("author", "an author"), ("outlet", "an outlet"), ("title", "in a title")):
        values = sorted({str(m.get(field) or "") for m in metas} - {""})
        found = [v for v in values if all(w in v.casefold() for w in words)]
        if found:
            shown = ", ".join(found[:2]) + (f" and {len(found) - 2} more" if len(found) > 2 else "")
            return f"Hint: {term.strip(chr(34))} is {what} ({shown}): search {field}:{term} for those documents."
    return ""


class SearchScreen(Screen):
    """Query box, status line, busy/info panels and the result list."""

    BINDINGS = [
        Binding("slash", "focus_search", "Search", id="npf.search.focus"),
        # F, not ctrl+f: ctrl+f pages forward for a less or vim reader (and deletes a word in the search box)
        Binding(
            "F", "filters", "Filters", tooltip="Filters (author, outlet, language, dates)", id="npf.search.filters"
        ),
        Binding("escape", "escape", "Back", show=False, id="npf.search.escape"),
        Binding("r", "reader", "Reader", id="npf.search.reader"),
        # D as F: a capital that the search box would type, so from the results (esc first in the box)
        Binding(
            "D",
            "toggle_by_doc",
            "By document",
            tooltip="Group the results by document (each document's best passages together)",
            id="npf.search.by_doc",
        ),
    ]

    def __init__(self, debounce: float = 0.25, timings: bool = True) -> None:
        """`debounce` seconds between the last keystroke and the search; `timings` shows the time taken."""
        super().__init__()
        self.debounce = debounce
        self.timings = timings
        self._timer: Timer | None = None
        self._seq = 0  # the latest query sent; older answers are dropped
        self.by_doc = False  # results grouped by document (D)
        self.result: SearchResult | None = None

    @property
    def npf_app(self) -> NpfApp:
        """The app, typed: Screen.app is an `App[object]`, and the library and the app-wide actions live on NpfApp."""
        return cast("NpfApp", self.app)

    def compose(self):
        """The widgets, top to bottom."""
        yield Input(placeholder='Search: words, "phrases", 中文, pinyin, author:…  (esc then F: filters)', id="query")
        yield StatusLine("", id="summary")
        yield BusyPanel(id="busy")
        yield InfoPanel(Content(EXAMPLES), id="info")
        yield ResultList(id="results")
        yield Footer()

    def on_mount(self) -> None:
        """Focus the query box; show the busy panel until the library is ready."""
        self.query_one("#query", Input).focus()
        self.query_one("#results").display = False
        ready = getattr(self.app, "library", None) is not None
        self.query_one("#busy").display = not ready
        self.query_one("#info").display = ready

    # -- library state ----------------------------------------------------------------------------------------
    def report_progress(self, done: int, total: int, message: str) -> None:
        """Progress of opening the library (called on the UI thread)."""
        self.query_one(BusyPanel).report(done, total, message)

    def library_ready(self) -> None:
        """The library is open: explain an empty corpus, else run whatever was typed meanwhile."""
        self.query_one("#busy").display = False
        lib = self.npf_app.library
        if lib is None:  # called once the app has the library
            return
        if not lib.catalog:
            self.show_info(
                f"The corpus folder {lib.corpus_dir} has no documents yet.\n\n"
                "Press i to import files (txt, md, html, pdf, docx) — or run `npf add FILE…` in a shell —\n"
                "or start npf with --corpus DIR to read another corpus."
            )
            self.query_one(StatusLine).show_text("Empty corpus.", "bold")
            return
        paragraphs = sum(entry.paragraphs for entry in lib.catalog.values())
        docs = len(lib.catalog)
        self.query_one(StatusLine).show_text(
            f"{docs} document{'s' if docs != 1 else ''} · {paragraphs} paragraph{'s' if paragraphs != 1 else ''}", "dim"
        )
        if self.query_one("#query", Input).value.strip():
            self.search_now()
        else:
            self.show_info(EXAMPLES)

    def library_failed(self, message: str) -> None:
        """Opening failed: say why and what to do."""
        self.query_one("#busy").display = False
        self.show_info(
            f"The library could not be opened:\n\n  {message}\n\n"
            "Check the corpus folder (--corpus or $NPF_CORPUS), or rebuild the index with\n"
            "`npf index --rebuild` (or choose another folder with --index). Press q to quit."
        )
        self.query_one(StatusLine).show_error(message)

    def show_info(self, text: str) -> None:
        """Replace the result list with an explanation."""
        info = self.query_one("#info", InfoPanel)
        info.update(Content(text))
        info.display = True
        self.query_one("#results").display = False

    # -- searching --------------------------------------------------------------------------------------------
    @on(Input.Changed, "#query")
    def _query_changed(self, event: Input.Changed) -> None:
        """Search shortly after the person stops typing."""
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(self.debounce, self.search_now)

    @on(Input.Submitted, "#query")
    def _query_submitted(self, event: Input.Submitted) -> None:
        """Enter searches at once and moves to the results."""
        if self._timer is not None:
            self._timer.stop()
        self.search_now(focus_results=True)

    def action_toggle_by_doc(self) -> None:
        """Group the results by document, or list passages again (Recoll's and Zotero's view of a search)."""
        self.by_doc = not self.by_doc
        self.notify("Results grouped by document" if self.by_doc else "Results by passage", timeout=2)
        self.search_now(focus_results=self.query_one(ResultList).has_focus)

    def search_now(self, focus_results: bool = False) -> None:
        """Send the query box's text to the search worker."""
        if getattr(self.app, "library", None) is None:
            return
        query = self.query_one("#query", Input).value
        self._seq += 1
        if not query.strip():
            self.result = None
            self.library_ready()
            return
        self._search(query, self._seq, focus_results)

    @work(thread=True, exclusive=True, group="search")
    def _search(self, query: str, seq: int, focus_results: bool) -> None:
        """Run the search off the UI thread and post the answer back (dropped when a newer query was sent)."""
        worker = get_current_worker()
        lib = self.npf_app.library
        if lib is None:  # search_now starts this only once the library is open
            return
        try:
            # status:/tag: (the person's document states) are applied to the hits here: see doc_filters.py
            result, states = filtered_search(lib, query, self.npf_app.corpus_dir, RESULT_LIMIT, by_doc=self.by_doc)
        except NpfError as exc:
            if not worker.is_cancelled:
                self.app.call_from_thread(self._search_failed, str(exc), seq)
            return
        if not worker.is_cancelled:
            markers = {doc_id: state_marker(state) for doc_id, state in states.items()}
            self.app.call_from_thread(self._show_result, result, seq, focus_results, markers)

    def _show_result(
        self, result: SearchResult, seq: int, focus_results: bool, markers: dict[str, str] | None = None
    ) -> None:
        """Fill the list and the status line (`markers`: each document's status and tags, shown on its hits)."""
        if seq != self._seq:
            return
        self.result = result
        results = self.query_one(ResultList)
        results.show_hits(result.hits, markers)
        self.query_one(StatusLine).update(summary_content(result, len(result.hits), self.timings))
        if result.hits:
            self.query_one("#info").display = False
            results.display = True
            if focus_results:
                results.focus()
        else:
            lib = self.npf_app.library
            metas = [entry.meta for entry in lib.catalog.values()] if lib is not None else []
            hint = no_hits_hint(result.query, metas)
            self.show_info(
                (f"{hint}\n\n" if hint else "")
                + "No passage matches. Try fewer words, another spelling, or the other language;\n"
                "esc then F shows the filters in use."
            )

    def _search_failed(self, message: str, seq: int) -> None:
        """A query the core cannot understand: say so and keep the old results."""
        if seq == self._seq:
            self.query_one(StatusLine).show_error(message)

    def set_query(self, query: str, focus_results: bool = True) -> None:
        """Put a query in the box and search for it now."""
        box = self.query_one("#query", Input)
        with box.prevent(Input.Changed):
            box.value = query
        box.cursor_position = len(query)
        self.search_now(focus_results=focus_results)

    @property
    def query_text(self) -> str:
        """The query of the results on show."""
        return self.result.query if self.result else ""

    # -- actions ----------------------------------------------------------------------------------------------
    def action_focus_search(self) -> None:
        """Put the keyboard in the query box."""
        self.query_one("#query", Input).focus()

    def action_escape(self) -> None:
        """From the results back to the query box; from the box to the results (or out of it, keeping the query)."""
        box = self.query_one("#query", Input)
        results = self.query_one(ResultList)
        if self.focused is not box:
            box.focus()
        elif results.display and results.hits:
            results.focus()
        else:
            self.set_focus(None)  # out of the box, so single-letter keys (q, ?, i, c) work

    def action_reader(self) -> None:
        """Back to the reader (when a document is open)."""
        self.npf_app.action_show_reader()

    def on_key(self, event) -> None:
        """Down arrow in the query box moves to the results."""
        if event.key == "down" and self.focused is self.query_one("#query") and self.query_one(ResultList).display:
            self.query_one(ResultList).focus()
            event.stop()

    def action_filters(self) -> None:
        """Ask the app for the filter dialog (it knows the catalog)."""
        self.npf_app.action_filters()

    def apply_filters(self, terms: str) -> None:
        """Replace the filter terms of the query with `terms` and search."""
        box = self.query_one("#query", Input)
        base = FILTER_TERM.sub("", box.value).strip()
        self.set_query(f"{base} {terms}".strip() if terms else base, focus_results=False)
        box.focus()

    def current_filters(self) -> dict[str, str]:
        """The filter terms now in the query box, by field."""
        found: dict[str, str] = {}
        for match in FILTER_TERM.finditer(self.query_one("#query", Input).value):
            field, _, value = match.group(0).strip().partition(":")
            found[field] = value.strip('"')
        return found
