"""Document-level matching on the bundled corpus: title/author words count, words spread over a document find it,
results grouped by document (issue 15, item 2; core/search/documents.py)."""

from __future__ import annotations

import json
import re
from itertools import combinations
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_cli_search import run

from npf_tui.core.sources.corpus import load_corpus
from npf_tui.core.text.analysis import word_tokens

DATA = Path(__file__).resolve().parents[1] / "data"
DOCS = {d.doc_id: d for d in load_corpus(DATA)}
HUNGARIAN = "hungarian-art-exhibition-chongqing"
RAINEY = "rainey-2024-new-catch-phrase"
#: Words the query parser reads as operators, not words.
OPERATORS = {"and", "or", "not", "to"}


def terms(text: str) -> set[str]:
    """The words field's terms of a text (stemmed English, jieba words), as npf indexes passages."""
    return {t for t, _, _ in word_tokens(text)}


def surfaces(text: str) -> dict[str, str]:
    """term -> one surface form of it in `text` (what a person would type)."""
    out: dict[str, str] = {}
    for term, start, end in word_tokens(text):
        word = text[start:end]
        if word.lower() not in OPERATORS and re.fullmatch(r"\w+", word):
            out.setdefault(term, word)
    return out


def spread_pairs(doc_id: str, anywhere: bool = True) -> list[tuple[str, str]]:
    """Pairs of typed words from a document's body that occur in it but in no one paragraph of it (`anywhere`: in no
    paragraph of the corpus either, so only document-level matching can find them), by the eval_spread rule."""
    doc = DOCS[doc_id]
    body = surfaces("\n".join(doc.paragraphs))
    per_para = [terms(p) for p in doc.paragraphs]
    every_para = [terms(p) for d in DOCS.values() for p in d.paragraphs] if anywhere else per_para
    title_terms = terms(" ".join((doc.title, doc.author, doc.outlet)))
    pairs = []
    for a, b in combinations(sorted(body), 2):
        if len(body[a]) < 5 or len(body[b]) < 5 or a in title_terms or b in title_terms:
            continue
        if not any(a in p and b in p for p in every_para):
            pairs.append((body[a], body[b]))
    return pairs


def docs_of(result) -> list[str]:
    """Documents in the order of their first hit."""
    out: list[str] = []
    for hit in result.hits:
        if hit.doc_id not in out:
            out.append(hit.doc_id)
    return out


def test_hungarian_example_finds_its_document(library):
    words = ["hungarian", "art", "exhibition", "chongqing"]
    # The premise of the issue: no paragraph of the corpus holds all four words.
    assert not any(all(w in p.lower() for w in words) for d in DOCS.values() for p in d.paragraphs)
    result = library.search("Hungarian art exhibition Chongqing")
    assert result.total > 0
    assert docs_of(result)[0] == HUNGARIAN
    assert {h.match for h in result.hits if h.doc_id == HUNGARIAN} <= {"metadata", "document"}


def test_bare_author_name_finds_the_article(library):
    doc = DOCS[RAINEY]
    assert "Rainey" in doc.author
    assert not any("rainey" in p.lower() for d in DOCS.values() for p in d.paragraphs)
    result = library.search("Rainey", limit=100)
    assert result.hits and {h.doc_id for h in result.hits} == {RAINEY}
    assert {h.match for h in result.hits} == {"metadata"}
    assert result.total == len(doc.paragraphs)


def test_title_word_boosts_passages_of_its_document(library):
    # "exhibition" is in the Hungarian document's title and in its body: its passages come first, boosted.
    plain = library.search("exhibition", limit=50)
    assert docs_of(plain)[0] == HUNGARIAN
    assert all(h.match == "passage" for h in plain.hits)


def test_spread_words_find_the_document_by_rule(library):
    doc_id = HUNGARIAN
    pairs = spread_pairs(doc_id)
    assert pairs, "the rule finds words of the document that share no paragraph"
    a, b = pairs[0]
    result = library.search(f"{a} {b}", limit=20)
    assert doc_id in docs_of(result)
    shown = [h for h in result.hits if h.doc_id == doc_id]
    assert shown and all(h.match == "document" for h in shown)
    # The passages shown together hold both words.
    held = set().union(*(terms(h.text) for h in shown))
    assert terms(a) <= held and terms(b) <= held


def test_a_passage_hit_ranks_above_a_document_hit(library):
    # Words spread over the Hungarian document that stand together in a paragraph of another document: that
    # document is a passage match, the Hungarian one a document-level match, listed after it when grouping; a list of
    # passages stays a list of passages holding the words.
    a, b = sorted(set(spread_pairs(HUNGARIAN, anywhere=False)) - set(spread_pairs(HUNGARIAN)))[0]
    grouped = library.search_documents(f"{a} {b}", limit=50)
    kinds = [d.match for d in grouped.documents]
    assert "passage" in kinds and "document" in kinds
    assert kinds == sorted(kinds, key=["passage", "metadata", "document"].index)
    assert HUNGARIAN in {d.doc_id for d in grouped.documents if d.match == "document"}
    flat = library.search(f"{a} {b}", limit=50)
    assert flat.hits and {h.match for h in flat.hits} == {"passage"}
    assert all(terms(a) | terms(b) <= terms(h.text) for h in flat.hits)


def test_author_filter_still_narrows(library):
    a, b = spread_pairs(HUNGARIAN)[0]
    assert library.search(f"{a} {b} author:Rainey", limit=50).total == 0
    narrowed = library.search("author:Rainey productive", limit=100)
    everywhere = library.search("productive", limit=100)
    assert {h.doc_id for h in narrowed.hits} == {RAINEY}
    assert len({h.doc_id for h in everywhere.hits}) > 1


