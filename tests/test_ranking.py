"""The block ranker gives the passages and BM25F scores Whoosh gives, with exact totals, on the real corpus."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh import query as Q

from npf_tui.core.search.library import Library
from npf_tui.core.search.ranking import BlockRanker, _top
from npf_tui.core.text.textnorm import normalize

EXACT_QUERIES = [
    "新质生产力",
    "生产力",
    "质生",
    "科技创新",
    "产业",
    "习近平",
    "Xi",
    "innovation",
    "productive forces",
    '"new quality productive forces"',
    '"productive forces"',
    "科技 AND 创新",
    "innovation OR 创新",
    "产业 NOT 科技",
    "technology -China",
    "(新质 OR quality) AND forces",
    "未来产业",
    "數字經濟",
    "xinzhi",
    "author:Rainey",
    "Hunan",
    "nonexistentword",
    "标准化",
]


def whoosh_scores(searcher, q) -> dict[int, float]:
    """Every matching passage with Whoosh's own score (limit=None scores them all, no block skipping)."""
    return {hit.docnum: hit.score for hit in searcher.search(q, limit=None)}


def assert_same_scores(ours: dict[int, float], theirs: dict[int, float]) -> None:
    assert ours.keys() == theirs.keys()
    for docnum, score in theirs.items():
        assert math.isclose(ours[docnum], score, rel_tol=1e-9, abs_tol=1e-12), docnum


def _has_dismax(q) -> bool:
    return isinstance(q, Q.DisjunctionMax) or any(_has_dismax(sub) for sub in getattr(q, "children", lambda: [])())


@pytest.mark.parametrize("text", EXACT_QUERIES)
def test_exact_queries_score_as_whoosh_does(library, text):
    compiled = library.compile(text, exact=True)
    searcher = library._searcher
    ranker = BlockRanker(searcher)
    ranked = ranker.rank(compiled.query, 10)
    if ranked is None:  # a shape left to Whoosh (e.g. metadata filters over doc_id prefixes)
        return
    assert_same_scores(ranker._eval(compiled.query), whoosh_scores(searcher, compiled.query))
    assert ranked.total == len(list(searcher.docs_for_query(compiled.query)))


def test_expanded_query_scores_each_passage_by_its_best_equivalent(library):
    """Whoosh's DisjunctionMaxMatcher compares children sitting on different passages; ours takes the best
    equivalent each passage really contains: checked against each equivalent searched alone."""
    compiled = library.compile("新质生产力")
    assert _has_dismax(compiled.query)
    searcher = library._searcher
    ranker = BlockRanker(searcher)
    scores = ranker._eval(compiled.query)
    assert len(scores) == len(list(searcher.docs_for_query(compiled.query)))
    dismax = next(sub for sub in compiled.query.subqueries if isinstance(sub, Q.DisjunctionMax))
    rest = [sub for sub in compiled.query.subqueries if sub is not dismax]
    rest_scores = [whoosh_scores(searcher, sub) for sub in rest]
    equivalent_scores = [whoosh_scores(searcher, sub) for sub in dismax.subqueries]
    for docnum, score in scores.items():
        expected = sum(part.get(docnum, 0.0) for part in rest_scores)
        best = max((part[docnum] for part in equivalent_scores if docnum in part), default=0.0)
        expected += best * dismax.boost
        assert math.isclose(score, expected, rel_tol=1e-9), docnum


def test_search_results_come_best_first_with_the_exact_total(library):
    result = library.search("产业", limit=5, exact=True)
    full = library.search("产业", limit=10_000, exact=True)
    assert result.total == full.total == len(full.hits)
    assert [(h.doc_id, h.paragraph) for h in result.hits] == [(h.doc_id, h.paragraph) for h in full.hits[:5]]
    scores = [h.score for h in full.hits]
    assert scores == sorted(scores, reverse=True)


def test_top_breaks_ties_by_document_number():
    scores = {7: 1.0, 3: 2.0, 5: 1.0, 1: 1.0, 9: 0.5}
    assert _top(scores, 3) == [(2.0, 3), (1.0, 1), (1.0, 5)]
    assert _top(scores, 10) == [(2.0, 3), (1.0, 1), (1.0, 5), (1.0, 7), (0.5, 9)]


def test_unsupported_shapes_are_left_to_whoosh(library):
    compiled = library.compile("produc*", exact=True)
    assert BlockRanker(library._searcher).rank(compiled.query, 10) is None
    result = library.search("produc*", exact=True)
    assert result.total > 0 and all("produc" in h.text.lower() for h in result.hits)


