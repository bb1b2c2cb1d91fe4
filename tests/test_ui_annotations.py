"""Pilot tests of the reader's annotation flows on the bundled corpus: mark (sentence, match, paragraph) with a note
and tags, see the marks, step between them, edit, delete, list them across the library, filter, open, export.

The annotation store lives in the platform's data folder, which conftest points at a per-test temporary folder: the
bundled corpus itself is never written."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_ui_support import make_app, open_first, settle

from npf_tui.core.annotations import AnnotationStore, anchor_document
from npf_tui.core.paths import data_dir
from npf_tui.core.text.sentences import split_sentences
from npf_tui.ui.screens.annotate import AnnotationDialog, ConfirmDialog, TextPrompt, split_tags
from npf_tui.ui.screens.annotations import AnnotationListScreen, default_export_path
from npf_tui.ui.screens.reader import ReaderScreen
from npf_tui.ui.widgets.reader import MARK_MARKER, NOTE_MARKER

SIZE = (100, 30)
ROOT = Path(__file__).resolve().parents[1]
RAINEY = "rainey-2024-new-catch-phrase"


def status(app) -> str:
    return str(app.screen.query_one("#reader-status").render())


async def open_annotation_list(pilot) -> AnnotationListScreen:
    """Start on the search screen, leave the box and press A: the list of every annotation."""
    await settle(pilot)
    pilot.app.search_screen.set_focus(None)
    await pilot.press("A")
    await settle(pilot)
    assert isinstance(pilot.app.screen, AnnotationListScreen)
    return pilot.app.screen


async def annotate(pilot, note: str = "", tags: str = "") -> None:
    """Press m, type the note and tags in the dialog, save with enter."""
    await pilot.press("m")
    await settle(pilot)
    assert isinstance(pilot.app.screen, AnnotationDialog)
    if note:
        await pilot.press(*note)
    if tags:
        await pilot.press("tab", *tags)
    await pilot.press("enter")
    await settle(pilot)


@pytest.mark.asyncio
async def test_mark_sentence_with_note_and_tags_is_stored_and_shown(library):
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot, "Liu Haiqing")
        pane = app.screen.current
        doc = pane.document
        assert doc.doc_id == RAINEY
        await pilot.press("j", "v", "l")  # ¶16: v starts at the match's sentence, l takes the next one
        sentences = split_sentences(doc.paragraph(pane.cursor))
        assert len(sentences) > 2  # the mark must be the sentence, not the paragraph
        selected = pane.selection()
        await annotate(pilot, "who leads it", "caps #people")
        assert isinstance(app.screen, ReaderScreen)
        stored = AnnotationStore.for_corpus(library.corpus_dir).annotations(RAINEY)
        assert len(stored) == 1
        ann = stored[0]
        assert (ann.kind, ann.note, ann.tags) == ("sentence", "who leads it", ("caps", "people"))
        assert ann.exact == selected.text.strip() == sentences[pane._sel[0]].text.strip()
        assert ann.exact.startswith("What is notable")
        # shown: the pane holds it, the paragraph has the note marker in its gutter, the header counts it
        assert [a.id for a in pane.annotations] == [ann.id]
        visual = pane._visual(doc, ann.paragraph)
        assert visual.marker == NOTE_MARKER
        assert any(span.start == ann.start and span.end == ann.end for span in visual.body.spans)
        assert "1 annotation" in str(pane.query_one(".reader-header").render())
        assert "Marked sentence" in status(app)


@pytest.mark.asyncio
async def test_mark_current_match_as_span_and_empty_dialog_still_saves(library):
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot, "CAPS")
        pane = app.screen.current
        await pilot.press("n")  # a current match in the cursor paragraph
        target = pane.mark_target()
        text = pane.document.paragraph(target[0])
        match = text[target[1] : target[2]]
        assert (target[1], target[2]) in pane.matches[target[0]] and match.strip() != text.strip()
        await annotate(pilot)  # nothing typed: the mark alone
        stored = AnnotationStore.for_corpus(library.corpus_dir).annotations()
        assert len(stored) == 1 and stored[0].exact == match and stored[0].kind == "span" and stored[0].note == ""
        assert pane._visual(pane.document, stored[0].paragraph).marker == MARK_MARKER


@pytest.mark.asyncio
async def test_escape_cancels_the_mark(library):
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot, "CAPS")
        await pilot.press("m")
        await settle(pilot)
        await pilot.press(*"never saved", "escape")
        await settle(pilot)
        assert isinstance(app.screen, ReaderScreen)
        assert AnnotationStore.for_corpus(library.corpus_dir).annotations() == []


@pytest.mark.asyncio
async def test_step_edit_and_delete_marks_in_the_reader(library):
    store = AnnotationStore.for_corpus(library.corpus_dir)
    doc = library.document(RAINEY)
    first = store.add(doc, 3, note="upholds")
    second = store.add(doc, 20, note="later")
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot, "CAPS")
        pane = app.screen.current
        await settle(pilot)
        assert {a.id for a in pane.annotations} == {first.id, second.id}
        await pilot.press("g", "apostrophe")
        assert pane.cursor == 3 and "annotation 1 of 2" in status(app) and "upholds" in status(app)
        await pilot.press("apostrophe")
        assert pane.cursor == 20
        await pilot.press("apostrophe")  # wraps to the first
        assert pane.cursor == 3 and "wrapped" in status(app)
        await pilot.press("quotation_mark")
        assert pane.cursor == 20
        # edit the one under the cursor: the dialog holds its note; replace it
        await pilot.press("M")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, AnnotationDialog)
        assert dialog.query_one("#annotate-note").value == "later"
        dialog.query_one("#annotate-note").value = "rewritten"
        await pilot.press("enter")
        await settle(pilot)
        assert store.get(second.id).note == "rewritten"
        # delete: "n" keeps it, "y" deletes it
        await pilot.press("D")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await settle(pilot)
        assert len(store.annotations()) == 2
        await pilot.press("D")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert [a.id for a in store.annotations()] == [first.id]
        assert [a.id for a in pane.annotations] == [first.id]


@pytest.mark.asyncio
async def test_annotation_list_filters_opens_edits_deletes_and_lists_orphans(library):
    store = AnnotationStore.for_corpus(library.corpus_dir)
    rainey = library.document(RAINEY)
    keep = store.add(rainey, 3, note="loyalty slogan", tags=["slogan"])
    other = store.add(library.documents[0], 1, note="background", tags=["context"])
    gone = store.add(rainey, 5, note="will be orphaned")
    # the passage is rewritten (as after a corrected re-import): its quote is nowhere in the document any more
    anchored = anchor_document(store, rainey)
    orphan = next(a for a in anchored if a.id == gone.id)
    orphan.selector = type(orphan.selector)(
        type(orphan.selector.quote)("a passage that is in no document at all"), orphan.selector.position
    )
    store.save_anchors([orphan])
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_annotation_list(pilot)
        assert len(screen.shown) == 3
        summary = str(screen.query_one("#notes-summary").render())
        assert "3 of 3" in summary and "1 orphaned" in summary
        listed = next(a for a in screen.shown if a.id == gone.id)
        assert listed.anchor == "orphaned"
        # filter with the annotation query language
        screen.query_one("#notes-filter").value = "tag:slogan"
        await settle(pilot)
        assert [a.id for a in screen.shown] == [keep.id]
        screen.query_one("#notes-filter").value = "note:background"
        await settle(pilot)
        assert [a.id for a in screen.shown] == [other.id]
        screen.query_one("#notes-filter").value = "-anchor:orphaned"
        await settle(pilot)
        assert {a.id for a in screen.shown} == {keep.id, other.id}
        # edit from the list
        screen.query_one("#notes-filter").value = "tag:slogan"
        await settle(pilot)
        screen.query_one("#notes-list").focus()
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, AnnotationDialog)
        app.screen.query_one("#annotate-tags").value = "slogan loyalty"
        await pilot.press("enter")
        await settle(pilot)
        assert store.get(keep.id).tags == ("slogan", "loyalty")
        # delete from the list (confirmed)
        screen.query_one("#notes-filter").value = "note:background"
        await settle(pilot)
        screen.query_one("#notes-list").focus()
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert other.id not in {a.id for a in store.annotations()}
        # enter opens the document at the annotation, the mark current
        screen.query_one("#notes-filter").value = "tag:slogan"
        await settle(pilot)
        screen.query_one("#notes-list").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReaderScreen)
        pane = app.screen.current
        assert pane.document.doc_id == RAINEY and pane.cursor == 3
        assert pane.annotation_at_cursor().id == keep.id


@pytest.mark.asyncio
async def test_export_writes_markdown_with_citations_where_asked(library, tmp_path):
    store = AnnotationStore.for_corpus(library.corpus_dir)
    rainey = library.document(RAINEY)
    store.add(rainey, 3, note="loyalty slogan", tags=["slogan"])
    store.add(rainey, 16, note="who leads the institute", tags=["people"])
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_annotation_list(pilot)
        screen.query_one("#notes-filter").value = "tag:slogan"  # per tag
        await settle(pilot)
        screen.query_one("#notes-list").focus()
        await pilot.press("x")
        await settle(pilot)
        prompt = app.screen
        assert isinstance(prompt, TextPrompt)
        offered = Path(prompt.query_one("#prompt-input").value)
        assert ROOT not in offered.parents  # never into the project (the tests run from it)
        target = tmp_path / "out" / "slogans.md"
        prompt.query_one("#prompt-input").value = str(target)
        await pilot.press("enter")
        await settle(pilot, 6)
        markdown = target.read_text(encoding="utf-8")
        await pilot.press("y")  # the same Markdown to the clipboard (the terminal's, through OSC 52)
        await settle(pilot, 6)
        assert app.clipboard == markdown
    assert markdown.startswith("# Annotations: tag:slogan")
    assert rainey.paragraph(3).strip() in markdown
    assert "**Note:** loyalty slogan" in markdown and "#slogan" in markdown
    assert "Rainey" in markdown and "## References" in markdown  # the citation and the reference list
    assert "who leads the institute" not in markdown  # only the annotations shown


def test_default_export_path_is_never_the_project(tmp_path):
    assert default_export_path("tag:slogan", cwd=ROOT).parent == data_dir() / "exports"
    assert default_export_path("", cwd=ROOT / "tests").parent == data_dir() / "exports"
    mine = default_export_path("tag:slogan", cwd=tmp_path)
    assert mine.parent == tmp_path and "tag-slogan" in mine.name and mine.suffix == ".md"


def test_split_tags():
    assert split_tags("#method, sample  size") == ["method", "sample", "size"]
    assert split_tags("  ") == []
