"""Unit tests of the terminal reader's pure helpers: path completion, filter terms, help rows, result text."""

from __future__ import annotations

from pathlib import Path

from npf_tui.core.models import Hit
from npf_tui.ui.screens.filters import filter_terms
from npf_tui.ui.screens.help import binding_rows, key_label
from npf_tui.ui.screens.import_prompt import complete_path, parse_paths
from npf_tui.ui.screens.search import FILTER_TERM
from npf_tui.ui.widgets.results import hit_content


def test_path_completion_and_parsing(tmp_path):
    (tmp_path / "alpha.txt").write_text("a")
    (tmp_path / "alps").mkdir()
    assert complete_path(str(tmp_path / "alph")) == str(tmp_path / "alpha.txt")
    assert complete_path(str(tmp_path / "al")) == str(tmp_path / "alp")
    assert complete_path(str(tmp_path / "alps")) == str(tmp_path / "alps") + "/"
    assert complete_path(str(tmp_path / "zzz")) is None
    assert parse_paths('"a b.txt" c.md') == [Path("a b.txt"), Path("c.md")]


def test_filter_terms_quote_values_and_open_ranges():
    assert filter_terms(outlet="Global Times", language="en") == 'outlet:"Global Times" lang:en'
    assert (
        filter_terms(author="Jacque Rainey", start="2024-01", end="2024-06")
        == 'author:"Jacque Rainey" published:[2024-01 TO 2024-06]'
    )
    assert filter_terms(end="2024") == "published:[TO 2024]"
    assert filter_terms() == ""
    query = 'new quality outlet:"Global Times" lang:en published:[2024 TO]'
    assert FILTER_TERM.sub("", query).strip() == "new quality"


def test_key_labels_and_help_rows():
    assert key_label("j,down") == "j ↓"
    assert key_label("left_square_bracket") == "["
    from textual.binding import Binding

    rows = binding_rows([Binding("y", "copy", "Copy", tooltip="Copy with citation"), Binding("x", "hidden", "")])
    assert rows == [("y", "Copy with citation")]


def test_hit_content_shows_title_source_paragraph_and_marks():
    hit = Hit(
        "d",
        3,
        1.0,
        "alpha beta",
        [("alpha", True), (" beta", False)],
        [],
        title="T",
        author="A",
        outlet="O",
        published="2024",
    )
    content = hit_content(1, hit)
    assert content.plain == "1. T\nA · O · 2024 · ¶3\nalpha beta"
    assert any(span.style and "warning" in str(span.style) for span in content.spans)
