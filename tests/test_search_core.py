"""The search core on the real bundled corpus: each numbered requirement of the 'Bilingual search core' issue."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from npf_tui.core.errors import QuerySyntaxError
from npf_tui.core.glossary import load_glossary, user_dictionary
from npf_tui.core.sources.corpus import load_corpus
from npf_tui.core.text.analysis import segment, use_user_words
from npf_tui.core.text.textnorm import HAN_RUN_RE, normalize

DATA = Path(__file__).resolve().parents[1] / "data"

DOCS = load_corpus(DATA)
PASSAGES = [(d.doc_id, n, t) for d in DOCS for n, t in enumerate(d.paragraphs, 1)]
HAN_PASSAGES = [(doc, n, t) for doc, n, t in PASSAGES if HAN_RUN_RE.search(t)]


def found(result, doc_id: str, paragraph: int) -> bool:
    """Whether a search result holds the given passage."""
    return any(h.doc_id == doc_id and h.paragraph == paragraph for h in result.hits)


def passages_with(text: str) -> set[tuple[str, int]]:
    """Ground truth: passages whose normalised text contains `text` (a plain substring scan)."""
    needle = normalize(text)
    return {(d, n) for d, n, t in PASSAGES if needle in normalize(t)}


# 1. jieba with a user dictionary from the corpus data -----------------------------------------------------------
@pytest.mark.parametrize("term", ["新质生产力", "刘海清", "中国生产力学会"])
def test_glossary_terms_are_single_words(library, term):
    use_user_words(user_dictionary(load_glossary(DATA)))
    words = [w for w, _, _ in segment(term + "的发展")]
    assert words[0] == term


# 2. full substring recall, whole words first ----------------------------------------------------------------------
def test_cross_boundary_substring_finds_paragraph(library):
    truth = passages_with("质生产")
    assert truth, "the corpus has 新质生产力, so 质生产 occurs"
    result = library.search("质生产", limit=100, exact=True)
    assert {(h.doc_id, h.paragraph) for h in result.hits} == truth


def test_whole_word_matches_rank_above_partial(library):
    # 新质生产力 is one jieba word in most passages, but only a substring where jieba splits it differently.
    result = library.search("新质生产力", limit=200, exact=True)
    ranks = [(h.score, "新质生产力" in _words(h.text)) for h in result.hits]
    word_scores = [s for s, is_word in ranks if is_word]
    partial_scores = [s for s, is_word in ranks if not is_word]
    assert word_scores and partial_scores
    assert min(word_scores) > max(partial_scores)


def _words(text: str):
    """jieba words of every Chinese run of a text."""
    return [w for m in HAN_RUN_RE.finditer(normalize(text)) for w, _, _ in segment(m.group())]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_property_any_chinese_substring_finds_its_paragraph(library, data):
    doc_id, number, text = data.draw(st.sampled_from(HAN_PASSAGES))
    runs = [m.group() for m in HAN_RUN_RE.finditer(text)]
    run = data.draw(st.sampled_from(runs))
    start = data.draw(st.integers(0, len(run) - 1))
    end = data.draw(st.integers(start + 1, min(len(run), start + 12)))
    needle = run[start:end]
    result = library.search(needle, limit=1000, exact=True)
    assert found(result, doc_id, number), f"{needle!r} did not find {doc_id} ¶{number}"


# 3. Traditional = Simplified -----------------------------------------------------------------------------------
def test_traditional_finds_simplified(library):
    simplified = library.search("新质生产力", limit=100, exact=True)
    traditional = library.search("新質生產力", limit=100, exact=True)
    assert simplified.total > 0
    assert [(h.doc_id, h.paragraph) for h in traditional.hits] == [(h.doc_id, h.paragraph) for h in simplified.hits]


def test_simplified_finds_traditional_text(tmp_path):
    from npf_tui.core.search.library import Library

    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "trad.md").write_text("---\ntitle: 繁體\nlanguage: zh\n---\n\n加快形成新質生產力。\n", encoding="utf-8")
    lib = Library.open(corpus, tmp_path / "i")
    hit = lib.search("新质生产力").hits[0]
    assert hit.doc_id == "trad" and hit.text[hit.spans[0].start : hit.spans[0].end] == "新質生產力"


# 4. pinyin -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("query", ["xinzhi shengchanli", "xinzhishengchanli", "xīnzhì shēngchǎnlì", "xin1zhi4"])
def test_pinyin_finds_chinese(library, query):
    """Typed pinyin finds 新质生产力 and says what it was read as."""
    result = library.search(query, limit=50, exact=True)
    assert result.total > 0 and any(c.startswith("新质") for c in result.expanded)
    for hit in result.hits:
        assert "新质" in normalize(hit.text)
        assert any("新质" in normalize(hit.text[s.start : s.end]) for s in hit.spans)


def test_english_word_is_not_read_as_pinyin(library):
    # "china" spells chi+na, but it is an English word of the corpus: no pinyin alternative is added (exact: the
    # dictionary's 中国 is a translation, not a pinyin reading; expansion's own tests are in test_crosslang.py).
    compiled = library.compile("china", exact=True)
    assert not compiled.literals.han and not compiled.expanded


# 5. English folding --------------------------------------------------------------------------------------------
def test_stemming(library):
    result = library.search("innovate", limit=100, exact=True)
    assert any("innovation" in h.text.lower() for h in result.hits)


@pytest.mark.parametrize("variant", ["HIGH-QUALITY", "ｈｉｇｈ－ｑｕａｌｉｔｙ", "High–Quality"])
def test_case_width_and_dash_forms_are_one(library, variant):
    base = library.search("high-quality", limit=100, exact=True)
    other = library.search(variant, limit=100, exact=True)
    assert base.total > 0 and other.total == base.total


def test_curly_and_straight_quotes_are_one(library):
    straight = library.search('"new productive forces"', limit=100, exact=True)
    curly = library.search("“new productive forces”", limit=100, exact=True)
    assert straight.total > 0 and curly.total == straight.total


def test_apostrophes_fold(library):
    assert library.search("Xi’s", exact=True).total == library.search("Xi's", exact=True).total > 0


# 6. phrases ----------------------------------------------------------------------------------------------------
def test_english_phrase_needs_adjacent_words(library):
    phrase = library.search('"economic growth"', limit=200, exact=True)
    words = library.search("economic growth", limit=200, exact=True)
    assert phrase.total > 0 and words.total > phrase.total
    pattern = re.compile(r"economic\s+growth", re.I)
    assert all(pattern.search(h.text) for h in phrase.hits)
    assert any(not pattern.search(h.text) for h in words.hits)


def test_chinese_phrase(library):
    result = library.search('"加快形成新质生产力"', exact=True)
    assert result.total >= 1 and all("加快形成新质生产力" in h.text for h in result.hits)


# 7. cross-language expansion ------------------------------------------------------------------------------------
def test_english_name_finds_chinese_only_paragraphs(library, tmp_path):
    result = library.search("Liu Haiqing", limit=100)
    assert "刘海清" in result.expanded
    exact = library.search("Liu Haiqing", limit=100, exact=True)
    assert "刘海清" not in exact.expanded and result.total >= exact.total


def test_expansion_reaches_text_in_one_language_only(tmp_path):
    import shutil

    from npf_tui.core.search.library import Library

    corpus = tmp_path / "c"
    shutil.copytree(DATA, corpus)
    (corpus / "zh-only.md").write_text("---\ntitle: 中文\nlanguage: zh\n---\n\n刘海清出席了会议。\n", encoding="utf-8")
    (corpus / "en-only.md").write_text(
        "---\ntitle: English\nlanguage: en\n---\n\nLiu Haiqing spoke.\n", encoding="utf-8"
    )
    lib = Library.open(corpus, tmp_path / "i")
    assert found(lib.search("Liu Haiqing", limit=100), "zh-only", 1)
    assert not found(lib.search("Liu Haiqing", limit=100, exact=True), "zh-only", 1)
    assert found(lib.search("刘海清", limit=100), "en-only", 1)


def test_mined_pairs_expand(library):
    # "Self-Strengthening Movement (自强运动)" is written in the Brookings piece.
    assert "自强运动" in library.search("Self-Strengthening Movement").expanded


# 8. query language ---------------------------------------------------------------------------------------------
def test_boolean_operators(library):
    both = library.search("climate AND Podesta", limit=200, exact=True)
    either = library.search("climate OR Podesta", limit=200, exact=True)
    without = library.search("climate NOT Podesta", limit=200, exact=True)
    minus = library.search("climate -Podesta", limit=200, exact=True)
    assert 0 < both.total < either.total
    assert without.total == minus.total == library.search("climate", limit=200, exact=True).total - both.total
    assert all("podesta" not in h.text.lower() for h in without.hits)


def test_field_filters(library):
    by_author = library.search("author:Rainey productive", limit=200, exact=True)
    assert by_author.total and {h.doc_id for h in by_author.hits} == {"rainey-2024-new-catch-phrase"}
    by_outlet = library.search('outlet:"global times" climate', limit=200, exact=True)
    assert by_outlet.total and all(h.outlet == "Global Times" for h in by_outlet.hits)
    by_doc = library.search("doc:semafor Xi", limit=200, exact=True)
    assert by_doc.total and {h.doc_id for h in by_doc.hits} == {"semafor-2024-xi-catchphrase"}
    zh = library.search("lang:zh 新质生产力", limit=200, exact=True)
    assert zh.total and all(h.language == "zh" for h in zh.hits)


def test_date_range(library):
    spring = library.search("published:[2024-01 TO 2024-03] Xi", limit=200, exact=True)
    assert spring.total and {h.published[:7] for h in spring.hits} <= {"2024-01", "2024-02", "2024-03"}
    may = library.search("published:2024-05 productive", limit=200, exact=True)
    assert may.total and {h.doc_id for h in may.hits} == {"rainey-2024-new-catch-phrase"}
    with pytest.raises(QuerySyntaxError):
        library.search("published:[spring TO summer] Xi")


def test_prefix(library):
    result = library.search("innov*", limit=200, exact=True)
    assert result.total and all(re.search(r"innov", h.text, re.I) for h in result.hits)


@pytest.mark.parametrize("query", ["(((", '"', "AND", "OR OR", "*", "a:b:c", ")(", "NOT", "[x TO", "^2"])
def test_bad_syntax_never_crashes(library, query):
    try:
        result = library.search(query)
    except QuerySyntaxError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        assert result.total >= 0


# 9. ranked passages with highlighted snippets -------------------------------------------------------------------
def test_hits_carry_highlighted_snippets_in_both_languages(library):
    en = library.search("innovation", exact=True).hits[0]
    assert any(matched and t.lower().startswith("innovation") for t, matched in en.snippet)
    zh = library.search("科技创新", exact=True).hits[0]
    assert any(matched and t == "科技创新" for t, matched in zh.snippet)
    for hit in (en, zh):
        for span in hit.spans:
            assert 0 <= span.start < span.end <= len(hit.text)


def test_result_says_document_and_paragraph(library):
    hit = library.search("Heilongjiang", exact=True).hits[0]
    doc = library.document(hit.doc_id)
    assert doc.paragraphs[hit.paragraph - 1] == hit.text and hit.title == doc.title


def test_mined_pairs_stop_at_sentence_ends_and_take_digits():
    from npf_tui.core.glossary import mine_pairs
    from npf_tui.core.models import Document

    doc = Document(
        doc_id="x", paragraphs=["About AI. Xi Jinping (习近平) said.", "the “100-person Think Tank” (百人智库)"]
    )
    pairs = {(p.en, p.zh) for p in mine_pairs([doc])}
    assert ("Xi Jinping", "习近平") in pairs and ("100-person Think Tank", "百人智库") in pairs
    assert not any(en.startswith("AI") for en, _ in pairs)


def test_two_libraries_in_one_process_keep_their_own_dictionary(library, tmp_path):
    from npf_tui.core.search.library import Library

    other = tmp_path / "other"
    other.mkdir()
    (other / "glossary.toml").write_text('[[entity]]\ntype = "concept"\nzh = "质生产"\n', encoding="utf-8")
    (other / "one.md").write_text("---\ntitle: one\n---\n\n新质生产力。\n", encoding="utf-8")
    before = [(h.doc_id, h.paragraph, h.score) for h in library.search("新质生产力", limit=50, exact=True).hits]
    Library.open(other, tmp_path / "i").search("质生产")  # switches the process's segmenter
    after = [(h.doc_id, h.paragraph, h.score) for h in library.search("新质生产力", limit=50, exact=True).hits]
    assert after == before


def test_pinyin_map_chains_syllables_into_corpus_strings():
    from npf_tui.core.search.pinyin_map import add_bigrams, chinese_for

    mapping = {}
    add_bigrams(mapping, ["新质", "质生", "生产", "产力", "心智"])
    assert chinese_for(["xin", "zhi"], mapping) == ["心智", "新质"]
    assert chinese_for(["xin", "zhi", "sheng", "chan", "li"], mapping) == ["新质生产力"]
    assert chinese_for(["xin", "zhi", "sheng", "wu"], mapping) == []
    assert chinese_for(["xin"], mapping) == []


def test_pinyin_map_saved_packed_loads_and_grows(tmp_path):
    """Saved entries are packed strings; a loaded map answers the same and takes new bigrams without losing any."""
    from npf_tui.core.search.pinyin_map import add_bigrams, chinese_for, load, save

    mapping = {}
    assert add_bigrams(mapping, ["新质", "质生", "生产", "产力", "心智"])
    save(tmp_path, mapping)
    loaded = load(tmp_path)
    assert loaded["xin zhi"] == "心智新质"  # packed, sorted
    assert chinese_for(["xin", "zhi", "sheng", "chan", "li"], loaded) == ["新质生产力"]
    assert not add_bigrams(loaded, ["心智", "生产"])  # nothing new: an update need not save the map again
    assert loaded["xin zhi"] == "心智新质"
    assert add_bigrams(loaded, ["新志", "心智"])
    assert chinese_for(["xin", "zhi"], loaded) == ["心智", "新志", "新质"]
    save(tmp_path, loaded)
    assert chinese_for(["xin", "zhi"], load(tmp_path)) == ["心智", "新志", "新质"]


def test_pinyin_finds_text_added_incrementally(corpus_copy, tmp_path):
    from npf_tui.core.search.library import Library

    lib = Library.open(corpus_copy, tmp_path / "i")
    assert lib.search("qingtongqi", exact=True).total == 0
    (corpus_copy / "bronze.md").write_text("---\ntitle: 青铜\n---\n\n三星堆出土青铜器。\n", encoding="utf-8")
    lib.refresh()
    hit = lib.search("qingtongqi", exact=True).hits[0]
    assert hit.doc_id == "bronze" and hit.text[hit.spans[0].start : hit.spans[0].end] == "青铜器"


def test_open_and_exclusive_date_bounds(library):
    after = {h.doc_id for h in library.search("published:>2024-03 Xi", limit=200, exact=True).hits}
    assert "rainey-2024-new-catch-phrase" in after and "semafor-2024-xi-catchphrase" not in after
    upto = {h.doc_id for h in library.search("published:[TO 2024-02] Xi", limit=200, exact=True).hits}
    assert upto == {"semafor-2024-xi-catchphrase"}
    excl = library.search("published:{2024-02 TO 2024-05} Xi", limit=200, exact=True)
    assert excl.total == 0  # February and May themselves are excluded; nothing is dated in between


def test_metadata_filters_match_words_in_order_and_prefixes(library):
    assert library.search('outlet:"times global" climate', exact=True).total == 0
    assert library.search("author:Rain* productive", exact=True).total > 0
    assert library.search("title:catchphrase Xi", exact=True).hits[0].doc_id == "semafor-2024-xi-catchphrase"


# Characters of the supplementary planes (U+20000 on) are Chinese too: one definition of the ranges for all of npf.
def test_supplementary_plane_ideographs_are_searched_as_chinese(tmp_path):
    from npf_tui.core.models import Document
    from npf_tui.core.search.library import Library
    from npf_tui.core.sources.corpus import write_document
    from npf_tui.core.text.sentences import split_sentences
    from npf_tui.core.text.textnorm import HAN_RE

    rare = "\U00020bb7"  # 𠮷, the 'tsuchi-yoshi' variant of 吉 (U+20BB7)
    assert HAN_RE.fullmatch(rare)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    paragraph = f"{rare}野家在重庆开了新店。随后又开了一家。"
    write_document(corpus, Document(doc_id="rare", title="Rare", language="zh", paragraphs=[paragraph]))
    lib = Library.open(corpus, tmp_path / "idx")
    try:
        for query in (f"{rare}野", f"{rare}野家", "野家在"):
            result = lib.search(query)
            assert result.total == 1 and result.hits[0].spans, query
    finally:
        lib.close()
    assert [s.text for s in split_sentences(paragraph)] == [f"{rare}野家在重庆开了新店。", "随后又开了一家。"]
