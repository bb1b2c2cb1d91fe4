"""What the reader leaves behind: annotations (`m`, `'`/`"`, `M`, `D`), the document's reading status and tags
(`S`, `t`), the place each document was left at (`` ` ``), and the Chinese reading aid (`K`, `P`).

A mixin of ReaderScreen (kept apart so the screen module stays readable). Every store call runs in a thread
worker: a write syncs the disk (~25 ms, docs/annotations.md).
"""

from __future__ import annotations

import contextlib
from functools import partial
from typing import TYPE_CHECKING

from textual import work
from textual.binding import Binding

from npf_tui.core.annotations import STATUSES, Annotation, AnnotationStore, anchor_document
from npf_tui.core.errors import NpfError
from npf_tui.core.models import Document

from .annotate import AnnotationDialog, ConfirmDialog, TextPrompt, split_tags
from .word_panel import WordPanel

if TYPE_CHECKING:
    from ..app import NpfApp
    from ..widgets.reader import ReaderPane

#: The reader screen's keys for these flows (spliced into ReaderScreen.BINDINGS: Textual merges the BINDINGS of
#: widget classes only, not of a mixin).
MARK_BINDINGS = [
    Binding(
        "m",
        "annotate",
        "Mark",
        tooltip="Annotate selection, match or paragraph",
        id="npf.reader.annotate",
    ),
    Binding(
        "apostrophe",
        "step_annotation(1)",
        "Next annotation",
        tooltip="Next annotation in this document",
        show=False,
        id="npf.reader.next_annotation",
    ),
    Binding(
        "quotation_mark",
        "step_annotation(-1)",
        "Previous annotation",
        tooltip="Previous annotation in this document",
        show=False,
        id="npf.reader.prev_annotation",
    ),
    Binding(
        "M",
        "edit_annotation",
        "Edit annotation",
        tooltip="Edit the note and tags of the mark here",
        show=False,
        id="npf.reader.edit_annotation",
    ),
    Binding(
        "D",
        "delete_annotation",
        "Delete annotation",
        tooltip="Delete the mark under the cursor (asks first)",
        show=False,
        id="npf.reader.delete_annotation",
    ),
    Binding(
        "S",
        "cycle_status",
        "Reading status",
        tooltip="Reading status: to-read/reading/read/key",
        show=False,
        id="npf.reader.status",
    ),
    Binding("t", "doc_tags", "Tags", tooltip="Edit this document's tags", show=False, id="npf.reader.tags"),
    Binding(
        "K",
        "word_aid",
        "Words",
        tooltip="Words: pinyin and CC-CEDICT glosses",
        show=False,
        id="npf.reader.words",
    ),
    Binding(
        "P",
        "toggle_pinyin",
        "Pinyin",
        tooltip="Pinyin after the Chinese words on/off",
        show=False,
        id="npf.reader.pinyin",
    ),
    Binding(
        "grave_accent",
        "last_place",
        "Last place",
        tooltip="Back to where you left this document",
        show=False,
        id="npf.reader.last_place",
    ),
]


def _kind(doc: Document, paragraph: int, start: int, end: int) -> str:
    """How the dialog names a mark: paragraph, sentence or span (as the store will classify it)."""
    from npf_tui.core.annotations.model import kind_of, selector_for

    try:
        return kind_of(doc, selector_for(doc, paragraph, start, end).position)
    except NpfError:
        return "span"


