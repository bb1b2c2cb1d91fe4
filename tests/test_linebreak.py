"""Line breaking with the Chinese prohibition rules (禁则): properties on generated text, then real paragraphs."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from npf_tui.core.text.linebreak import (
    NO_LINE_END,
    NO_LINE_START,
    break_offsets,
    break_opportunities,
    text_width,
    wrap,
)

#: A passage of the 2024 Government Work Report (政府工作报告) as printed, and an English sentence around it.
REPORT = (
    "大力推进现代化产业体系建设，加快发展新质生产力。充分发挥创新主导作用，以科技创新推动产业创新，"
    "加快推进新型工业化，提高全要素生产率，不断塑造发展新动能新优势，促进社会生产力实现新的跃升。"
    "李强说：“要积极培育新兴产业和未来产业。”他强调——这是“十四五”规划的重点……"
)
MIXED = f"Premier Li Qiang said the top task is “new quality productive forces” (新质生产力)：{REPORT} That’s it."

ALPHABET = (
    list("新质生产力发展我们的中国") + list("abc xyz ") + list("。，、；：？！）」』”’》〉】…“‘（《「『【—") + [" "]
)
texts = st.text(alphabet=st.sampled_from(ALPHABET), max_size=120)


def pieces(text: str, width: int) -> list[str]:
    """The text between consecutive break offsets (each line with the spaces it consumed)."""
    bounds = [0, *break_offsets(text, width), len(text)]
    return [text[a:b] for a, b in pairwise(bounds)]


@given(texts, st.integers(min_value=1, max_value=40))
def test_lines_put_together_give_the_paragraph(text, width):
    parts = pieces(text, width)
    assert "".join(parts) == text
    lines = wrap(text, width)
    assert len(lines) == len(parts)
    for part, line in zip(parts, lines, strict=True):
        assert part.startswith(line) and not part[len(line) :].strip()  # only spaces are consumed at a break


@given(texts, st.integers(min_value=1, max_value=40))
def test_no_line_is_wider_than_the_width(text, width):
    for line in wrap(text, width):
        assert text_width(line) <= width or len(line) == 1  # only a lone wide character in a 1-cell column


@given(texts)
def test_widths_agree_with_the_terminal(text):
    assert text_width(text) == cell_len(text)


@settings(max_examples=300)
@given(texts, st.integers(min_value=0, max_value=30))
def test_no_line_starts_or_ends_with_prohibited_punctuation(text, extra):
    # wide enough for every unbreakable unit: then a break is always allowed somewhere, and the rules always hold
    bounds = [0, *break_opportunities(text), len(text)]
    width = max((text_width(text[a:b].rstrip()) for a, b in pairwise(bounds)), default=1) + extra
    lines = wrap(text, max(1, width))
    for before, after in pairwise(lines):
        if after:
            assert after[0] not in NO_LINE_START, (before, after)
        if before:
            assert before[-1] not in NO_LINE_END, (before, after)
        if before and after:
            assert not (before[-1] == after[0] and after[0] in "—…"), (before, after)  # —— and …… kept whole


def test_real_report_text_never_starts_a_line_with_closing_punctuation():
    for width in range(8, 81):
        lines = wrap(MIXED, width)
        assert "".join(lines).replace(" ", "") == MIXED.replace(" ", "")
        for line in lines[1:]:
            assert line[0] not in "。，、；：？！）」』”’》〉】…", (width, line)
            assert not line.startswith("：“")
        for line in lines[:-1]:
            assert line[-1] not in "“‘（《「『【", (width, line)
        assert all(text_width(line) <= width for line in lines)
        joined = "\n".join(lines)
        assert "——" in joined and "……" in joined  # the pairs stay whole


@given(texts, st.integers(min_value=1, max_value=40))
def test_lines_are_filled_greedily(text, width):
    # a line ends early only when the next unbreakable unit (a word, or a character with the marks that must stay
    # beside it) does not fit: carrying a character down costs at most its own width. A unit wider than the whole
    # line starts a line of its own and is folded, as Textual does with a long word (a URL).
    opportunities = break_opportunities(text)
    ends = dict(pairwise([*opportunities, len(text)]))
    offsets = break_offsets(text, width)
    for start, offset in pairwise([0, *offsets]):
        if offset not in ends:
            continue  # a fold inside a unit wider than the line
        unit = text[offset : ends[offset]].rstrip()
        if text_width(unit) <= width:
            assert text_width((text[start:offset] + unit).rstrip()) > width


def test_english_breaks_only_at_spaces_as_before():
    text = (
        "President Xi first introduced the term “new quality productive forces” in September 2023, and it’s a buzzword."
    )
    for width in range(12, 60):
        lines = wrap(text, width)
        assert " ".join(lines) == text  # every break consumed exactly one space: no word was cut
        assert all(len(line) <= width for line in lines)


def test_a_word_longer_than_the_line_is_cut():
    url = "https://www.gov.cn/zhengce/202403/content_6939153.htm"
    assert wrap(f"全文见 {url} 。", 20) == ["全文见", url[:20], url[20:40], url[40:] + " 。"]
    assert wrap(f"全文见 {url} 。", 13)[-1].endswith(" 。")  # no break before 。 after the space either
