"""The annotation list (`A`): every annotation of the library, filtered with the annotation query language, opened,
edited, deleted, and exported as Markdown with each quote's citation."""

from __future__ import annotations

import contextlib
import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from npf_tui.core.annotations import ORPHANED, Annotation, AnnotationStore, anchor_all, export_markdown, search
from npf_tui.core.errors import NpfError

from ..widgets.keys import list_navigation
from ..widgets.linebreaking import LineBroken
from ..widgets.nocolor import NoColorHighlight
from .annotate import AnnotationDialog, ConfirmDialog, TextPrompt

if TYPE_CHECKING:
    from ..app import NpfApp

#: Characters of each quote shown in the list (the reader shows the rest).
QUOTE_CHARS = 240


def default_export_path(query: str = "", cwd: Path | None = None) -> Path:
    """Where an export goes unless the person types another path: the current folder — unless that is npf's own
    source tree or cannot be written, then the data folder's `exports/` — named after the filter and the date."""
    from npf_tui.core.paths import data_dir

    slug = "-".join("".join(c if c.isalnum() else " " for c in query).split())[:40].lower()
    name = f"annotations-{slug + '-' if slug else ''}{time.strftime('%Y-%m-%d')}.md"
    here = (cwd or Path.cwd()).resolve()
    project = Path(__file__).resolve().parents[3]  # the folder holding the npf_tui package
    inside_project = (project / "pyproject.toml").exists() and (here == project or project in here.parents)
    import os

    if not inside_project and os.access(here, os.W_OK):
        return here / name
    return data_dir() / "exports" / name


def annotation_content(number: int, ann: Annotation, no_color: bool = False) -> Content:
    """One entry: number, title, ¶ and kind (and ORPHANED), the quote, then the note and tags."""
    quote = " ".join(ann.exact.split())
    if len(quote) > QUOTE_CHARS:
        quote = quote[: QUOTE_CHARS - 1] + "…"
    head: list = [(f"{number}. ", "dim"), (ann.title or ann.doc_id, "bold")]
    head.append((f"  ¶{ann.paragraph} · {ann.kind}", "dim"))
    if ann.anchor == ORPHANED:
        head.append(("  ORPHANED: passage no longer found", "bold $text-error" if not no_color else "bold underline"))
    elif ann.anchor != "anchored":
        head.append((f"  ({ann.anchor})", "dim"))
    parts = [*head, "\n", (f"“{quote}”", "italic")]
    if ann.note:
        parts += ["\n", ("Note: ", "bold"), ann.note]
    if ann.tags:
        parts += ["\n" if not ann.note else "  ", (" ".join(f"#{t}" for t in ann.tags), "$text-secondary")]
    return Content.assemble(*parts)


class AnnotationOptions(NoColorHighlight):
    """The list of annotations (vi keys move)."""

    BINDINGS = [*list_navigation("npf.notes")]