class ReaderMarks:
    """Annotation, status, place and reading-aid actions of the reader screen (mixed into ReaderScreen)."""

    if TYPE_CHECKING:  # provided by ReaderScreen

        @property
        def current(self) -> ReaderPane: ...

        @property
        def npf_app(self) -> NpfApp: ...

        def set_status(self, text: str) -> None: ...

    def _store(self) -> AnnotationStore:
        """The annotation store of the corpus on show (it changes when an import moves to the person's library)."""
        return AnnotationStore.for_corpus(self.npf_app.corpus_dir)

    # -- loading a document's marks and state -------------------------------------------------------------------
    def load_marks(self, pane: ReaderPane, current: str | None = None) -> None:
        """Load the document's annotations (anchored against its current text), status, tags and last place."""
        if pane.document is not None:
            self._load_marks(pane, pane.document, current)

    @work(thread=True, group="marks")
    def _load_marks(self, pane: ReaderPane, doc: Document, current: str | None = None) -> None:
        """Anchor this document's annotations and read its state, off the UI thread (~1 ms; a moved mark is saved)."""
        store = self._store()
        try:
            anns = anchor_document(store, doc)
            state = store.doc_state(doc.doc_id)
            place = store.place(doc.doc_id)
        except NpfError as exc:
            self._later(self.set_status, f"⚠ annotations: {exc}")
            return
        self._later(self._marks_loaded, pane, doc, anns, state, place, current)

    def _marks_loaded(self, pane: ReaderPane, doc: Document, anns, state, place, current: str | None) -> None:
        """Show them if the pane still shows that document."""
        if pane.document is not doc:
            return
        pane.saved_place = place
        pane.doc_state = state
        pane.set_annotations(anns, current)

    def _later(self, callback, *args) -> None:
        """call_from_thread, quiet when the app has gone."""
        with contextlib.suppress(RuntimeError):
            self.npf_app.call_from_thread(callback, *args)

    # -- places -------------------------------------------------------------------------------------------------
    def save_place(self, pane: ReaderPane) -> None:
        """Remember where the pane's document is left (on leaving it; never per keystroke)."""
        place = pane.place()
        if place is not None:
            self._save_place(*place)

    @work(thread=True, group="place")
    def _save_place(self, doc_id: str, paragraph: int, sentence: int | None) -> None:
        """Write the place (a ~25 ms synced write)."""
        with contextlib.suppress(NpfError):
            self._store().set_place(doc_id, paragraph, sentence)

    def action_last_place(self) -> None:
        """Go back to where this document was left last time."""
        pane = self.current
        place = getattr(pane, "saved_place", None)
        if pane.document is None or place is None:
            self.set_status("No earlier place remembered for this document.")
            return
        pane.go_to(place.paragraph, place.sentence)
        where = f"¶{place.paragraph}" + (f", sentence {place.sentence}" if place.sentence else "")
        self.set_status(f"Back where you left it: {where} ({place.time[:16].replace('T', ' ')} UTC)")

    # -- annotations --------------------------------------------------------------------------------------------
    def action_annotate(self) -> None:
        """Mark the selection (sentences, the current match, or the cursor paragraph) with an optional note."""
        pane = self.current
        doc, target = pane.document, pane.mark_target()
        if doc is None or target is None:
            self.npf_app.bell()
            self.set_status("Nothing to mark: open a document first.")
            return
        paragraph, start, end = target
        quote = doc.paragraph(paragraph)[start:end]
        title = f"Mark ¶{paragraph} ({_kind(doc, paragraph, start, end)})"
        self.npf_app.push_screen(
            AnnotationDialog(title, quote), lambda answer: self._annotate_chosen(pane, doc, target, answer)
        )

    def _annotate_chosen(self, pane: ReaderPane, doc: Document, target, answer) -> None:
        """Save the mark (esc: nothing)."""
        if answer is not None:
            note, tags = answer
            self._add(pane, doc, target, note, tags)

    @work(thread=True, group="annotate")
    def _add(self, pane: ReaderPane, doc: Document, target, note: str, tags: list[str]) -> None:
        """Write the annotation, then reload the document's marks."""
        paragraph, start, end = target
        try:
            ann = self._store().add(doc, paragraph, start, end, note=note, tags=tags)
        except NpfError as exc:
            self._later(self.set_status, f"⚠ not saved: {exc}")
            return
        what = f"{ann.kind} in ¶{paragraph}" + (f" · {note}" if note else "") + "".join(f" #{t}" for t in ann.tags)
        self._later(self.set_status, f"Marked {what} (' and \" step through marks · A lists them all)")
        self._load_marks(pane, doc, ann.id)

    def action_step_annotation(self, direction: int) -> None:
        """Next/previous annotation in the current pane."""
        self.current.action_step_annotation(direction)

    def _annotation_here(self) -> Annotation | None:
        """The annotation under the cursor, or None (said on the status line)."""
        ann = self.current.annotation_at_cursor()
        if ann is None:
            self.set_status("No annotation in this paragraph (' steps to the next one).")
        return ann

    def action_edit_annotation(self) -> None:
        """Edit the note and tags of the annotation under the cursor."""
        pane, ann = self.current, self._annotation_here()
        if ann is None:
            return
        dialog = AnnotationDialog(f"Edit annotation ¶{ann.paragraph} ({ann.kind})", ann.exact, ann.note, ann.tags)
        self.npf_app.push_screen(dialog, lambda answer: self._edit_chosen(pane, ann, answer))

    def _edit_chosen(self, pane: ReaderPane, ann: Annotation, answer) -> None:
        """Save the edit."""
        if answer is not None:
            self._edit(pane, ann.id, *answer)

    @work(thread=True, group="annotate")
    def _edit(self, pane: ReaderPane, ann_id: str, note: str, tags: list[str]) -> None:
        """Write the edit and reload."""
        try:
            self._store().edit(ann_id, note=note, tags=tags)
        except NpfError as exc:
            self._later(self.set_status, f"⚠ not saved: {exc}")
            return
        self._later(self.set_status, "Annotation saved.")
        if pane.document is not None:
            self._load_marks(pane, pane.document, ann_id)

    def action_delete_annotation(self) -> None:
        """Delete the annotation under the cursor, after a confirmation."""
        pane, ann = self.current, self._annotation_here()
        if ann is None:
            return
        quote = " ".join(ann.exact.split())
        detail = (quote[:150] + "…" if len(quote) > 150 else quote) + (f"\nNote: {ann.note}" if ann.note else "")
        self.npf_app.push_screen(
            ConfirmDialog(f"Delete this annotation (¶{ann.paragraph})?", detail),
            partial(self._delete_confirmed, pane, ann.id),
        )

    def _delete_confirmed(self, pane: ReaderPane, ann_id: str, yes: bool | None) -> None:
        """Delete when confirmed."""
        if yes:
            self._delete(pane, ann_id)

    @work(thread=True, group="annotate")
    def _delete(self, pane: ReaderPane, ann_id: str) -> None:
        """Remove it and reload."""
        try:
            self._store().remove(ann_id)
        except NpfError as exc:
            self._later(self.set_status, f"⚠ not deleted: {exc}")
            return
        self._later(self.set_status, "Annotation deleted.")
        if pane.document is not None:
            self._load_marks(pane, pane.document)

    # -- reading status and tags ----------------------------------------------------------------------------------
    def action_cycle_status(self) -> None:
        """Next reading status: none → to-read → reading → read → key → none."""
        pane = self.current
        if pane.document is None:
            return
        status = pane.doc_state.status if pane.doc_state else None
        order = [None, *STATUSES]
        self._set_doc(pane, pane.document.doc_id, status=order[(order.index(status) + 1) % len(order)])

    def action_doc_tags(self) -> None:
        """Edit the document's tags (space separated)."""
        pane = self.current
        if pane.document is None:
            return
        old = list(pane.doc_state.tags) if pane.doc_state else []
        prompt = TextPrompt(
            "Tags of this document",
            " ".join(old),
            hint="words separated by spaces; enter saves, esc cancels (search: tag:NAME, or F)",
            placeholder="e.g. core slogan",
        )
        doc_id = pane.document.doc_id
        self.npf_app.push_screen(prompt, lambda text: self._tags_chosen(pane, doc_id, old, text))

    def _tags_chosen(self, pane: ReaderPane, doc_id: str, old: list[str], text: str | None) -> None:
        """Work out what was added and removed."""
        if text is None:
            return
        new = split_tags(text)
        folded = {t.casefold() for t in new}
        removed = [t for t in old if t.casefold() not in folded]
        self._set_doc(pane, doc_id, add=new, remove=removed)

    @work(thread=True, group="docstate")
    def _set_doc(self, pane: ReaderPane, doc_id: str, status="keep", add=(), remove=()) -> None:
        """Write the status or tags and show the new state in the header."""
        store = self._store()
        try:
            state = store.set_status(doc_id, status) if status != "keep" else store.change_doc_tags(doc_id, add, remove)
        except NpfError as exc:
            self._later(self.set_status, f"⚠ not saved: {exc}")
            return
        tags = " ".join(f"#{t}" for t in state.tags) or "no tags"
        self._later(self.set_status, f"Reading status: {state.status or 'none'} · {tags}")
        self._later(self._state_saved, pane, doc_id, state)

    def _state_saved(self, pane: ReaderPane, doc_id: str, state) -> None:
        """Update the header."""
        if pane.document is not None and pane.document.doc_id == doc_id:
            pane.set_doc_state(state)

    # -- the Chinese reading aid --------------------------------------------------------------------------------
    def action_word_aid(self) -> None:
        """Pinyin and glosses of the words of the selected sentence(s) — or, outside sentence mode, of the
        sentence holding the current match, else of the cursor paragraph — starting at the match's word."""
        from npf_tui.core.text.reading_aid import chinese_words, word_at

        pane = self.current
        passage = pane.word_passage()
        if passage is None:
            self.set_status("Open a document first.")
            return
        paragraph, start, end, focus, where = passage
        text = pane.document.paragraph(paragraph) if pane.document else ""
        found = [w for w in chinese_words(text) if start <= w.start and w.end <= end]
        if not found:
            self.set_status(f"No Chinese words in {where} (K looks up the words of the selected sentence).")
            return
        self.npf_app.push_screen(WordPanel(found, word_at(found, focus), self._word_lookup(), where))

    def _word_lookup(self):
        """The look-up function: the index generation's compiled dictionary first, the whole CC-CEDICT after."""
        from npf_tui.core.text.dictionary import DICTIONARY_FILE, Dictionary
        from npf_tui.core.text.reading_aid import look_up

        lib = self.npf_app.library
        gen_dir = getattr(lib, "gen_dir", None)
        dictionary = Dictionary(gen_dir / DICTIONARY_FILE) if gen_dir is not None else None
        return lambda word: look_up(word, dictionary)

    def action_toggle_pinyin(self) -> None:
        """Pinyin after each Chinese word of the cursor paragraph on/off."""
        on = self.current.toggle_pinyin()
        self.set_status("Pinyin on: shown after each Chinese word of the cursor paragraph (P: off)" if on else "")
