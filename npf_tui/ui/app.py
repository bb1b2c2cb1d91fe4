"""The npf Textual application: opens the library in a worker, routes between screens, copies quotes, imports files."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, cast

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider

from npf_tui.core.errors import Cancelled, NpfError
from npf_tui.core.models import Document
from npf_tui.core.text.controls import make_safe

from .screens.annotations import AnnotationListScreen
from .screens.filters import FilterDialog
from .screens.help import HelpScreen, binding_rows
from .screens.import_prompt import ImportPrompt, import_summary
from .screens.reader import ReaderScreen
from .screens.search import SearchScreen
from .screens.style_picker import StylePicker
from .widgets.entities import EntityList
from .widgets.keys import declared_bindings
from .widgets.reader import ParagraphList, ReaderPane
from .widgets.results import ResultList

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel

    from npf_tui.core.entities.store import EntityStore
    from npf_tui.core.paths import WriteTarget
    from npf_tui.core.search.library import Library

#: Seconds between quiet checks of the corpus folder for new, edited or removed files.
REFRESH_INTERVAL = 30.0


class NpfCommands(Provider):
    """Every npf action available on the current screen, for the command palette (ctrl+p)."""

    @property
    def npf_app(self) -> NpfApp:
        """The app, typed: Provider.app is an `App[object]`, and only NpfApp has `palette_commands`."""
        return cast("NpfApp", self.app)

    async def discover(self) -> Hits:
        """All commands, when nothing is typed yet."""
        for name, help_text, callback in self.npf_app.palette_commands(self.screen):
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        """Commands whose name fuzzily matches what was typed."""
        matcher = self.matcher(query)
        for name, help_text, callback in self.npf_app.palette_commands(self.screen):
            score = matcher.match(f"{name} {help_text}")
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)


class NpfApp(App):
    """The terminal reader over one Library (opened here in a worker, or handed in already open)."""

    CSS_PATH = "app.tcss"
    TITLE = "npf"
    COMMANDS = App.COMMANDS | {NpfCommands}
    BINDINGS = [
        Binding("q", "quit", "Quit", show=False, id="npf.quit"),
        Binding("question_mark", "help", "Help", id="npf.help"),
        Binding("c", "citation_style", "Citation style", show=False, id="npf.citation_style"),
        Binding("i,a", "import_files", "Import files", show=False, id="npf.import"),
        Binding("ctrl+r", "refresh_library", "Reload corpus", show=False, id="npf.refresh"),
        Binding(
            "A",
            "annotations",
            "Annotations",
            tooltip="Annotations: filter, open, edit, export",
            show=False,
            id="npf.annotations",
        ),
    ]

    def __init__(
        self,
        corpus_dir: Path | None = None,
        index_dir: Path | None = None,
        *,
        library=None,
        timings: bool = True,
        debounce: float = 0.25,
        auto_refresh: bool = True,
        resume: bool | None = None,
    ) -> None:
        """Give the corpus and index folders (opened in a worker) or an already opened `library` (tests).

        `timings` shows search times (off for deterministic snapshots); `auto_refresh` checks the corpus folder
        every REFRESH_INTERVAL seconds so documents added elsewhere appear without a restart; `resume` reopens the
        last session's panes once the library is open (None: the `resume` setting decides).
        """
        # NO_COLOR: Textual would turn every colour into a grey (a match in the highlighted result became grey 237
        # on 241); with ansi_color it drops them for the terminal's own colours instead, and app.tcss and the mark
        # styles make up for them with bold, underline and reverse.
        super().__init__(ansi_color=True if "NO_COLOR" in os.environ else None)
        if library is None and corpus_dir is None:
            raise ValueError("NpfApp needs corpus_dir/index_dir or an opened library")
        self.corpus_dir = Path(corpus_dir) if corpus_dir else library.corpus_dir
        self.index_dir = Path(index_dir) if index_dir else library.index_dir
        self.library: Library | None = None
        self._given_library = library
        self.entity_store: EntityStore | None = None
        self.timings = timings
        self.debounce = debounce
        self.watch_corpus = auto_refresh
        self.cancel_event = threading.Event()
        self.settings = self._load_settings()
        self.style_name = self.settings.default_style if self.settings else "chicago-author-date"
        self.resume = bool(getattr(self.settings, "resume", False)) if resume is None else resume
        self.search_screen = SearchScreen(debounce=debounce, timings=timings)

    # -- start-up ---------------------------------------------------------------------------------------------
    def on_mount(self) -> None:
        """Paint the search screen at once; open the library behind it."""
        self._restore_theme()
        self.install_screen(ReaderScreen(), name="reader")
        self.push_screen(self.search_screen)
        # after the first paint: the worker's imports and index reads compete with it for the interpreter
        self.call_after_refresh(self._open_library)
        if self.watch_corpus:
            self.set_interval(REFRESH_INTERVAL, partial(self.action_refresh_library, quiet=True))

    def on_unmount(self) -> None:
        """Stop slow work; close a library we opened ourselves."""
        self.cancel_event.set()
        if self.library is not None and self._given_library is None:
            self.library.close()

    @work(thread=True, exclusive=True, group="library")
    def _open_library(self) -> None:
        """Open (building or updating the index when needed) and warm up the search, reporting progress."""

        def progress(done: int, total: int, message: str) -> None:
            self._from_thread(self.search_screen.report_progress, done, total, message)

        try:
            lib = self._given_library
            if lib is None:
                from npf_tui.core.search.library import Library

                progress(0, 0, f"Opening the index in {self.index_dir}…")
                lib = Library.open(self.corpus_dir, self.index_dir, progress=progress, cancel=self.cancel_event)
            store = self._load_entities(lib, catch_up=False)  # searchable first; entities caught up below
        except Cancelled:
            return
        except NpfError as exc:
            self._from_thread(self.search_screen.library_failed, str(exc))
            return
        except Exception as exc:  # a bug or an OS error must reach the screen, never a frozen spinner
            self._from_thread(self.search_screen.library_failed, f"{type(exc).__name__}: {exc}")
            return
        self._from_thread(self._library_ready, lib, store)
        self._catch_up_entities(lib)
        if lib.catalog and not self.cancel_event.is_set():
            # Load what the first Chinese or pinyin query would otherwise wait for (the segmenter ~0.1 s, the pinyin
            # map ~0.25 s at 20 MB), once the screen already says ready: a search typed meanwhile just waits for it.
            # a warm-up only; a real search reports any problem itself
            with contextlib.suppress(Exception):
                lib.search("zhongwen 中文", limit=1)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification, the widgets' too, with control characters made visible: messages carry file names
        and error texts, which can hold escape sequences (documents themselves are made safe when loaded)."""
        super().notify(make_safe(message), title=make_safe(title), severity=severity, timeout=timeout, markup=markup)

    def _from_thread(self, callback, *args, **kwargs) -> None:
        """call_from_thread that is quiet when the app has already gone."""
        with contextlib.suppress(RuntimeError):
            self.call_from_thread(callback, *args, **kwargs)

    def _load_entities(self, lib, catch_up: bool = True):
        """The entity store of the library's index generation (None before there is one); with `catch_up`, brought
        up to date first with documents added since (core/search/entity_sync.py: ~0.7 s at 100 MB, so callers show
        the library first and the entities after)."""
        return lib.entity_store(cancel=self.cancel_event, catch_up=catch_up) if lib.gen_dir else None

    def _catch_up_entities(self, lib) -> None:
        """In a worker: bring the entity store up to date if documents were synced since, then hand it over."""
        if lib is None or not lib.entities_pending or self.cancel_event.is_set():
            return
        said = len(lib.notices)
        try:
            store = self._load_entities(lib)
        except Cancelled:
            return
        except Exception as exc:  # the reader goes on with the entities it has; the problem is said, not raised
            self._from_thread(self.notify, f"entities not updated: {exc}", severity="warning", timeout=8)
            return
        for notice in lib.notices[said:]:
            self._from_thread(self.notify, notice, severity="warning", timeout=6)
        self._from_thread(self._entities_ready, lib, store)

    def _entities_ready(self, lib, store) -> None:
        """The entity store caught up: the sidebar shows it (unless another library was opened meanwhile)."""
        if lib is self.library:
            self.entity_store = store
            self.reader_screen.refresh_sidebar()

    def _library_ready(self, lib, store) -> None:
        """Hand the library to the screens."""
        self.library = lib
        self.entity_store = store
        for notice in lib.notices:
            self.notify(notice, timeout=6)
        lib.notices.clear()
        self.search_screen.library_ready()
        if self.resume:
            self.resume = False  # once
            self._resume_session()

    @staticmethod
    def _load_settings():
        """The user's settings, None when the settings module or file is unusable."""
        try:
            from npf_tui.core.settings import load_settings

            return load_settings()
        except (ImportError, NpfError):
            return None

    # -- moving between screens -------------------------------------------------------------------------------
    @property
    def reader_screen(self) -> ReaderScreen:
        """The (installed, long-lived) reader screen."""
        return self.get_screen("reader", ReaderScreen)

    def on_result_list_open(self, message: ResultList.Open) -> None:
        """Open a hit in the reader (current or other pane)."""
        if self.library is None:
            return
        self._load_document(
            message.hit.doc_id, message.hit.paragraph, self.search_screen.query_text, message.other_pane
        )

    @work(thread=True, exclusive=True, group="document")
    def _load_document(
        self, doc_id: str, paragraph: int, query: str, other: bool, annotation: str | None = None
    ) -> None:
        """Read the document and find the query's matches in it, off the UI thread."""
        lib = self.library
        if lib is None:  # only started once the library is open (on_result_list_open checks)
            return
        try:
            doc = lib.document(doc_id)
            matches = lib.document_matches(query, doc, self.cancel_event)
        except NpfError as exc:
            self._from_thread(self.notify, str(exc), severity="error")
            return
        self._from_thread(self._show_document, doc, paragraph, matches, query, other, annotation)

    async def _show_document(
        self, doc: Document, paragraph: int, matches, query: str, other: bool, annotation: str | None = None
    ) -> None:
        """Switch to the reader (composed on its first showing) with the document open (at an annotation)."""
        while isinstance(self.screen, AnnotationListScreen):
            self.pop_screen()
        if self.screen is not self.reader_screen:
            await self.push_screen("reader")
        self.reader_screen.open_document(doc, paragraph, matches, query, other, annotation=annotation)

    def action_show_reader(self) -> None:
        """Back to the reader from the results (when a document is open)."""
        if self.reader_screen.current.document is None:
            self.notify("No document open yet: choose a result and press enter.", timeout=3)
            return
        if self.screen is not self.reader_screen:
            self.push_screen("reader")

    def on_reader_screen_back(self, message: ReaderScreen.Back) -> None:
        """Escape in the reader: back to the results, keyboard on the list."""
        if self.screen is self.reader_screen:
            self.pop_screen()
            results = self.search_screen.query_one(ResultList)
            if results.display:
                results.focus()

    def on_reader_screen_entity_search(self, message: ReaderScreen.EntitySearch) -> None:
        """Search the corpus for an entity under all its names (quoted, OR-ed)."""
        names = list(dict.fromkeys(n.replace('"', "") for n in message.entity.names if n.strip()))
        query = " OR ".join(f'"{n}"' for n in names) or f'"{message.entity.name}"'
        if self.screen is self.reader_screen:
            self.pop_screen()
        self.search_screen.set_query(query)

    # -- annotations, places, the last session ------------------------------------------------------------------
    def action_annotations(self) -> None:
        """The annotation list (from the reader: filtered to nothing; `doc:ID` narrows it to one document)."""
        if self.library is None:
            self.notify("The library is still opening; try again in a moment.", timeout=3)
            return
        if not isinstance(self.screen, AnnotationListScreen):
            self.push_screen(AnnotationListScreen())

    def on_annotation_list_screen_open_annotation(self, message: AnnotationListScreen.OpenAnnotation) -> None:
        """Open a document at an annotation (the mark made current, so `'` steps on from it)."""
        ann = message.annotation
        self._load_document(ann.doc_id, ann.paragraph, "", False, ann.id)

    def session_panes(self) -> list[tuple[str, int, int | None]]:
        """The open panes' places (left, then right in side-by-side mode)."""
        reader = self.reader_screen
        if not reader.is_mounted:
            return []
        panes = [reader.query_one("#left", ReaderPane)]
        if reader.dual:
            panes.append(reader.query_one("#right", ReaderPane))
        return [place for place in (pane.place() for pane in panes) if place is not None]

    def save_session(self) -> None:
        """Remember the open panes and their places (on quit: one synced write, ~25 ms)."""
        panes = self.session_panes()
        if not panes:
            return
        from npf_tui.core.annotations import AnnotationStore

        focused = 1 if self.reader_screen.dual and self.reader_screen.current_id == "right" and len(panes) > 1 else 0
        with contextlib.suppress(NpfError, OSError):
            AnnotationStore.for_corpus(self.corpus_dir).save_session(panes, focused=focused)

    async def action_quit(self) -> None:
        """Save the session (the open documents and places), then quit."""
        self.save_session()
        self.exit()

    @work(thread=True, exclusive=True, group="resume")
    def _resume_session(self) -> None:
        """Reopen the last session's panes (`npf --resume`, or `resume = true` in the settings)."""
        from npf_tui.core.annotations import AnnotationStore

        lib = self.library
        if lib is None:
            return
        try:
            session = AnnotationStore.for_corpus(self.corpus_dir).last_session()
            if session is None or not session.panes:
                self._from_thread(self.notify, "No earlier session to resume.", timeout=4)
                return
            opened = [(lib.document(p.doc_id), p) for p in session.panes[:2] if p.doc_id in lib.catalog]
        except NpfError as exc:
            self._from_thread(self.notify, f"Session not resumed: {exc}", severity="warning")
            return
        if opened:
            self._from_thread(self._show_session, opened, session.focused)

    async def _show_session(self, opened, focused: int) -> None:
        """Show the session's documents at their places."""
        if self.screen is not self.reader_screen:
            await self.push_screen("reader")
        reader = self.reader_screen
        for n, (doc, place) in enumerate(opened):
            reader.open_document(doc, place.paragraph, {}, "", other=n > 0)
            reader.current.go_to(place.paragraph, place.sentence)
        if len(opened) > 1 and focused == 0:
            reader.query_one("#left", ReaderPane).focus_paragraphs()  # the pane becomes current when focused
        where = ", ".join(f"{doc.title or doc.doc_id} ¶{place.paragraph}" for doc, place in opened)
        self.notify(f"Resumed: {where}", timeout=6, markup=False)

    # -- quotes -----------------------------------------------------------------------------------------------
    def on_reader_screen_quote_requested(self, message: ReaderScreen.QuoteRequested) -> None:
        """Copy a selection with its citation (formatted in a worker: citeproc takes a moment the first time)."""
        self._copy_quote(message.selection)

    @work(thread=True, group="quote")
    def _copy_quote(self, selection) -> None:
        """Format the quote, save it to the quotes file, put it on the clipboards, and say where it went."""
        from npf_tui.core.cite import clipboard
        from npf_tui.core.cite.quotes import make_quote
        from npf_tui.core.settings import Settings

        settings = self.settings or Settings()
        span = None if selection.whole else (selection.start, selection.end)
        try:
            quote = make_quote(
                selection.doc, selection.paragraph, span, style=self.style_name, fmt=settings.default_format
            )
        except NpfError as exc:
            self._from_thread(self.notify, str(exc), severity="error")
            return
        report = clipboard.copy(
            quote.formatted,
            quotes_file=settings.quotes_path(),
            citation=quote.reference,
            write_osc52=lambda text: self.call_from_thread(self.copy_to_clipboard, text),
            source=f"{quote.doc_id} ¶{quote.paragraph}",
        )
        what = "paragraph" if selection.whole else "selection"
        project = self._add_to_project(selection)
        self._from_thread(
            self.notify,
            f"Quote ({what} ¶{selection.paragraph}, {quote.style}): {report.summary()}{project}",
            title="Copied" if report.copied or report.saved else "Not copied",
            severity="information" if report.saved else "warning",
            timeout=6,
        )

    def _add_to_project(self, selection) -> str:
        """Add the quote to the active writing project, if there is one; what to add to the notification."""
        from npf_tui.core.cite.project import active_project, add_quote

        name = active_project()
        if name is None:
            return ""
        try:
            from npf_tui.core.cite.keys import citation_keys

            key = citation_keys(self.corpus_dir, [selection.doc])[selection.doc.doc_id]
            add_quote(name, self.corpus_dir, selection.doc, key, selection.paragraph, selection.start, selection.end)
        except (NpfError, OSError) as exc:
            return f"; not added to project {name}: {exc}"
        return f"; added to project {name} as [@{key}]"

    def action_citation_style(self) -> None:
        """Pick the citation style for copied quotes (saved as the default)."""
        from npf_tui.core.cite.citation import STYLES

        styles = [(name, info.title) for name, info in STYLES.items()]
        self.push_screen(StylePicker(styles, self.style_name), self._style_chosen)

    def _restore_theme(self) -> None:
        """Use the theme saved from the command palette, then save every later change of it."""
        saved = self.settings.theme if self.settings else ""
        if saved and saved in self.available_themes:
            self.theme = saved
        self.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, theme) -> None:
        """Save the theme chosen in the command palette (quietly; a file that cannot be written is said once)."""
        from npf_tui.core.settings import Settings, save_settings

        if self.settings is not None and self.settings.theme == theme.name:
            return
        try:
            self.settings = self.settings or Settings()
            self.settings.theme = theme.name
            save_settings(self.settings)
        except (NpfError, OSError) as exc:
            self.notify(f"Theme {theme.name} not saved: {exc}", severity="warning", timeout=4)

    def _style_chosen(self, name: str | None) -> None:
        """Use (and save) the chosen style."""
        if not name:
            return
        self.style_name = name
        saved = ""
        try:
            from npf_tui.core.settings import Settings, save_settings

            self.settings = self.settings or Settings()
            self.settings.default_style = name
            saved = f" (saved in {save_settings(self.settings)})"
        except (ImportError, NpfError, OSError) as exc:
            saved = f" (not saved: {exc})"
        self.notify(f"Citation style: {name}{saved}", timeout=4)

    # -- filters ----------------------------------------------------------------------------------------------
    def action_filters(self) -> None:
        """The filter dialog, with choices from the catalog."""
        lib = self.library
        if lib is None:
            return
        metas = [entry.meta for entry in lib.catalog.values()]
        values = {key: sorted({m.get(key, "") for m in metas} - {""}) for key in ("outlet", "author", "language")}
        from npf_tui.core.annotations import STATUSES, AnnotationStore

        try:
            states = AnnotationStore.for_corpus(self.corpus_dir).doc_states()  # one read, ~0.5 ms
        except NpfError:
            states = {}
        tags = sorted({tag for state in states.values() for tag in state.tags}, key=str.casefold)
        dialog = FilterDialog(
            values["outlet"],
            values["author"],
            values["language"],
            self.search_screen.current_filters(),
            statuses=list(STATUSES),
            tags=tags,
        )
        self.push_screen(dialog, self._filters_chosen)

    def _filters_chosen(self, terms: str | None) -> None:
        """Put the chosen filters in the query."""
        if terms is not None:
            self.search_screen.apply_filters(terms)

    # -- import and refresh -----------------------------------------------------------------------------------
    #: True when the person named the corpus folder (--corpus, $NPF_CORPUS): an import while that folder is the
    #: bundled demo is refused; otherwise it goes to their library (core/paths.py: write_target).
    corpus_explicit = False

    def action_import_files(self) -> None:
        """Ask for files or folders to import (into the person's library when the bundled demo is open)."""
        from npf_tui.core.paths import write_target

        if self.library is None:
            self.notify("The library is still opening; try again in a moment.", timeout=3)
            return
        try:
            target = write_target(self.corpus_dir, explicit=self.corpus_explicit)
        except NpfError as exc:
            self.notify(str(exc), title="Import", severity="error", timeout=10)
            return
        self.push_screen(ImportPrompt(target.corpus_dir, target), partial(self._import_chosen, target))

    def _import_chosen(self, target: WriteTarget, paths: list[Path] | None) -> None:
        """Start the import worker."""
        if paths:
            self.notify(f"Importing {len(paths)} path{'s' if len(paths) != 1 else ''}…", timeout=3)
            self._import(paths, target)

    @work(thread=True, exclusive=True, group="import")
    def _import(self, paths: list[Path], target: WriteTarget) -> None:
        """Add the files to the corpus (or the person's library instead of the demo), refresh the index, report."""
        from npf_tui.core.paths import default_index_dir, has_documents
        from npf_tui.core.search.updates import import_and_index, prepare_library

        corpus_dir, index_dir, library = self.corpus_dir, self.index_dir, self.library
        try:
            if target.redirected:
                prepare_library(target.corpus_dir)
                corpus_dir, index_dir, library = target.corpus_dir, default_index_dir(target.corpus_dir), None
            result = import_and_index(paths, corpus_dir, index_dir, library=library, cancel=self.cancel_event)
            if library is None and has_documents(corpus_dir):  # the demo was open: the reader moves to the library
                from npf_tui.core.search.library import Library

                library = Library.open(corpus_dir, index_dir, cancel=self.cancel_event)
            # The new documents are searchable now: the entities follow once caught up (below).
            store = self._load_entities(library, catch_up=False) if library is not None else self.entity_store
        except Cancelled:
            return
        except NpfError as exc:
            self._from_thread(self.notify, str(exc), title="Import failed", severity="error", timeout=8)
            return
        if result.index_error:
            self._from_thread(self.notify, result.index_error, title="Index not updated", severity="warning", timeout=8)
        message, severity = import_summary(result.report)
        if library is not None and library is not self.library:
            self._from_thread(self._switch_library, library, store, target, message, severity)
        else:
            self._from_thread(self._after_refresh, store, message, severity)
        self._catch_up_entities(library)

    def _switch_library(self, lib: Library, store, target: WriteTarget, message: str, severity: SeverityLevel) -> None:
        """Show the person's library instead of the demo after an import into it, and say where it is."""
        old = self.library
        self.library, self.corpus_dir, self.index_dir = lib, lib.corpus_dir, lib.index_dir
        if old is not None and self._given_library is None:
            old.close()
        self._given_library = None  # opened here: closed on unmount
        self._after_refresh(store, message, severity)
        first = "Your library is" if target.new_library else "Now showing your library,"
        self.notify(
            f"{first} {lib.corpus_dir}: npf opens it from now on; `npf --demo` reopens the demo articles.",
            title="Your library",
            timeout=12,
            markup=False,  # a path, not markup
        )

    def _after_refresh(self, store, message: str, severity: SeverityLevel = "information") -> None:
        """New documents are searchable: tell the screens."""
        self.entity_store = store
        self.search_screen.library_ready()
        self.reader_screen.refresh_sidebar()
        if message:
            self.notify(message, title="Corpus", severity=severity, timeout=8)

    def action_refresh_library(self, quiet: bool = False) -> None:
        """Pick up new, edited or removed corpus files."""
        if self.library is not None:
            self._refresh(quiet)

    @work(thread=True, exclusive=True, group="refresh")
    def _refresh(self, quiet: bool) -> None:
        """Re-scan the corpus folder and update the index."""
        lib = self.library
        if lib is None:  # only started once the library is open (action_refresh_library checks)
            return
        try:
            changed = lib.refresh(cancel=self.cancel_event)
            store = self._load_entities(lib, catch_up=False) if changed else self.entity_store
        except Cancelled:
            return
        except NpfError as exc:
            if not quiet:
                self._from_thread(self.notify, str(exc), severity="error")
            return
        if changed:
            self._from_thread(self._after_refresh, store, f"corpus updated: {len(lib.catalog)} documents")
        elif not quiet:
            self._from_thread(self.notify, "corpus unchanged", timeout=2)
        self._catch_up_entities(lib)

    # -- help and the command palette -------------------------------------------------------------------------
    def help_sections(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """Every key, grouped by where it works (built from the BINDINGS themselves)."""
        return [
            (
                "Everywhere",
                binding_rows(NpfApp.BINDINGS) + [("ctrl+p", "Every action by name (a chosen theme is kept)")],
            ),
            (
                "Search",
                [("/", "Focus the search box"), ("enter ↓", "Search now / go to the results")]
                + binding_rows(SearchScreen.BINDINGS[1:])
                + binding_rows(ResultList.BINDINGS),
            ),
            (
                "Reader",
                binding_rows(ReaderScreen.BINDINGS)
                + binding_rows(ParagraphList.BINDINGS)
                + binding_rows(ReaderPane.BINDINGS),
            ),
            (
                "Annotation list",
                binding_rows(AnnotationListScreen.BINDINGS) + [("j k g G", "Move in the list")],
            ),
            (
                "Entity sidebar",
                binding_rows(EntityList.BINDINGS)
                + [("esc", "Back to the text"), ("v y", "Sentence mode, copy: they act on the text")],
            ),
        ]

    def action_help(self) -> None:
        """Show every key."""
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.help_sections()))

    def palette_commands(self, screen) -> Iterable[tuple[str, str, Callable[[], object]]]:
        """(name, help, callback) for every npf binding active on `screen` plus the app's own actions."""
        seen: set[str] = set()
        nodes = [(ab.node, ab.binding) for ab in screen.active_bindings.values()]
        if isinstance(screen, ReaderScreen):
            pane = screen.current
            nodes += [(pane, b) for b in declared_bindings(pane)]
            nodes += [(pane.paragraphs, b) for b in declared_bindings(pane.paragraphs)]
        nodes += [(self, b) for b in declared_bindings(self)]
        for node, binding in nodes:
            if not (binding.id or "").startswith("npf.") or not binding.description or binding.id in seen:
                continue
            seen.add(binding.id)
            keys = ", ".join(b.key for b in self._all_bindings_with_id(node, binding.id))
            yield (
                binding.tooltip or binding.description,
                f"key: {keys}",
                partial(self.run_action, binding.action, node),
            )

    @staticmethod
    def _all_bindings_with_id(node, binding_id: str) -> list[Binding]:
        """All the keys a node binds to one id."""
        return [b for b in declared_bindings(node) if b.id == binding_id]


def run_app(corpus_dir: Path, index_dir: Path, *, explicit: bool = False, resume: bool | None = None) -> int:
    """Run the reader until the person quits; the exit status for `npf`. `explicit`: the person named the corpus
    folder (see NpfApp.corpus_explicit); `resume`: reopen the last session's panes (None: the setting decides)."""
    app = NpfApp(corpus_dir, index_dir, resume=resume)
    app.corpus_explicit = explicit
    app.run()
    return app.return_code or 0