class AnnotationListScreen(Screen):
    """Every annotation of the library, filtered as you type (`note:`, `tag:`, `doc:`, words…)."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="npf.notes.back"),
        Binding("slash", "focus_filter", "Filter", id="npf.notes.filter"),
        Binding("enter", "open", "Open", id="npf.notes.open"),
        Binding("e", "edit", "Edit", id="npf.notes.edit"),
        Binding("d", "delete", "Delete", id="npf.notes.delete"),
        Binding("x", "export", "Export", tooltip="Export the annotations shown as Markdown", id="npf.notes.export"),
        Binding("y", "copy", "Copy", tooltip="Copy the annotations shown as Markdown", id="npf.notes.copy"),
    ]

    class OpenAnnotation(Message):
        """Open a document at an annotation."""

        def __init__(self, annotation: Annotation) -> None:
            """Carry the annotation."""
            super().__init__()
            self.annotation = annotation

    def __init__(self, query: str = "") -> None:
        """`query` fills the filter box (e.g. `doc:ID` from the reader)."""
        super().__init__()
        self.initial_query = query
        self.everything: list[Annotation] = []
        self.shown: list[Annotation] = []
        self.loaded = False

    @property
    def npf_app(self) -> NpfApp:
        """The app, typed."""
        return cast("NpfApp", self.app)

    def compose(self):
        """Filter box, summary, list, footer."""
        yield Input(
            self.initial_query,
            placeholder="Filter: words, note:WORD, tag:NAME, doc:ID, kind:sentence, anchor:orphaned, -tag:draft",
            id="notes-filter",
        )
        yield Static(Content.styled("Loading annotations…", "dim"), id="notes-summary")
        yield AnnotationOptions(id="notes-list")
        yield Footer()

    def on_mount(self) -> None:
        """Load in a worker; the keyboard starts on the list."""
        self.query_one("#notes-list").focus()
        self.reload()

    def _store(self) -> AnnotationStore:
        return AnnotationStore.for_corpus(self.npf_app.corpus_dir)

    def reload(self, keep: int | None = None) -> None:
        """Re-read and re-anchor every annotation."""
        self._load(keep)

    @work(thread=True, exclusive=True, group="notes")
    def _load(self, keep: int | None) -> None:
        """anchor_all over the library's documents (28 ms for 200 annotations on the demo corpus)."""
        lib = self.npf_app.library
        if lib is None:
            self.app.call_from_thread(self._failed, "The library is still opening; try again in a moment.")
            return
        try:
            anns = anchor_all(self._store(), lib.documents)
        except NpfError as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        with contextlib.suppress(RuntimeError):
            self.app.call_from_thread(self._loaded, anns, keep)

    def _failed(self, message: str) -> None:
        self.query_one("#notes-summary", Static).update(Content.styled(f"⚠ {message}", "$text-error"))

    def _loaded(self, anns: list[Annotation], keep: int | None) -> None:
        self.everything = anns
        self.loaded = True
        self._filter(keep)

    @on(Input.Changed, "#notes-filter")
    def _filter_changed(self) -> None:
        if self.loaded:
            self._filter()

    @on(Input.Submitted, "#notes-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#notes-list").focus()

    def _filter(self, keep: int | None = None) -> None:
        """Show the annotations the filter matches."""
        query = self.query_one("#notes-filter", Input).value
        summary = self.query_one("#notes-summary", Static)
        try:
            self.shown = search(self.everything, query) if query.strip() else list(self.everything)
        except NpfError as exc:
            summary.update(Content.styled(f"⚠ {exc}", "$text-error"))
            return
        orphans = sum(1 for a in self.shown if a.anchor == ORPHANED)
        total = len(self.everything)
        text = f"{len(self.shown)} of {total} annotation{'s' if total != 1 else ''}"
        text += f" · {orphans} orphaned" if orphans else ""
        text += " · enter opens · e edits · d deletes · x exports these (y copies) · / filters"
        if not total:
            text = "No annotations yet: in the reader, m marks the selection, the current match or the paragraph."
        summary.update(Content.styled(text, "dim"))
        items = self.query_one(AnnotationOptions)
        options: list = []
        no_color = self.app.no_color
        for number, ann in enumerate(self.shown, 1):
            options.append(Option(LineBroken(annotation_content(number, ann, no_color)), id=f"ann-{number}"))
            if number < len(self.shown):
                options.append(None)
        items.set_options(options)
        if self.shown:
            index = 0 if keep is None else min(keep, len(self.shown) - 1)
            items.highlighted = index * 2  # dividers sit between entries

    @property
    def current(self) -> Annotation | None:
        """The highlighted annotation."""
        option = self.query_one(AnnotationOptions).highlighted_option
        if option is None or option.id is None:
            return None
        return self.shown[int(option.id.split("-")[1]) - 1]

    def _current_index(self) -> int | None:
        ann = self.current
        return self.shown.index(ann) if ann is not None else None

    # -- actions ----------------------------------------------------------------------------------------------
    def action_back(self) -> None:
        """From the filter box to the list; from the list back where `A` was pressed."""
        if self.focused is self.query_one("#notes-filter"):
            self.query_one("#notes-list").focus()
            return
        self.dismiss()

    def action_focus_filter(self) -> None:
        self.query_one("#notes-filter").focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter (or a click) on an entry opens it."""
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        """Open the document at the annotation."""
        ann = self.current
        if ann is None:
            return
        if ann.doc_id not in getattr(self.npf_app.library, "catalog", {}):
            self.notify(f"The document {ann.doc_id} is no longer in the corpus.", severity="warning")
            return
        self.post_message(self.OpenAnnotation(ann))

    def action_edit(self) -> None:
        """Edit the highlighted annotation's note and tags."""
        ann = self.current
        if ann is None:
            return
        dialog = AnnotationDialog(f"Edit annotation ¶{ann.paragraph} ({ann.kind})", ann.exact, ann.note, ann.tags)
        self.app.push_screen(dialog, partial(self._edited, ann))

    def action_delete(self) -> None:
        """Delete the highlighted annotation, after a confirmation."""
        ann = self.current
        if ann is None:
            return
        quote = " ".join(ann.exact.split())
        self.app.push_screen(
            ConfirmDialog(f"Delete this annotation ({ann.title or ann.doc_id}, ¶{ann.paragraph})?", quote[:200]),
            partial(self._deleted, ann),
        )

    def _edited(self, ann: Annotation, answer: tuple[str, list[str]] | None) -> None:
        """Save an edit (esc: nothing)."""
        if answer is not None:
            self._write("edit", ann, answer)

    def _deleted(self, ann: Annotation, yes: bool | None) -> None:
        """Delete when confirmed."""
        if yes:
            self._write("delete", ann, None)

    @work(thread=True, group="notes-write")
    def _write(self, what: str, ann: Annotation, answer) -> None:
        """The edit or deletion, then a reload."""
        keep = self._current_index()
        try:
            if what == "edit":
                note, tags = answer
                self._store().edit(ann.id, note=note, tags=tags)
            else:
                self._store().remove(ann.id)
        except NpfError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.app.call_from_thread(self.notify, "Annotation deleted." if what == "delete" else "Annotation saved.")
        self._load(keep)

    def action_export(self) -> None:
        """Ask where to write the shown annotations as Markdown."""
        if not self.shown:
            self.notify("Nothing to export: no annotation is shown.", severity="warning")
            return
        query = self.query_one("#notes-filter", Input).value.strip()
        count = len(self.shown)
        prompt = TextPrompt(
            f"Export {count} annotation{'s' if count != 1 else ''} as Markdown ({self.npf_app.style_name})",
            str(default_export_path(query)),
            hint="enter writes the file (replacing one already there) · esc cancels · filter first: tag:NAME, doc:ID",
        )
        shown = list(self.shown)
        self.app.push_screen(prompt, partial(self._export_to, shown, query))

    def _export_to(self, shown: list[Annotation], query: str, path: str | None) -> None:
        """Export when a path was given."""
        if path:
            self._export(shown, query, path)

    def _markdown(self, anns: list[Annotation], query: str) -> str:
        """The Markdown export of `anns` in the current citation style (citeproc: ~0.1 s per document)."""
        lib = self.npf_app.library
        wanted = {a.doc_id for a in anns}
        docs = [doc for doc in lib.documents if doc.doc_id in wanted] if lib is not None else []
        title = f"Annotations: {query}" if query else "Annotations"
        return export_markdown(anns, docs, style=self.npf_app.style_name, title=title)

    def action_copy(self) -> None:
        """Copy the shown annotations' Markdown to the clipboards (the terminal's through OSC 52, a local one)."""
        if not self.shown:
            self.notify("Nothing to copy: no annotation is shown.", severity="warning")
            return
        self._copy(list(self.shown), self.query_one("#notes-filter", Input).value.strip())

    @work(thread=True, group="notes-export")
    def _copy(self, anns: list[Annotation], query: str) -> None:
        """Render and copy (the quotes file is left alone: it is for quotes, not exports)."""
        from npf_tui.core.cite import clipboard

        try:
            markdown = self._markdown(anns, query)
        except NpfError as exc:
            self.app.call_from_thread(self.notify, f"Not copied: {exc}", severity="error")
            return
        report = clipboard.copy(
            markdown,
            quotes_file=None,
            write_osc52=lambda text: self.app.call_from_thread(self.app.copy_to_clipboard, text),
        )
        self.app.call_from_thread(
            self.notify,
            f"{len(anns)} annotation{'s' if len(anns) != 1 else ''} as Markdown: {report.summary()}",
            title="Copied" if report.copied else "Not copied",
            severity="information" if report.copied else "warning",
            timeout=6,
        )

    @work(thread=True, group="notes-export")
    def _export(self, anns: list[Annotation], query: str, path_text: str) -> None:
        """Render the Markdown and write it atomically."""
        from npf_tui.core.fsutil import atomic_write_text

        path = Path(path_text.strip()).expanduser()
        try:
            markdown = self._markdown(anns, query)
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(path, markdown)
        except (NpfError, OSError) as exc:
            self.app.call_from_thread(self.notify, f"Not exported: {exc}", severity="error", timeout=8)
            return
        self.app.call_from_thread(
            self.notify,
            f"{len(anns)} annotation{'s' if len(anns) != 1 else ''} exported to {path}",
            title="Exported",
            timeout=10,
            markup=False,
        )
