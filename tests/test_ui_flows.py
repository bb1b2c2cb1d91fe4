"""Pilot tests of the terminal reader: every flow a person uses, on the bundled corpus (pytest-asyncio)."""

from __future__ import annotations

import pytest
from test_ui_support import make_app, open_first, search, settle
from textual.widgets import Input

from npf_tui.core.settings import load_settings
from npf_tui.ui.app import NpfApp
from npf_tui.ui.screens.help import HelpScreen
from npf_tui.ui.screens.import_prompt import ImportPrompt
from npf_tui.ui.screens.reader import ReaderScreen
from npf_tui.ui.screens.style_picker import StylePicker
from npf_tui.ui.widgets.reader import ReaderPane
from npf_tui.ui.widgets.results import ResultList

pytestmark = pytest.mark.asyncio
SIZE = (100, 30)


def status_text(app) -> str:
    """The search screen's status line."""
    return str(app.search_screen.query_one("#summary").render())


async def test_search_as_you_type_shows_hits_and_expansions(library):
    app = make_app(library, debounce=0.2)
    async with app.run_test(size=SIZE) as pilot:
        await search(pilot, "新质生产力 xinzhi", typed=True)
        results = app.search_screen.query_one(ResultList)
        assert results.display and results.hits, status_text(app)
        assert app.focused is app.search_screen.query_one("#query")  # typing never left the box
        assert "hit" in status_text(app)
        assert "also searched" in status_text(app)  # the English names were added
        assert any("productive" in h.text.lower() for h in results.hits)


async def test_typing_letters_does_not_trigger_bindings(library):
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await search(pilot, "quiet economy", typed=True)  # q, i, e, c ... are bindings elsewhere
        assert app.is_running
        assert app.search_screen.query_one("#query", Input).value == "quiet economy"
        assert not isinstance(app.screen, (HelpScreen, ImportPrompt, StylePicker))


async def test_open_result_shows_reader_at_paragraph_with_matches(library):
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot, "CAPS")
        hit = app.search_screen.query_one(ResultList).hits[0]
        assert isinstance(app.screen, ReaderScreen)
        pane = app.screen.current
        assert pane.document.doc_id == hit.doc_id
        assert pane.cursor == hit.paragraph
        assert pane.match_count > 0
        header = str(pane.query_one(".reader-header").render())
        assert pane.document.title in header
        await pilot.press("j")
        assert pane.cursor == hit.paragraph + 1
        await pilot.press("left_square_bracket")
        assert pane.cursor == hit.paragraph
        await pilot.press("G")
        assert pane.cursor == len(pane.document.paragraphs)
        await pilot.press("g")
        assert pane.cursor == 1
        await pilot.press("n")
        assert pane.cursor >= 1 and "match 1 of" in str(app.screen.query_one("#reader-status").render())
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is app.search_screen
        assert app.focused is app.search_screen.query_one(ResultList)


async def test_other_pane_and_side_by_side(library):
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot, "productive forces")
        reader = app.screen
        first = reader.current.document.doc_id
        await pilot.press("escape")
        await settle(pilot)
        results = app.search_screen.query_one(ResultList)
        while results.current_hit.doc_id == first:
            await pilot.press("j")
        second = results.current_hit.doc_id
        await pilot.press("o")
        await settle(pilot)
        assert app.screen is reader and reader.dual
        left, right = reader.query_one("#left", ReaderPane), reader.query_one("#right", ReaderPane)
        assert left.document.doc_id == first and right.document.doc_id == second
        assert reader.current is right and left.display and right.display
        assert left.match_count and right.match_count  # the query is highlighted in both
        await pilot.press("tab")
        assert reader.current is left
        await pilot.press("s")
        assert not reader.dual and not right.display


