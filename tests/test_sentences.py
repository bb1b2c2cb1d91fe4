"""The sentence splitter on real passages of the bundled corpus (English and Chinese) and on crafted cases."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from npf_tui.core.sources.corpus import find_document, load_corpus
from npf_tui.core.text.sentences import sentence_at, split_sentences

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(DATA)


def texts(paragraph: str) -> list[str]:
    return [s.text for s in split_sentences(paragraph)]


def test_chinese_passage_from_corpus(corpus):
    rainey = find_document(corpus, "rainey")
    para = next(p for p in rainey.paragraphs if "要以科技创新引领产业全面振兴。" in p)
    parts = texts(para)
    assert parts[0] == "…要以科技创新引领产业全面振兴。"
    assert parts[1].startswith("要立足现有产业基础") and parts[1].endswith("调整产业结构。")
    assert parts[2].startswith("整合科技创新资源")


def test_english_abbreviations_in_corpus(corpus):
    semafor = find_document(corpus, "semafor")
    para = next(p for p in semafor.paragraphs if "pressure from the U.S., though." in p)
    assert any(s.endswith("a way to counter pressure from the U.S., though.") for s in texts(para))
    xu = find_document(corpus, "xu-")
    para = xu.paragraphs[1]
    parts = texts(para)
    assert len(parts) == 4  # "(e.g., smart mobility, ...)" does not end the last sentence
    assert parts[-1].startswith("For example, more than 40 percent") and parts[-1].endswith("the nation’s progress.")


def test_english_first_paragraph_with_quotes(corpus):
    xu = find_document(corpus, "xu-")
    parts = texts(xu.paragraphs[0])
    assert parts[0].endswith("since then.")
    # the closing quote stays with its sentence
    assert parts[1].endswith("at a faster pace.”")
    assert parts[-1] == "But what exactly does the term “new quality productive forces” mean?"


@pytest.mark.parametrize(
    "paragraph, expected",
    [
        (
            "他说：“我们要加快发展新质生产力。”随后会议结束。对吗？是的！",
            ["他说：“我们要加快发展新质生产力。”", "随后会议结束。", "对吗？", "是的！"],
        ),
        ("第一，创新；第二，改革。", ["第一，创新；", "第二，改革。"]),
        ("「好。」『对。』（完）", ["「好。」", "『对。』", "（完）"]),
        (
            "The U.S. economy added 1.66 million jobs in Feb. and Mr. Smith said so. Next.",
            ["The U.S. economy added 1.66 million jobs in Feb. and Mr. Smith said so.", "Next."],
        ),
        (
            "John F. Kennedy spoke. Prices rose, e.g. in Jan. 2024. Then?",
            ["John F. Kennedy spoke.", "Prices rose, e.g. in Jan. 2024.", "Then?"],
        ),
        (
            "He lives in the U.S. The next sentence starts here.",
            ["He lives in the U.S.", "The next sentence starts here."],
        ),
        (
            "Xi said “it matters.” 习近平说：“要创新。”Then English.",
            ["Xi said “it matters.”", "习近平说：“要创新。”", "Then English."],
        ),
        ("Version 2.0 is out... really. Yes.", ["Version 2.0 is out... really.", "Yes."]),
    ],
)
def test_crafted(paragraph, expected):
    assert texts(paragraph) == expected


def test_spans_point_into_the_paragraph(corpus):
    for doc in corpus:
        for para in doc.paragraphs:
            for s in split_sentences(para):
                assert para[s.start : s.end] == s.text and s.text == s.text.strip()


def test_sentence_at():
    para = "First one. Second one. Third."
    assert sentence_at(para, para.index("Second")).text == "Second one."
    assert sentence_at(para, 0).text == "First one."
    assert sentence_at("", 0) is None


@given(st.text(alphabet=st.sampled_from(list("ab .。？!”’ U.S\n")), max_size=60))
def test_sentences_cover_all_non_space_text(paragraph):
    spans = split_sentences(paragraph)
    covered = "".join(s.text for s in spans)
    assert covered.replace(" ", "").replace("\n", "") == paragraph.replace(" ", "").replace("\n", "")
    assert all(a.end <= b.start for a, b in pairwise(spans))
