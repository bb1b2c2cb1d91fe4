"""The HTML-to-paragraphs step of the 300 MB benchmark corpus (benchmarks/doc_sources.py)."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

from doc_sources import html_to_page, render_doc_page  # noqa: E402

from npf_tui.core.sources.corpus import split_paragraphs  # noqa: E402

PAGE = """<?xml version="1.0" encoding="UTF-8"?>
<html><head><title>3.1. The  Title</title><style>p {color: red}</style><script>var x = 1;</script></head>
<body>
<div class="navheader"><a href="a.html">Prev</a> <a href="b.html">Next</a></div>
<nav><ul><li><a href="index.html">Home</a></li></ul></nav>
<h1>3.1. The Title <a class="headerlink" href="#t">¶</a></h1>
<p>First   paragraph,
  over two lines with <b>bold</b> and <a href="x.html">a link</a>.</p>
<ul><li>One item</li><li><p>Item with a paragraph</p></li></ul>
<pre>line one

    indented line two   </pre>
<dl><dt>term</dt><dd>its definition</dd></dl>
<div class="footer">Copyright 2024</div>
<p>Next</p>
</body></html>"""


def test_paragraphs_title_and_boilerplate():
    title, paragraphs, link_share = html_to_page(PAGE.encode("utf-8"))
    assert title == "3.1. The Title"
    assert paragraphs == [
        "3.1. The Title",
        "First paragraph, over two lines with bold and a link.",
        "One item",
        "Item with a paragraph",
        "line one\n    indented line two",
        "term",
        "its definition",
    ]
    assert 0 < link_share < 0.2


def test_pre_block_stays_one_paragraph_in_the_file_format():
    _, paragraphs, _ = html_to_page(PAGE.encode("utf-8"))
    pre = "line one\n    indented line two"
    assert split_paragraphs("\n\n".join(paragraphs)).count(pre) == 1


def test_declared_charset_is_used():
    page = '<html><head><meta charset="gb2312"><title>标题</title></head><body><p>中文段落</p></body></html>'
    title, paragraphs, _ = html_to_page(page.encode("gb18030"))
    assert title == "标题"
    assert paragraphs == ["中文段落"]


def test_pages_of_links_or_few_paragraphs_are_dropped(tmp_path):
    toc = "<html><body>" + "".join(f'<p><a href="{i}.html">Chapter {i}</a></p>' for i in range(9)) + "</body></html>"
    (tmp_path / "toc.html").write_text(toc, encoding="utf-8")
    assert render_doc_page((str(tmp_path / "toc.html"), "en"))[2:] == ([], "links only")
    (tmp_path / "short.html").write_text("<html><body><p>a</p><p>b</p></body></html>", encoding="utf-8")
    assert render_doc_page((str(tmp_path / "short.html"), "en"))[2:] == ([], "fewer than 3 paragraphs")
    english = "<html><body>" + "<p>An English paragraph.</p>" * 3 + "</body></html>"
    (tmp_path / "en.html").write_text(english, encoding="utf-8")
    assert render_doc_page((str(tmp_path / "en.html"), "zh"))[2:] == ([], "not Chinese")
    assert render_doc_page((str(tmp_path / "en.html"), "en"))[3] == ""
