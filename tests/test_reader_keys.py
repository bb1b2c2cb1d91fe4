"""Keys as a less or vim reader expects them (issue 18), NO_COLOR marks, the saved theme and the line breaking of
the reader, on the bundled corpus (Pilot tests, pytest-asyncio)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from test_ui_support import make_app, open_first, search, settle
from textual.content import Content
from textual.geometry import Region
from textual.style import Style
from textual.visual import RenderOptions
from textual.widgets import Input

from npf_tui.core.settings import load_settings, settings_path
from npf_tui.core.text.linebreak import NO_LINE_START
from npf_tui.core.text.sentences import split_sentences
from npf_tui.ui.screens.filters import FilterDialog
from npf_tui.ui.screens.help import HelpScreen
from npf_tui.ui.screens.search import no_hits_hint
from npf_tui.ui.widgets.reader import NumberedParagraph
from npf_tui.ui.widgets.results import ResultList, hit_content

pytestmark = pytest.mark.asyncio
SIZE = (100, 30)
RAINEY = "rainey-2024-new-catch-phrase"


def status(reader) -> str:
    """The reader's status line."""
    return str(reader.query_one("#reader-status").render())


async def test_escape_in_the_sidebar_goes_back_to_the_text(library):
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot, "Liu Haiqing")
        reader = app.screen
        if not reader.sidebar_on:
            await pilot.press("e")
        await settle(pilot)
        assert app.focused is reader.query_one("#sidebar").entity_list
        await pilot.press("escape")
        assert app.screen is reader  # not the search results
        assert app.focused is reader.current.paragraphs
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is app.search_screen  # from the text, escape still goes back


async def test_v_and_y_in_the_sidebar_act_on_the_text(library):
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot, "Liu Haiqing")
        reader = app.screen
        pane = reader.current
        if not reader.sidebar_on:
            await pilot.press("e")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert "Rainey" in app.clipboard  # the cursor paragraph with its citation
        assert pane.document.paragraph(pane.cursor)[:30].replace("“", "‘")[:20] in app.clipboard.replace("“", "‘")
        await pilot.press("e")  # sidebar off, then on again: the keyboard is in it
        await pilot.press("e")
        await settle(pilot)
        assert app.focused is reader.query_one("#sidebar").entity_list
        await pilot.press("v")
        assert pane.sentence_mode and app.focused is pane.paragraphs
        assert "sentence" in status(reader)
        await pilot.press("l", "y")
        await settle(pilot)
        selection = pane.selection()
        assert not selection.whole and selection.text[:25] in app.clipboard


async def test_n_and_N_start_from_the_cursor_not_the_last_match(library):
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot, "CAPS")
        reader = app.screen
        pane = reader.current
        assert pane.document.doc_id == RAINEY
        found = sorted(pane.matches)
        assert len(found) >= 3
        await pilot.press("G", "N")  # the last match
        assert pane.cursor == found[-1]
        between = found[0] + 1
        assert between not in found
        await pilot.press("g")
        for _ in range(between - 1):
            await pilot.press("j")
        assert pane.cursor == between
        await pilot.press("n")  # the match after the cursor (it used to go on from the last one: ¶11 again)
        assert pane.cursor == min(p for p in found if p > between)
        await pilot.press("g", *["j"] * (between - 1), "N")
        assert pane.cursor == found[0]
        await pilot.press(*["N"] * len(pane.matches[found[0]]))  # past the first match: wraps to the bottom
        assert pane.cursor == found[-1] and "continued at bottom" in status(reader)


async def test_n_in_sentence_mode_starts_from_the_selected_sentence(library):
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot, "CAPS")
        reader = app.screen
        pane = reader.current
        keys = sorted((p, start) for p, spans in pane.matches.items() for start, _ in spans)
        paragraph = pane.cursor
        sentences = split_sentences(pane.document.paragraph(paragraph))
        await pilot.press("v", "l")  # the sentence after the one holding the first match of the paragraph
        selected = pane.selection()
        assert not selected.whole
        start = next(s.start for s in sentences if s.start == selected.start)
        await pilot.press("n")
        expected = next(i for i, key in enumerate(keys) if key >= (paragraph, start))
        assert f"match {expected + 1} of {len(keys)}" in status(reader)
        assert pane.cursor == keys[expected][0]