async def test_entity_sidebar_highlight_step_and_corpus_search(library):
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot, "Liu Haiqing")
        reader = app.screen
        assert reader.current.document.doc_id == "rainey-2024-new-catch-phrase"
        if not reader.sidebar_on:
            await pilot.press("e")
        await settle(pilot)
        entities = reader.query_one("#sidebar").entity_list
        assert app.focused is entities
        ids = [o.id for o in entities.options if o.id]
        liu = app.entity_store.find("Liu Haiqing")
        assert liu is not None and liu.id in ids
        entities.highlighted = [o.id for o in entities.options].index(liu.id)
        await pilot.press("enter")
        await settle(pilot)
        pane = reader.current
        mentions = app.entity_store.mentions(liu.id, pane.document.doc_id)
        assert pane.match_count == len(mentions) > 1
        assert "mention 1 of" in str(reader.query_one("#reader-status").render())
        first_cursor = pane.cursor
        await pilot.press("n")
        assert "mention 2 of" in str(reader.query_one("#reader-status").render())
        assert pane.cursor >= first_cursor
        await pilot.press("N")
        assert pane.cursor == first_cursor
        await pilot.press("f")  # the whole corpus, under all its names
        await settle(pilot)
        assert app.screen is app.search_screen
        query = app.search_screen.query_one("#query", Input).value
        assert '"Liu Haiqing"' in query and '"刘海清"' in query and " OR " in query
        assert app.search_screen.query_one(ResultList).hits


async def test_quote_copy_paragraph_and_sentence(library):
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot, "CAPS")
        pane = app.screen.current
        paragraph = pane.document.paragraph(pane.cursor)
        await pilot.press("y")
        await settle(pilot)
        quotes = load_settings().quotes_path()
        assert quotes.exists()
        saved = quotes.read_text(encoding="utf-8")
        assert paragraph[:60].replace("“", "‘").replace("”", "’")[:40] in saved
        assert "Rainey" in saved  # the citation
        assert "Rainey" in app.clipboard  # OSC 52 through Textual
        await pilot.press("v", "l")  # sentence mode, second sentence
        selection = pane.selection()
        assert not selection.whole and selection.text and selection.text in paragraph
        assert len(selection.text) < len(paragraph)
        await pilot.press("y")
        await settle(pilot)
        assert selection.text[:30] in app.clipboard
        assert quotes.read_text(encoding="utf-8").count("## ") == 2
        await pilot.press("escape")  # leaves sentence mode, stays in the reader
        assert not pane.sentence_mode and isinstance(app.screen, ReaderScreen)


async def test_citation_style_change_is_used_and_saved(library):
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot, "CAPS")
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, StylePicker)
        styles = app.screen.query_one("#style-list")
        styles.highlighted = [o.id for o in styles.options].index("apa")
        await pilot.press("enter")
        await settle(pilot)
        assert app.style_name == "apa"
        assert load_settings().default_style == "apa"
        await pilot.press("y")
        await settle(pilot)
        assert "(Rainey, 2024" in app.clipboard  # APA in-text form


async def test_help_lists_every_key(library):
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.search_screen.set_focus(None)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-text").render())
        for key in (
            "/",
            "enter",
            "o",
            "esc",
            "j",
            "k",
            "n",
            "N",
            "[",
            "]",
            "g",
            "G",
            "s",
            "tab",
            "e",
            "y",
            "c",
            "q",
            "?",
            "i",
            "v",
            "ctrl+p",
            "F",
            "space",
            "b",
            "ctrl+f",
            "ctrl+d",
            "ctrl+u",
        ):
            assert f" {key} " in f" {text} ".replace("\n", " ") or f" {key}" in text, key
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_command_palette_lists_actions(library):
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot, "CAPS")
        names = [name for name, _, _ in app.palette_commands(app.screen)]
        for wanted in (
            "Copy the cursor paragraph",
            "Side by side",
            "entity sidebar",
            "Citation style",
            "Import files",
            "Quit",
            "Help",
            "Sentence mode",
            "Next match",
        ):
            assert any(wanted.lower() in n.lower() for n in names), (wanted, names)
        callback = next(cb for name, _, cb in app.palette_commands(app.screen) if name.startswith("Two readers"))
        await callback()
        assert app.screen.dual


async def test_bad_query_shows_message_and_keeps_running(library):
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await search(pilot, "published:yesterday")
        assert app.is_running
        assert "not a date" in status_text(app)
        box = app.search_screen.query_one("#query", Input)
        box.value = ""
        await pilot.press(*"CAPS")
        await settle(pilot)
        assert app.search_screen.query_one(ResultList).hits


