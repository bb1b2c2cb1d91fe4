"""Pilot tests of what the reader keeps and offers besides marks: reading status and tags (set, shown, filtered),
reading places and the last session (`--resume`), the Chinese reading aid (`K`, `P`) and its core, and `y` adding
to an active writing project. All on the bundled corpus; the person's data goes to the per-test data folder."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_ui_support import make_app, open_first, search, settle

from npf_tui.core.annotations import AnnotationStore
from npf_tui.core.annotations.doc_filters import DocFilterError, split_doc_filters
from npf_tui.core.settings import Settings, load_settings, save_settings
from npf_tui.core.text import reading_aid
from npf_tui.ui.screens.annotate import TextPrompt
from npf_tui.ui.screens.filters import FilterDialog
from npf_tui.ui.screens.reader import ReaderScreen
from npf_tui.ui.screens.word_panel import WordPanel
from npf_tui.ui.widgets.results import ResultList

SIZE = (100, 30)
RAINEY = "rainey-2024-new-catch-phrase"


def header(pane) -> str:
    return str(pane.query_one(".reader-header").render())


# -- reading status and tags ---------------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_status_cycles_and_tags_are_saved_and_shown(library):
    store = AnnotationStore.for_corpus(library.corpus_dir)
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot, "CAPS")
        pane = app.screen.current
        doc_id = pane.document.doc_id
        await pilot.press("S")
        await settle(pilot)
        assert store.doc_state(doc_id).status == "to-read" and "[to-read]" in header(pane)
        await pilot.press("S", "S", "S")
        await settle(pilot)
        assert store.doc_state(doc_id).status == "key" and "[key]" in header(pane)
        await pilot.press("S")  # past key: no status
        await settle(pilot)
        assert store.doc_state(doc_id).status is None and "[" not in header(pane).splitlines()[-1]
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, TextPrompt)
        await pilot.press(*"core #osint", "enter")
        await settle(pilot)
        assert store.doc_state(doc_id).tags == ("core", "osint")
        assert "#core #osint" in header(pane)
        await pilot.press("t")  # the prompt holds the tags: dropping one removes it
        await settle(pilot)
        box = app.screen.query_one("#prompt-input")
        assert box.value == "core osint"
        box.value = "core"
        await pilot.press("enter")
        await settle(pilot)
        assert store.doc_state(doc_id).tags == ("core",)


@pytest.mark.asyncio
async def test_search_filters_by_tag_and_status_and_marks_results(library):
    store = AnnotationStore.for_corpus(library.corpus_dir)
    store.set_status(RAINEY, "key")
    store.change_doc_tags(RAINEY, add=["core"])
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await search(pilot, "productive forces")
        results = app.search_screen.query_one(ResultList)
        unfiltered = {hit.doc_id for hit in results.hits}
        assert RAINEY in unfiltered and len(unfiltered) > 1
        # the marker on the tagged document's hits
        index = next(i for i, hit in enumerate(results.hits) if hit.doc_id == RAINEY)
        assert "[key] #core" in str(results.get_option_at_index(index * 2).prompt.content.plain)
        await search(pilot, "productive forces tag:core")
        assert {hit.doc_id for hit in results.hits} == {RAINEY}
        assert "tag:core" in str(app.search_screen.query_one("#summary").render())
        await search(pilot, "status:key")  # only filters: the documents themselves
        assert [hit.doc_id for hit in results.hits] == [RAINEY]
        await search(pilot, "productive forces status:read")
        assert results.hits == [] or not results.display
        # the filters dialog offers status and the tags in use, and writes them into the query
        results.focus()
        await pilot.press("F")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FilterDialog)
        assert dialog.choices["tag"] == ["core"] and "key" in dialog.choices["status"]
        dialog.query_one("#filter-status").value = "key"
        dialog.query_one("#filter-tag").value = "core"
        await pilot.press("ctrl+s")
        await settle(pilot)
        query = app.search_screen.query_one("#query").value
        assert "status:key" in query and "tag:core" in query and "status:read" not in query


def test_split_doc_filters():
    base, found = split_doc_filters('new forces tag:core status:key tag:"#osint" author:rainey')
    assert base == "new forces author:rainey"
    assert (found.status, found.tags) == ("key", ["core", "osint"])
    with pytest.raises(DocFilterError):
        split_doc_filters("status:done")
    assert split_doc_filters("words only")[0] == "words only" and not split_doc_filters("words only")[1]


# -- places and sessions -------------------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_place_is_saved_on_leaving_and_backtick_returns_to_it(library):
    store = AnnotationStore.for_corpus(library.corpus_dir)
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot, "Liu Haiqing")
        pane = app.screen.current
        await pilot.press("g", "j", "j", "j", "j", "v")  # ¶5, sentence mode
        await pilot.press("escape", "escape")  # leave sentence mode, back to the results
        await settle(pilot)
        place = store.place(RAINEY)
        assert place is not None and place.paragraph == 5
        await pilot.press("enter")  # reopen from the results: at the hit
        await settle(pilot)
        assert pane.cursor == 15
        await pilot.press("grave_accent")
        assert pane.cursor == 5
        assert "where you left it" in str(app.screen.query_one("#reader-status").render())


@pytest.mark.asyncio
async def test_quit_saves_the_session_and_resume_reopens_it(library):
    store = AnnotationStore.for_corpus(library.corpus_dir)
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot, "Liu Haiqing")
        await pilot.press("j")  # ¶16
        await pilot.press("escape")
        await settle(pilot)
        await search(pilot, "productive forces")
        await pilot.press("enter")
        await settle(pilot)
        second = app.search_screen.query_one(ResultList).hits[1]
        await pilot.press("j", "o")  # another document in the right-hand pane
        await settle(pilot)
        assert second.doc_id != RAINEY
        await pilot.press("shift+tab", "v")  # back to the left pane, a sentence selected there
        left = app.screen.query_one("#left")
        sentence = left._sel[0] + 1
        assert left.sentence_mode and left.cursor == 16
        await pilot.press("q")
        await settle(pilot)
    session = store.last_session()
    assert session is not None
    assert [p.doc_id for p in session.panes] == [RAINEY, second.doc_id]
    assert (session.panes[0].paragraph, session.panes[0].sentence) == (16, sentence)
    assert session.focused == 0
    resumed = make_app(library, resume=True)
    async with resumed.run_test(size=SIZE) as pilot:
        await settle(pilot, 5)
        reader = resumed.screen
        assert isinstance(reader, ReaderScreen) and reader.dual
        left, right = reader.query_one("#left"), reader.query_one("#right")
        assert left.document.doc_id == RAINEY and left.cursor == 16
        assert left.sentence_mode and left._sel[0] + 1 == sentence
        assert right.document.doc_id == second.doc_id and right.cursor == second.paragraph


def test_resume_setting_and_flag(monkeypatch, tmp_path):
    assert load_settings().resume is False
    save_settings(Settings(resume=True))
    assert load_settings().resume is True
    from npf_tui import cli
    from npf_tui.ui import app as app_module

    seen = {}
    monkeypatch.setattr(app_module, "run_app", lambda *a, **kw: seen.update(kw) or 0)
    assert cli.main(["--resume"]) == 0
    assert seen["resume"] is True
    assert cli.main([]) == 0
    assert seen["resume"] is None  # the setting decides


# -- the Chinese reading aid ---------------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_word_panel_shows_pinyin_and_glosses_of_the_match_word(library):
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot, "刘海清")
        pane = app.screen.current
        await pilot.press("n")  # the current match, in the cursor paragraph
        await pilot.press("K")
        await settle(pilot, 10)
        panel = app.screen
        assert isinstance(panel, WordPanel)
        assert panel.words[panel.query_one("#word-list").highlighted].text == "刘海清"
        info = str(panel.query_one("#word-info").render())
        assert "liúhǎiqīng" in info
        await pilot.press("escape")
        # a Chinese paragraph: its words, the first looked up in CC-CEDICT
        pane.go_to(18)
        await pilot.press("K")
        await settle(pilot, 10)
        panel = app.screen
        assert panel.words[0].text == "智库"
        assert "think tank" in str(panel.query_one("#word-info").render())
        await pilot.press("j")
        await settle(pilot, 5)
        assert panel.query_one("#word-list").highlighted == 1


@pytest.mark.asyncio
async def test_pinyin_toggle_follows_the_cursor(library):
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot, "刘海清")
        pane = app.screen.current
        pane.go_to(18)
        await pilot.press("P")
        await settle(pilot, 10)
        plain = pane._visual(pane.document, 18).body.plain
        assert "智库 zhìkù" in plain and "新质生产力 xīnzhìshēngchǎnlì" in plain.replace(" 新质", "新质")
        await pilot.press("j")  # the pinyin moves to the next paragraph
        await settle(pilot, 10)
        assert "zhìkù" not in pane._visual(pane.document, 18).body.plain
        await pilot.press("P")
        await settle(pilot)
        assert not pane.show_pinyin and pane._pinyin == {}


def test_reading_aid_words_cover_the_text_and_look_up():
    text = "坚持以新质生产力推动高质量发展，这是 Xi 的话。"
    pieces = reading_aid.words(text)
    assert "".join(w.text for w in pieces) == text
    assert all(text[w.start : w.end] == w.text for w in pieces)
    # jieba decides the word (with the index's user dictionary, once a library is open: 新质生产力 is one)
    assert any(w.text.endswith("生产力") for w in reading_aid.chinese_words(text))
    info = reading_aid.look_up("生产力")
    assert info.pinyin == "shēngchǎnlì"
    assert any("productive force" in g.senses for g in info.glosses)
    assert reading_aid.look_up("的").glosses  # a single character: from the whole CC-CEDICT
    assert reading_aid.tone_marks("lu:4 xiong2 Zhong1 guo2") == "lǜ xióng Zhōng guó"


def test_reading_aid_uses_the_index_dictionary_and_the_character_table(library):
    from npf_tui.core.text.dictionary import DICTIONARY_FILE, Dictionary

    compiled = Dictionary(library.gen_dir / DICTIONARY_FILE)
    assert compiled.entries("智库")  # the corpus's part of CC-CEDICT holds the corpus's words
    info = reading_aid.look_up("智库", compiled)
    assert any("think tank" in sense for gloss in info.glosses for sense in gloss.senses)
    assert info.pinyin == "zhìkù"
    assert not compiled.entries("的")  # one character: not in the compiled file, from the small table instead
    assert reading_aid.look_up("的", compiled).glosses
    assert reading_aid.full_table(single_characters=True)  # the one-character table, not the 44 MB one
    assert all(len(head) == 1 for head in reading_aid.full_table(single_characters=True))


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("新质生产力的发展 ,。abcXY中国人民银行")), max_size=40))
def test_words_partition_any_text(text):
    pieces = reading_aid.words(text)
    assert "".join(w.text for w in pieces) == text
    assert all(re.fullmatch(r"[\u4e00-\u9fff]+", w.text) for w in pieces if w.chinese)


# -- copy into the active writing project --------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_copy_adds_the_quote_to_the_active_project(library):
    from npf_tui.core.cite.project import create_project, load_quotes, use_project

    create_project("thesis")
    use_project("thesis")
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot, "Liu Haiqing")
        await pilot.press("j", "v", "y")
        await settle(pilot, 6)
        quotes = load_quotes("thesis")
        assert len(quotes) == 1 and quotes[0].doc_id == RAINEY and quotes[0].paragraph == 16
        assert "Liu Haiqing" in quotes[0].text
        messages = [n.message for n in app._notifications]
        assert any("added to project thesis" in m for m in messages)