def test_phrases_must_stand_together(library):
    # Both words are in the Hungarian document, never in this order next to each other, nor so in its title.
    assert not any("exhibition hungarian" in " ".join(p.lower().split()) for d in DOCS.values() for p in d.paragraphs)
    assert library.search('"exhibition Hungarian"', limit=50).total == 0
    assert HUNGARIAN in docs_of(library.search("exhibition Hungarian", limit=50))


def test_exclusion_drops_a_document_holding_the_word(library):
    a, b = spread_pairs(HUNGARIAN)[0]
    assert HUNGARIAN in docs_of(library.search(f"{a} {b}", limit=50))
    # A third word of the document, in some paragraph: excluding it drops the document at document level.
    other = next(
        w for w in ("Beijing", "Liszt", "Tuesday") if w.lower() in " ".join(DOCS[HUNGARIAN].paragraphs).lower()
    )
    assert HUNGARIAN not in docs_of(library.search(f"{a} {b} -{other}", limit=50))


def test_spread_off_keeps_passage_semantics(library):
    a, b = spread_pairs(HUNGARIAN)[0]
    assert library.search(f"{a} {b}", limit=50, spread=False).total == 0


def test_search_documents_groups_and_says_why(library):
    grouped = library.search_documents("productive forces", limit=20)
    ids = [d.doc_id for d in grouped.documents]
    assert len(ids) == len(set(ids)) > 1
    assert grouped.total == len(ids)
    for doc in grouped.documents:
        assert doc.hits and all(h.doc_id == doc.doc_id for h in doc.hits)
        assert doc.why in {"all words in one passage", "title/author words", "words spread over the document"}
    assert grouped.documents[0].match == "passage"
    hungarian = library.search_documents("Hungarian art exhibition Chongqing", limit=5)
    assert hungarian.documents[0].doc_id == HUNGARIAN and hungarian.documents[0].why == "title/author words"


def test_json_hits_say_their_match_kind(capsys, cli):
    status, out, _ = run(capsys, *cli, "search", "Rainey", "--json", "--limit", "3")
    data = json.loads(out)
    assert status == 0 and data["hits"]
    old_keys = {"doc_id", "title", "author", "outlet", "published", "paragraph", "score", "snippet", "text", "language"}
    for hit in data["hits"]:
        assert set(hit) >= old_keys | {"match", "why"}
        assert hit["match"] == "metadata"
    a, b = spread_pairs(HUNGARIAN)[0]
    _, out, _ = run(capsys, *cli, "search", a, b, "--json")
    data = json.loads(out)
    assert data["documents"] >= 1 and {h["match"] for h in data["hits"]} == {"document"}


def test_by_doc_json_shape(capsys, cli):
    status, out, _ = run(capsys, *cli, "search", "productive", "forces", "--by-doc", "--json", "--limit", "3")
    data = json.loads(out)
    assert status == 0 and data["by_doc"] is True
    assert set(data) >= {"query", "expanded", "total", "took_ms", "notice", "documents"}
    assert 1 <= len(data["documents"]) <= 3
    for doc in data["documents"]:
        assert set(doc) >= {"doc_id", "title", "author", "outlet", "published", "match", "why", "score", "passages"}
        assert doc["passages"] and all(p["doc_id"] == doc["doc_id"] and "match" in p for p in doc["passages"])


def test_by_doc_text(capsys, cli):
    status, out, _ = run(capsys, *cli, "search", "Hungarian", "art", "exhibition", "Chongqing", "--by-doc")
    assert status == 0
    assert out.splitlines()[0].startswith("1 document for ")
    assert HUNGARIAN in out and "(title/author words)" in out


_POOL = sorted(
    {
        (doc_id, word)
        for doc_id, doc in DOCS.items()
        for word in surfaces(" ".join([doc.title, *doc.paragraphs])).values()
        if len(word) >= 3
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_any_two_words_of_a_document_find_it(library, data):
    doc_id = data.draw(st.sampled_from(sorted(DOCS)))
    words = sorted({w for d, w in _POOL if d == doc_id})
    a = data.draw(st.sampled_from(words))
    b = data.draw(st.sampled_from(words))
    together = any(terms(a) | terms(b) <= terms(p) for p in DOCS[doc_id].paragraphs)
    if together:
        return  # a passage holds both: passage search's own tests cover it
    grouped = library.search_documents(f"{a} {b}", limit=1000)
    assert doc_id in [d.doc_id for d in grouped.documents], (a, b)
    flat = library.search(f"{a} {b}", limit=1000)
    # A list of passages never comes back empty while a document holds the words.
    assert flat.hits, (a, b)
    if all(h.match == "document" for h in flat.hits):
        assert doc_id in docs_of(flat), (a, b)


@pytest.mark.parametrize(
    "query",
    [
        "Rainey",
        "Hungarian art exhibition Chongqing",
        "author:Rainey productive",
        '"new productive forces" -Xu',
        "-Rainey climate",
        "productive AND NOT Rainey",
        "(Rainey OR Hungarian) art",
        "新质生产力 Rainey",
    ],
)
def test_one_compile_gives_the_query_without_metadata_words(library, query):
    # Library.search compiles once with title/author words counted and takes them out for the one-passage tier:
    # that must be the query exactly as compiled without them.
    from npf_tui.core.search.documents import without_meta

    pure = library._compiler(False).compile(query).query
    counted = library._compiler(False, count_meta=True).compile(query).query
    assert without_meta(counted) == pure