async def test_filters_add_field_terms(library):
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await search(pilot, "productive")
        await pilot.press("escape", "F")  # out of the search box (where F is a letter), then the filters
        await settle(pilot)
        dialog = app.screen
        dialog.query_one("#filter-outlet").value = "Global Times"
        dialog.query_one("#filter-from").value = "2024"
        await pilot.press("ctrl+s")
        await settle(pilot)
        query = app.search_screen.query_one("#query", Input).value
        assert query.startswith("productive") and 'outlet:"Global Times"' in query and "published:[2024 TO]" in query
        hits = app.search_screen.query_one(ResultList).hits
        assert all(h.outlet == "Global Times" for h in hits)


async def test_empty_corpus_is_explained(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    app = NpfApp(corpus, tmp_path / "index", auto_refresh=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        info = str(app.search_screen.query_one("#info").render())
        assert "no documents" in info and "Press i" in info


async def test_missing_corpus_folder_is_explained(tmp_path):
    app = NpfApp(tmp_path / "nowhere", tmp_path / "index", auto_refresh=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.is_running
        info = str(app.search_screen.query_one("#info").render())
        assert "could not be opened" in info or "no documents" in info


async def test_import_prompt_adds_a_document(corpus_copy, tmp_path):
    source = tmp_path / "memo.txt"
    source.write_text(
        "Zorblax policy memo\n\nThe zorblax initiative supports new quality productive forces.\n", encoding="utf-8"
    )
    app = NpfApp(corpus_copy, tmp_path / "index", auto_refresh=False, debounce=0.05, timings=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, rounds=6)
        app.search_screen.set_focus(None)
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(app.screen, ImportPrompt)
        box = app.screen.query_one(Input)
        box.value = str(tmp_path / "mem")
        await pilot.press("tab")
        assert box.value == str(source)
        await pilot.press("enter")
        await settle(pilot, rounds=6)
        assert not isinstance(app.screen, ImportPrompt)
        await search(pilot, "zorblax")
        hits = app.search_screen.query_one(ResultList).hits
        assert hits and "zorblax" in hits[0].text.lower()


async def test_layout_80x24_nothing_cut_off(library):
    app = make_app(library)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_first(pilot, "productive forces")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("j", "o")
        await settle(pilot)
        reader = app.screen
        assert reader.dual
        for pane in reader.query(ReaderPane):
            assert pane.region.width >= 30 and pane.region.right <= 80
        if not reader.sidebar_on:
            await pilot.press("e")
        await settle(pilot)
        sidebar = reader.query_one("#sidebar")
        visible = [w for w in reader.query("#left, #right, #sidebar") if w.display]
        assert sidebar in visible and len(visible) == 2  # the other pane steps aside rather than squeeze
        regions = [w.region for w in visible]
        assert regions[0].right <= regions[1].x and regions[1].right <= 80
        assert all(r.bottom <= 24 for r in regions)


async def test_results_grouped_by_document_and_back(library):
    """D (from the results) groups the hits by document, as Recoll and Zotero show a search: each document's best
    passages in a row, at most 3; a document found with its words spread says so; D again lists passages."""
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await search(pilot, "Xi economy")
        before = [h.doc_id for h in app.search_screen.query_one(ResultList).hits]
        await pilot.press("escape", "D")
        await settle(pilot)
        hits = app.search_screen.query_one(ResultList).hits
        order = [h.doc_id for h in hits]
        groups = [d for i, d in enumerate(order) if i == 0 or order[i - 1] != d]
        assert len(groups) == len(set(groups)) > 1  # each document's passages together
        assert all(order.count(d) <= 3 for d in groups)
        assert set(order) >= set(before[:3])
        assert "grouped by document" in status_text(app)
        await pilot.press("D")
        await settle(pilot)
        assert [h.doc_id for h in app.search_screen.query_one(ResultList).hits] == before
        await search(pilot, "Hungarian exhibition Chongqing cultural")
        await pilot.press("escape", "D")
        await settle(pilot)
        hits = app.search_screen.query_one(ResultList).hits
        assert hits and hits[0].doc_id == "hungarian-art-exhibition-chongqing"