async def test_slash_opens_an_empty_find_with_history(library):
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot, "CAPS")
        reader = app.screen
        find = reader.query_one("#find", Input)
        await pilot.press("slash")
        assert find.display and find.value == "" and app.focused is find
        await pilot.press("up")
        assert find.value == "CAPS"  # the corpus query
        find.value = ""
        await pilot.press(*"Liu Haiqing", "enter")
        await settle(pilot)
        assert not find.display and reader.current.match_count == 4
        await pilot.press("slash")
        assert find.value == ""
        await pilot.press("up")
        assert find.value == "Liu Haiqing"
        await pilot.press("up")
        assert find.value == "CAPS"
        await pilot.press("down", "down")
        assert find.value == ""
        await pilot.press("enter")  # an empty find just closes the box
        assert not find.display and app.focused is reader.current.paragraphs


async def test_page_keys_page_the_reader(library):
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot, "CAPS")
        pane = app.screen.current
        paragraphs = pane.paragraphs
        await pilot.press("g")
        await settle(pilot)
        height = paragraphs.scrollable_content_region.height
        assert paragraphs.scroll_y == 0
        await pilot.press("space")
        assert paragraphs.scroll_y == height - 1  # one line of the last page stays for context
        top = paragraphs._index_to_line[pane.cursor - 1]
        assert paragraphs.scroll_y <= top < paragraphs.scroll_y + height  # the cursor is on the page
        await pilot.press("ctrl+f", "pagedown")
        assert paragraphs.scroll_y == 3 * (height - 1)
        await pilot.press("b")
        assert paragraphs.scroll_y == 2 * (height - 1)
        await pilot.press("ctrl+u")
        assert paragraphs.scroll_y == 2 * (height - 1) - height // 2
        await pilot.press("ctrl+d")
        assert paragraphs.scroll_y == 2 * (height - 1)
        await pilot.press("pageup", "ctrl+b", "b")
        assert paragraphs.scroll_y == 0 and pane.cursor == 1
        await pilot.press("G")
        await pilot.press("space")  # at the end: the cursor stays on the last paragraph
        assert pane.cursor == len(pane.document.paragraphs)


async def test_help_scrolls_like_less(library):
    app = make_app(library)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.search_screen.set_focus(None)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        body = app.screen.body
        assert body.max_scroll_y > 0
        await pilot.press("space")
        first = body.scroll_y
        assert first > 1
        await pilot.press("b")
        assert body.scroll_y == 0
        await pilot.press("ctrl+d")
        assert 0 < body.scroll_y < first
        await pilot.press("G")
        assert body.scroll_y == body.max_scroll_y
        await pilot.press("g")
        assert body.scroll_y == 0
        await pilot.press("j")
        assert body.scroll_y == 1
        text = str(app.screen.query_one("#help-text").render())
        assert "space ctrl+f pgdn" in text and "b ctrl+b pgup" in text and "F " in text


async def test_filters_open_with_F_and_ctrl_f_pages_the_results(library):
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await search(pilot, "productive")
        await pilot.press("enter")
        await settle(pilot)
        results = app.search_screen.query_one(ResultList)
        assert app.focused is results and results.highlighted == 0
        await pilot.press("ctrl+f")
        await settle(pilot)
        assert app.screen is app.search_screen and results.highlighted > 0  # paged, no dialog
        await pilot.press("F")
        await settle(pilot)
        assert isinstance(app.screen, FilterDialog)