def test_after_edits_deleted_passages_stay_out(built_copy):
    """An incremental update deletes a document's old passages in its segment and adds new ones in another:
    the ranker must skip the deleted postings and offset the new segment's numbers."""
    corpus, index = built_copy
    doc = sorted(corpus.glob("*.md"))[0]
    text = doc.read_text(encoding="utf-8")
    doc.write_text(text + "\n\nZzyzx 斑马线测试 marker paragraph.\n", encoding="utf-8")
    lib = Library.open(corpus, index)
    try:
        assert len(lib._searcher.leaf_searchers()) >= 2
        assert any(sub.reader().has_deletions() for sub, _ in lib._searcher.leaf_searchers())
        for text_query in ("zzyzx", "斑马线", "马线测", "新质生产力", "innovation OR 创新"):
            compiled = lib.compile(text_query, exact=True)
            ranker = BlockRanker(lib._searcher)
            assert_same_scores(ranker._eval(compiled.query), whoosh_scores(lib._searcher, compiled.query))
        hits = lib.search("斑马线").hits
        assert len(hits) == 1 and "斑马线测试" in hits[0].text
    finally:
        lib.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_boolean_queries_agree_with_whoosh(library, data):
    """Words and Chinese substrings drawn from real paragraphs, combined with AND/OR/NOT: same passages, same
    scores, and a total equal to the set of passages Whoosh finds."""
    doc = data.draw(st.sampled_from(library.documents))
    paragraphs = [normalize(p) for p in doc.paragraphs if p.strip()]
    para = data.draw(st.sampled_from(paragraphs))
    han = re.findall(r"[\u4e00-\u9fff]{2,}", para)
    latin = re.findall(r"[a-z]{3,}", para)
    pool = []
    for run in han:
        start = data.draw(st.integers(0, len(run) - 2))
        length = data.draw(st.integers(2, min(4, len(run) - start)))
        pool.append(run[start : start + length])
    pool += latin
    if not pool:
        return
    terms = data.draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3))
    ops = data.draw(
        st.lists(st.sampled_from([" AND ", " OR ", " NOT ", " "]), min_size=len(terms) - 1, max_size=len(terms) - 1)
    )
    text = terms[0] + "".join(op + term for op, term in zip(ops, terms[1:], strict=True))
    compiled = library.compile(text, exact=True)
    searcher = library._searcher
    ranker = BlockRanker(searcher)
    if ranker.rank(compiled.query, 10) is None:
        return
    assert_same_scores(ranker._eval(compiled.query), whoosh_scores(searcher, compiled.query))


def test_unexpected_internals_fall_back_to_whoosh(library, monkeypatch):
    """A posting block the ranker cannot read (another Whoosh version, a damaged file) never breaks a search:
    Whoosh's own search answers instead."""
    expected = library.search("产业", exact=True)

    def broken(matcher, wanted=None, positions=True):
        raise AttributeError("no _read_ids here")
        yield  # pragma: no cover - makes this a generator like the real one

    monkeypatch.setattr("npf_tui.core.search.ranking.blocks", broken)
    compiled = library.compile("产业", exact=True)
    assert BlockRanker(library._searcher).rank(compiled.query, 10) is None
    again = library.search("产业", exact=True)
    assert again.total == expected.total and [h.score for h in again.hits] == [h.score for h in expected.hits]


def test_phrases_over_many_posting_blocks_score_as_whoosh_does(tmp_path, monkeypatch):
    """A phrase of a rare word and a common one reads only the common word's blocks that hold the rare word's
    passages (postings.blocks with `wanted`): the same passages and scores as Whoosh's, across blocks, segments
    and deletions. The bundled corpus fits each term in one block, so this builds an index that does not."""
    from whoosh import index as whoosh_index

    from npf_tui.core.search.index import make_schema

    ix = whoosh_index.create_in(str(tmp_path), make_schema())
    rare = {7, 8, 9, 700, 701, 1500, 2999, 3400, 3401}
    for segment in (range(0, 2000), range(2000, 3500)):
        writer = ix.writer()
        for n in segment:
            if n in rare:
                text = f"the file descriptor {n} is closed" if n % 2 else f"descriptor of a file {n}"
            else:
                text = f"a file numbered {n} with some words {n % 13}"
            writer.add_document(doc_id=f"d{n // 40}", para=n, text=text, words=text, cjk=text, lang="en")
        writer.commit(merge=False)
    writer = ix.writer()
    writer.delete_by_term("doc_id", "d17")  # passages 680-719: 700 and 701 are deleted
    writer.commit(merge=False)
    with ix.searcher() as searcher:
        assert len(searcher.reader().leaf_readers()) >= 2
        for words in (["file", "descriptor"], ["descriptor", "file"], ["file", "numbered"], ["file", "nothing"]):
            q = Q.Phrase("words", words)
            ours = BlockRanker(searcher)._eval(q)
            assert_same_scores(ours, whoosh_scores(searcher, q))
        # ... and it did skip: "file" has a block per 128 passages, the rare word's passages are in a few of them.
        from whoosh.codec.whoosh3 import W3LeafMatcher

        read = []
        real = W3LeafMatcher._read_data
        monkeypatch.setattr(W3LeafMatcher, "_read_data", lambda self: read.append(1) or real(self))
        assert BlockRanker(searcher)._eval(Q.Phrase("words", ["file", "descriptor"]))
        assert 0 < len(read) < 3500 // 128 / 2


@given(st.lists(st.integers(min_value=0, max_value=10_000), max_size=300).map(sorted))
def test_positions_decode_as_whoosh_decodes_them(positions):
    from whoosh.formats import Positions

    from npf_tui.core.search.postings import decode_positions as _decode_positions

    encoded = Positions().encode(positions)
    assert _decode_positions(encoded) == Positions().decode_positions(encoded) == positions


def test_a_phrase_is_read_once_for_the_compile_and_the_ranking(library, monkeypatch):
    """Query compilation counts a phrase's passages and the ranking scores them: the second evaluation (any boost)
    comes from the cache, with the same scores."""
    from whoosh.codec.whoosh3 import W3LeafMatcher

    ranker = BlockRanker(library._searcher)
    q = Q.Phrase("words", ["productive", "forces"])
    first = dict(ranker._eval(q))
    read = []
    real = W3LeafMatcher._read_data
    monkeypatch.setattr(W3LeafMatcher, "_read_data", lambda self: read.append(1) or real(self))
    assert ranker._eval(q) == first
    boosted = Q.Phrase("words", ["productive", "forces"], boost=2.0)
    assert ranker._eval(boosted) == {d: s * 2.0 for d, s in first.items()}
    assert read == []
    assert_same_scores(ranker._eval(boosted), whoosh_scores(library._searcher, boosted))
