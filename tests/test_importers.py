"""Reading real source files the tests create: HTML, PDF, DOCX, Markdown and text in many encodings."""

from __future__ import annotations

import codecs
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from npf_tui.core.sources.corpus import MAX_PARAGRAPH_CHARS
from npf_tui.core.sources.formats.base import ImportRejected, UnsupportedFormat
from npf_tui.core.sources.importing import drop_repeated_title, import_file
from npf_tui.core.sources.sniffing import decode_text, guess_language

ZH_TITLE = "发展新质生产力"
ZH_PARA = "新质生产力是创新起主导作用，摆脱传统经济增长方式、生产力发展路径的先进生产力质态。"
TW_TITLE = "發展新質生產力"
TW_PARA = "發展新質生產力是推動高質量發展的內在要求和重要著力點，必須繼續做好創新這篇大文章。"

HTML_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Electrolysers and New Productive Forces | Policy Review</title>
<meta property="og:title" content="Electrolysers and New Productive Forces">
<meta name="author" content="Jane Example">
<meta property="article:published_time" content="2024-03-15T08:00:00Z">
<meta property="og:site_name" content="Policy Review">
<meta property="og:url" content="https://policy.example.org/electrolysers">
</head><body>
<nav><a href="/">Home</a> <a href="/about">About us</a></nav>
<article>
<h1>Electrolysers and New Productive Forces</h1>
<p>The electrolyser factories in Inner Mongolia show how green hydrogen is becoming central to industrial policy.</p>
<p>Local officials describe the shift as a move from quantity to quality, with subsidies for advanced manufacturing.</p>
<p>新质生产力 is the term that ties these efforts together in official speeches about the region.</p>
</article>
<footer>Copyright 2024 Policy Review. All rights reserved.</footer>
</body></html>
"""


# ---- small generators for real files ---------------------------------------------------------------------------


def write_html(path: Path, html: str = HTML_PAGE, encoding: str = "utf-8") -> Path:
    """An HTML file in the given encoding."""
    path.write_bytes(html.encode(encoding))
    return path


def make_pdf(
    path: Path,
    pages: list[list[str]],
    *,
    cjk: bool = False,
    title: str | None = None,
    author: str | None = None,
    created: str | None = None,
) -> Path:
    """A real PDF with a text layer: each page's lines set 14pt apart, "" leaves an empty line (a paragraph gap).

    Latin text uses the standard Helvetica font; Chinese uses the predefined STSong-Light CID font with the
    UniGB-UTF16-H encoding, so no font file is needed (viewers substitute a system font).
    """
    from pypdf import PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    def n(name: str) -> NameObject:
        return NameObject(name)

    writer = PdfWriter()
    for lines in pages:
        page = writer.add_blank_page(width=595, height=842)
        if cjk:
            descriptor = DictionaryObject(
                {
                    n("/Type"): n("/FontDescriptor"),
                    n("/FontName"): n("/STSong-Light"),
                    n("/Flags"): NumberObject(4),
                    n("/FontBBox"): ArrayObject([NumberObject(0)] * 4),
                    n("/ItalicAngle"): NumberObject(0),
                    n("/Ascent"): NumberObject(880),
                    n("/Descent"): NumberObject(-120),
                    n("/CapHeight"): NumberObject(880),
                    n("/StemV"): NumberObject(80),
                }
            )
            cid = DictionaryObject(
                {
                    n("/Type"): n("/Font"),
                    n("/Subtype"): n("/CIDFontType0"),
                    n("/BaseFont"): n("/STSong-Light"),
                    n("/CIDSystemInfo"): DictionaryObject(
                        {
                            n("/Registry"): TextStringObject("Adobe"),
                            n("/Ordering"): TextStringObject("GB1"),
                            n("/Supplement"): NumberObject(4),
                        }
                    ),
                    n("/FontDescriptor"): writer._add_object(descriptor),
                }
            )
            font = DictionaryObject(
                {
                    n("/Type"): n("/Font"),
                    n("/Subtype"): n("/Type0"),
                    n("/BaseFont"): n("/STSong-Light"),
                    n("/Encoding"): n("/UniGB-UTF16-H"),
                    n("/DescendantFonts"): ArrayObject([writer._add_object(cid)]),
                }
            )
        else:
            font = DictionaryObject(
                {n("/Type"): n("/Font"), n("/Subtype"): n("/Type1"), n("/BaseFont"): n("/Helvetica")}
            )
        page[n("/Resources")] = DictionaryObject({n("/Font"): DictionaryObject({n("/F1"): writer._add_object(font)})})
        ops = ["BT", "/F1 11 Tf", "14 TL", "56 780 Td"]
        for line in lines:
            if not line:
                ops.append("T*")
            elif cjk:
                ops.append(f"<{line.encode('utf-16-be').hex()}> Tj T*")
            else:
                escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
                ops.append(f"({escaped}) Tj T*")
        ops.append("ET")
        stream = DecodedStreamObject()
        stream.set_data("\n".join(ops).encode("latin-1"))
        page[n("/Contents")] = writer._add_object(stream)
    meta = {k: v for k, v in (("/Title", title), ("/Author", author), ("/CreationDate", created)) if v}
    if meta:
        writer.add_metadata(meta)
    with open(path, "wb") as handle:
        writer.write(handle)
    return path


EN_PDF_PAGES = [
    [
        "Hydrogen Strategy Report",
        "",
        "The new quality productive forces agenda puts hydrogen electrolysers and advanced",
        "batteries at the centre of industrial policy in several northern provinces, where",
        "local governments compete for factories.",
        "",
        "A second paragraph explains how provincial funds support the semi-",
        "conductor industry and the training of engineers in every major city of the",
        "region.",
    ],
    ["Page two is about quantum computing laboratories."],
]

ZH_PDF_PAGES = [
    [
        ZH_TITLE,
        "",
        "新质生产力是创新起主导作用，摆脱传统经济增长方式、生产",
        "力发展路径，具有高科技、高效能、高质量特征的先进生产",
        "力质态。",
        "",
        "要加快发展氢能产业。",
    ]
]


def make_en_pdf(path: Path) -> Path:
    """The English test PDF with title, author and creation date."""
    return make_pdf(path, EN_PDF_PAGES, title="Hydrogen Strategy", author="Li Wei", created="D:20240315120000+08'00'")


def make_zh_pdf(path: Path) -> Path:
    """The Chinese test PDF (hard-wrapped lines in the middle of words)."""
    return make_pdf(path, ZH_PDF_PAGES, cjk=True, title="关于新质生产力", author="张三")


def make_docx(path: Path) -> Path:
    """A Word file with a heading, paragraphs, a table and core properties."""
    import docx

    document = docx.Document()
    document.add_heading("Quantum Computing Roadmap", level=1)
    document.add_paragraph("Hefei laboratories lead the national quantum computing programme.")
    document.add_paragraph("量子计算是新质生产力的重要方向。")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Budget"
    table.rows[0].cells[1].text = "12 billion yuan"
    props = document.core_properties
    props.title = "Quantum Roadmap"
    props.author = "Wang Fang"
    props.created = datetime(2024, 1, 31, 9, 30)
    document.save(path)
    return path


def text_bytes(encoding: str) -> bytes:
    """The Chinese sample text in an encoding (Big5 gets the traditional-character version)."""
    text = f"{TW_TITLE}\n\n{TW_PARA}\n" if encoding == "big5" else f"{ZH_TITLE}\n\n{ZH_PARA}\n"
    return text.encode(encoding)


# ---- HTML ------------------------------------------------------------------------------------------------------


def test_html_article_text_and_metadata(tmp_path):
    result = import_file(write_html(tmp_path / "page.html"))
    assert result.meta["title"] == "Electrolysers and New Productive Forces"
    assert result.meta["author"] == "Jane Example"
    assert result.meta["published"] == "2024-03-15"
    assert result.meta["outlet"] == "Policy Review"
    assert result.meta["url"] == "https://policy.example.org/electrolysers"
    assert result.meta["language"] == "en"
    text = "\n".join(result.paragraphs)
    assert any(p.startswith("The electrolyser factories in Inner Mongolia") for p in result.paragraphs)
    assert "新质生产力 is the term" in text
    assert "Copyright" not in text and "About us" not in text  # boilerplate left out


def test_html_without_metadata_invents_none(tmp_path):
    page = (
        "<html><head><title>Plain page</title></head><body><p>Only a short paragraph about hydrogen.</p>"
        "<p>And another one that is also short.</p></body></html>"
    )
    result = import_file(write_html(tmp_path / "plain.htm", page))
    assert result.meta["title"] == "Plain page"
    assert not {"author", "published", "outlet", "url"} & set(result.meta)


def test_html_in_gbk_with_declared_charset(tmp_path):
    page = (
        f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        f"<title>{ZH_TITLE}</title></head><body><article><p>{ZH_PARA}</p><p>{ZH_PARA}再次强调。</p>"
        "</article></body></html>"
    )
    result = import_file(write_html(tmp_path / "gb.html", page, "gb18030"))
    assert result.meta["title"] == ZH_TITLE
    assert ZH_PARA in result.paragraphs
    assert result.meta["language"] == "zh"


# ---- PDF -------------------------------------------------------------------------------------------------------


def test_pdf_paragraphs_rebuilt_and_metadata(tmp_path):
    result = import_file(make_en_pdf(tmp_path / "report.pdf"))
    assert result.meta == {
        "title": "Hydrogen Strategy",
        "author": "Li Wei",
        "published": "2024-03-15",
        "language": "en",
    }
    assert result.paragraphs == [
        "Hydrogen Strategy Report",
        "The new quality productive forces agenda puts hydrogen electrolysers and advanced batteries at the centre "
        "of industrial policy in several northern provinces, where local governments compete for factories.",
        "A second paragraph explains how provincial funds support the semiconductor industry and the training of "
        "engineers in every major city of the region.",
        "Page two is about quantum computing laboratories.",
    ]


def test_chinese_pdf_joins_lines_without_spaces(tmp_path):
    result = import_file(make_zh_pdf(tmp_path / "zh.pdf"))
    assert result.meta["title"] == "关于新质生产力"
    assert result.meta["author"] == "张三"
    assert "published" not in result.meta  # the PDF has no /CreationDate: none is made up
    assert result.meta["language"] == "zh"
    assert result.paragraphs == [
        ZH_TITLE,
        "新质生产力是创新起主导作用，摆脱传统经济增长方式、生产力发展路径，具有高科技、高效能、高质量特征的先进生产力质态。",
        "要加快发展氢能产业。",
    ]


def test_pdf_without_text_is_rejected(tmp_path):
    with pytest.raises(ImportRejected, match="no text layer"):
        import_file(make_pdf(tmp_path / "scan.pdf", [[]]))


def test_broken_pdf_is_rejected(tmp_path):
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer garbage")
    with pytest.raises(ImportRejected, match="PDF"):
        import_file(tmp_path / "broken.pdf")


# ---- DOCX ------------------------------------------------------------------------------------------------------


def test_docx_paragraphs_table_and_properties(tmp_path):
    result = import_file(make_docx(tmp_path / "roadmap.docx"))
    assert result.paragraphs == [
        "Quantum Computing Roadmap",
        "Hefei laboratories lead the national quantum computing programme.",
        "量子计算是新质生产力的重要方向。",
        "Budget | 12 billion yuan",
    ]
    assert result.meta["title"] == "Quantum Roadmap"
    assert result.meta["author"] == "Wang Fang"
    assert result.meta["published"] == "2024-01-31"


def test_not_really_a_docx(tmp_path):
    (tmp_path / "fake.docx").write_text("this is plain text with a .docx name")
    with pytest.raises(ImportRejected, match="not a readable .docx"):
        import_file(tmp_path / "fake.docx")


# ---- text, encodings, rejections -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-be", "utf-16-le", "gb18030", "gbk", "big5"]
)
def test_text_encodings_arrive_as_correct_text(tmp_path, encoding):
    data = text_bytes(encoding)
    if encoding == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    elif encoding == "utf-16-le":
        data = codecs.BOM_UTF16_LE + data
    path = tmp_path / f"{encoding}.txt"
    path.write_bytes(data)
    result = import_file(path)
    title, para = (TW_TITLE, TW_PARA) if encoding == "big5" else (ZH_TITLE, ZH_PARA)
    assert result.meta["title"] == title
    assert result.paragraphs == [para]  # the heading line is the title, not ¶1 as well
    assert result.meta["language"] == "zh"


def test_very_short_gb18030_text_is_not_taken_for_big5(tmp_path):
    (tmp_path / "short.txt").write_bytes("氢能产业".encode("gb18030"))
    assert import_file(tmp_path / "short.txt").paragraphs == ["氢能产业"]


def test_short_big5_text_whose_gb18030_reading_is_all_common_characters(tmp_path):
    # Found by the Big5 round-trip property: read as GB18030 these bytes are 暗暗暗承笆㎝, five level-1 characters
    # and a unit symbol; the symbol is what gives the wrong reading away.
    (tmp_path / "short.txt").write_bytes("做做做創動和".encode("big5"))
    assert import_file(tmp_path / "short.txt").paragraphs == ["做做做創動和"]


def test_windows_1252_english(tmp_path):
    (tmp_path / "w.txt").write_bytes("Café society and naïve résumés.\n".encode("cp1252"))
    assert import_file(tmp_path / "w.txt").paragraphs == ["Café society and naïve résumés."]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"   \n\n\t\n", "empty"),
        (bytes(range(256)) * 4, "binary"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (bytes(range(0x80, 0x100)) * 8, "cannot tell the text encoding"),
        (codecs.BOM_UTF8 + b"abc \xff\xfe broken", "not valid UTF-8-SIG"),
    ],
)
def test_unreadable_files_are_rejected_not_indexed_as_mojibake(tmp_path, data, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    with pytest.raises(ImportRejected, match=message):
        import_file(path)


def test_unsupported_type(tmp_path):
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    with pytest.raises(UnsupportedFormat, match="unsupported file type '.jpg'"):
        import_file(tmp_path / "photo.jpg")


def test_missing_file(tmp_path):
    with pytest.raises(ImportRejected, match="not found"):
        import_file(tmp_path / "gone.txt")


def test_text_without_blank_lines_is_one_paragraph_per_line(tmp_path):
    lines = "第一条　为了促进新质生产力发展，制定本办法。\n第二条　本办法适用于全国。\n"
    (tmp_path / "rules.txt").write_bytes(lines.encode("gbk"))
    result = import_file(tmp_path / "rules.txt")
    assert result.paragraphs == ["第一条　为了促进新质生产力发展，制定本办法。", "第二条　本办法适用于全国。"]
    assert result.encoding == "gb18030"


def test_markdown_front_matter_is_kept(tmp_path):
    (tmp_path / "note.md").write_text(
        "---\ntitle: Notes on AI+\ndate: 2024-03-05\nauthor: Chen Li\ntags: [ai, policy]\n---\n\n"
        "# Notes on AI+\n\nThe AI+ initiative links models to factories.\n",
        encoding="utf-8",
    )
    result = import_file(tmp_path / "note.md")
    assert result.meta["title"] == "Notes on AI+"
    assert result.meta["published"] == "2024-03-05"
    assert result.meta["author"] == "Chen Li"
    assert result.meta["tags"] == "ai; policy"
    assert result.paragraphs == ["The AI+ initiative links models to factories."]


def test_title_falls_back_to_file_name_when_first_line_is_long(tmp_path):
    (tmp_path / "long-note.txt").write_text("word " * 100, encoding="utf-8")
    assert import_file(tmp_path / "long-note.txt").meta["title"] == "long-note"


def test_huge_paragraph_is_split_without_losing_text(tmp_path):
    sentence = "Provinces expand hydrogen pilot zones quickly. "
    text = sentence * (1_000_000 // len(sentence))
    (tmp_path / "huge.txt").write_text(text, encoding="utf-8")
    result = import_file(tmp_path / "huge.txt")
    assert len(result.paragraphs) > 1
    assert all(len(p) <= MAX_PARAGRAPH_CHARS for p in result.paragraphs)
    assert " ".join(result.paragraphs).split() == text.split()


def test_guess_language():
    assert guess_language(ZH_PARA) == "zh"
    assert guess_language("The term 新质生产力 appears once in this otherwise English sentence.") == "en"
    assert (
        guess_language("新质生产力（new quality productive forces）是习近平总书记提出的重要概念，具有高科技特征。")
        == "zh"
    )


COMMON_SIMPLIFIED = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种"
    "面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本"
    "去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比"
    "或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总"
    "次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做"
    "必战先回则任取据处理世"
)
TRADITIONAL = (
    "發展新質生產力是推動高質量發展的內在要求和重要著力點必須繼續做好創新這篇大文章國家經濟與會議實現現代化產業體系數字"
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=COMMON_SIMPLIFIED + "，。", min_size=6, max_size=200))
def test_gb18030_roundtrip_property(text):
    """Any simplified-Chinese text of a few words comes back exactly from its GB18030 bytes."""
    if sum(ch not in "，。" for ch in text) < 6:
        return
    decoded, encoding = decode_text(text.encode("gb18030"))
    assert decoded == text, encoding


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=TRADITIONAL + "，。", min_size=6, max_size=200))
def test_big5_roundtrip_property(text):
    """Any traditional-Chinese text of a few words comes back exactly from its Big5 bytes."""
    if sum(ch not in "，。" for ch in text) < 6:
        return
    # One character repeated ('做做做做做做') is a byte pair that is also common GB18030 text ('暗暗…'): no detector
    # can tell them apart, and no real document looks like that. Real text has several different characters.
    assume(len(set(text) - set("，。")) >= 4)
    decoded, encoding = decode_text(text.encode("big5"))
    assert decoded == text, encoding


@settings(max_examples=80, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn")), min_size=1, max_size=300))
def test_utf_roundtrip_property(text):
    """Text without control characters survives UTF-8 and UTF-16 (with BOM) unchanged (a leading U+FEFF is a BOM)."""
    assume(not text.startswith("\ufeff"))
    for encoding in ("utf-8", "utf-16", "utf-8-sig"):
        decoded, _ = decode_text(text.encode(encoding))
        assert decoded == text


# ---- the title is not ¶1 as well (issue 18) ----------------------------------------------------------------------


def test_html_h1_repeating_the_title_is_not_paragraph_one(tmp_path):
    result = import_file(write_html(tmp_path / "page.html"))
    assert result.meta["title"] == "Electrolysers and New Productive Forces"
    assert result.paragraphs[0].startswith("The electrolyser factories in Inner Mongolia")
    assert all(p != "Electrolysers and New Productive Forces" for p in result.paragraphs)


def test_docx_title_paragraph_is_the_title_not_paragraph_one(tmp_path):
    import docx

    document = docx.Document()
    document.add_heading("Quantum  Plan 量子计划", level=0)  # Word's Title style; no title property
    document.add_paragraph("Hefei laboratories lead the national quantum computing programme.")
    document.add_paragraph("量子计算是新质生产力的重要方向。")
    document.save(tmp_path / "plan.docx")
    result = import_file(tmp_path / "plan.docx")
    assert result.meta["title"] == "Quantum  Plan 量子计划"
    assert result.paragraphs == [
        "Hefei laboratories lead the national quantum computing programme.",
        "量子计算是新质生产力的重要方向。",
    ]


def test_docx_heading_different_from_the_title_property_stays(tmp_path):
    result = import_file(make_docx(tmp_path / "quantum.docx"))  # title property "Quantum Roadmap"
    assert result.meta["title"] == "Quantum Roadmap"
    assert result.paragraphs[0] == "Quantum Computing Roadmap"


def test_markdown_heading_is_the_title_not_paragraph_one(tmp_path):
    (tmp_path / "note.md").write_text("#  Kestrel Report\n\nKestrelmoth sightings rose in Hefei.\n", encoding="utf-8")
    result = import_file(tmp_path / "note.md")
    assert result.meta["title"] == "Kestrel Report"
    assert result.paragraphs == ["Kestrelmoth sightings rose in Hefei."]


def test_pdf_first_line_equal_to_its_title_is_not_paragraph_one(tmp_path):
    first_line = EN_PDF_PAGES[0][0]  # "Hydrogen Strategy Report"
    result = import_file(make_pdf(tmp_path / "h.pdf", EN_PDF_PAGES, title=first_line.upper()))  # case differs
    assert result.meta["title"] == first_line.upper()
    assert first_line not in result.paragraphs[0]
    assert result.paragraphs[0].startswith("The new quality productive forces agenda")


def test_full_width_and_traditional_title_line_is_recognised(tmp_path):
    (tmp_path / "zh.md").write_text(f"---\ntitle: {ZH_TITLE}\n---\n\n{TW_TITLE}\n\n{ZH_PARA}\n", encoding="utf-8")
    assert import_file(tmp_path / "zh.md").paragraphs == [ZH_PARA]


def test_a_first_sentence_taken_as_title_stays_paragraph_one(tmp_path):
    text = "The State Council issued new hydrogen rules today.\n\nProvinces must report by June.\n"
    (tmp_path / "news.txt").write_text(text, encoding="utf-8")
    result = import_file(tmp_path / "news.txt")
    assert result.meta["title"] == "The State Council issued new hydrogen rules today."
    assert result.paragraphs == ["The State Council issued new hydrogen rules today.", "Provinces must report by June."]


def test_a_document_that_is_only_its_title_keeps_it(tmp_path):
    (tmp_path / "t.md").write_text("# Hydrogen\n", encoding="utf-8")
    assert import_file(tmp_path / "t.md").paragraphs == ["# Hydrogen"]


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.text(min_size=1, max_size=30).filter(str.strip), min_size=1, max_size=5),
    st.text(min_size=1, max_size=30),
)
def test_dropping_the_title_only_ever_takes_the_first_line(paragraphs, title):
    out = drop_repeated_title(paragraphs, title)
    assert out  # never the whole text
    if out != paragraphs:
        first, _, rest = paragraphs[0].partition("\n")
        assert out == ([rest.strip()] if rest.strip() else []) + paragraphs[1:]
        assert fold(first) == fold(title) != ""  # and only when that line is the title


def fold(text: str) -> str:
    """A title or a line as a reader compares them: no heading marks or spaces; case, width and script folded."""
    from npf_tui.core.text.textnorm import normalize

    return "".join(normalize(text.strip().lstrip("#")).split())