async def test_no_color_marks_stay_visible_in_the_selected_result_and_the_reader(library, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        assert app.no_color
        await search(pilot, "CAPS")
        await pilot.press("enter")
        await settle(pilot)
        results = app.search_screen.query_one(ResultList)
        assert results.highlighted == 0
        strips = results.render_lines(Region(0, 0, results.size.width, 4))  # the first, selected, result
        styles = [seg.style for strip in strips for seg in strip if seg.text.strip() == "CAPS"]
        assert styles, [strip.text for strip in strips]
        for style in styles:
            assert style.bold and style.underline and style.reverse  # a match inside the reversed selected result
            # no colour survives: no grey-on-grey (the terminal's default colours are used)
            assert (style.color is None or style.color.is_default) and (
                style.bgcolor is None or style.bgcolor.is_default
            )
        await pilot.press("enter")
        await settle(pilot)
        pane = app.screen.current
        await pilot.press("n")
        paragraphs = pane.paragraphs
        top = paragraphs._index_to_line[pane.cursor - 1] - int(paragraphs.scroll_y)
        lines = paragraphs.render_lines(Region(0, top, paragraphs.size.width, 8))
        segments = [seg for strip in lines for seg in strip]
        current = "".join(seg.text for seg in segments if seg.style.reverse)  # the match n went to
        underlined = "".join(seg.text for seg in segments if seg.style.underline)
        assert current.strip() and " ".join(current.split()) in pane.document.paragraph(pane.cursor)
        assert "CAPS" in underlined  # the other matches
        assert all(seg.style.bgcolor is None or seg.style.bgcolor.is_default for seg in segments)


async def test_theme_from_the_palette_is_saved_and_restored(library):
    settings_path().parent.mkdir(parents=True, exist_ok=True)
    settings_path().write_text('# my npf settings\ndefault_style = "apa"  # for the thesis\n', encoding="utf-8")
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.theme = "nord"  # what the palette's "Change theme" does
        await settle(pilot)
    assert load_settings().theme == "nord"
    saved = settings_path().read_text(encoding="utf-8")
    assert "# my npf settings" in saved and "# for the thesis" in saved  # the comments are kept
    again = make_app(library)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert again.theme == "nord"


async def test_reader_lines_never_start_with_closing_punctuation(library):
    doc = library.document(RAINEY)
    chinese = [n for n, p in enumerate(doc.paragraphs, 1) if sum("\u4e00" <= c <= "\u9fff" for c in p) > 30]
    assert chinese
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        options = RenderOptions(Style.parse, {})
        for n in chinese:
            text = doc.paragraph(n)
            start = len(text) // 2
            body = Content(text).stylize("bold underline", start, start + 2)
            for width in range(24, 90, 3):
                visual = NumberedParagraph(n, body, 4)
                strips = visual.render_strips(width, None, Style(), options)
                assert len(strips) == visual.get_height({}, width)
                lines = [strip.text[4:].rstrip() for strip in strips[: -visual.spacing]]
                assert "".join(lines).replace(" ", "") == text.replace(" ", "")  # nothing lost or repeated
                for line in lines[1:]:
                    assert line[:1] not in NO_LINE_START, (n, width, line)
                marked = "".join(seg.text for strip in strips for seg in strip if seg.style and seg.style.underline)
                assert marked.replace(" ", "") == text[start : start + 2].replace(" ", "")  # the mark survives


async def test_no_hits_hint_names_the_field_that_holds_the_words(library):
    metas = [entry.meta for entry in library.catalog.values()]
    assert no_hits_hint("Rainey", metas) == (
        "Hint: Rainey is an author (Jacque Rainey): search author:Rainey for those documents."
    )
    assert 'outlet:"global times"' in no_hits_hint("global times", metas)
    assert no_hits_hint("zorblax", metas) == "" and no_hits_hint("author:rainey", metas) == ""


async def test_a_hit_without_an_author_shows_its_outlet_else_a_dash(library):
    hits = library.search("productive forces", limit=50).hits
    hit = next(h for h in hits if not h.author and h.outlet)
    assert hit_content(1, hit).plain.splitlines()[1].startswith(f"{hit.outlet} · ")
    bare = replace(hit, outlet="")
    where = hit_content(1, bare).plain.splitlines()[1]
    assert hit.doc_id not in where and where.startswith("— · ")


async def test_a_long_status_message_is_shown_whole(library):
    app = make_app(library)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_first(pilot, "CAPS")
        reader = app.screen
        await pilot.press("slash", *"zorblax", "enter")
        await settle(pilot)
        line = reader.query_one("#reader-status")
        text = status(reader)
        assert "'zorblax' is not in this document" in text and text.rstrip().endswith("corpus)")
        assert len(text) > line.size.width and line.size.height >= 2  # wrapped, not cut at the edge
