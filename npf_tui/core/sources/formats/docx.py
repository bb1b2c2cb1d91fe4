"""Word (.docx) files: paragraphs and table rows in document order, and the core properties.

A .docx is a zip archive, and 100 MB on disk (importing's limit) says little about what it unpacks to: a 780 KB file
held 800 MB of XML, and a 300 KB one held 3 million paragraphs; python-docx builds the whole tree first, and the
import was refused (as too many paragraphs) only after 33 s and 2.3 GB, and 169 s and 1.8 GB. So before python-docx
sees the file, the archive's directory and then the main document's XML, streamed, are checked against the bounds
below; the two bombs are now refused in 1 ms and 0.26 s, in under 30 MB (tests/test_hostile_imports.py).
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from typing import IO

from npf_tui.core.sources.corpus import MAX_DOCUMENT_BYTES, MAX_PARAGRAPHS
from npf_tui.core.sources.formats.base import ImportedText, ImportRejected

#: What all the archive's parts may unpack to together (python-docx holds every part in memory, and parses the XML
#: ones): the same bound as a file on disk. A Word file's text and markup compress about 5 to 20 times; its images
#: hardly at all, so a real document reaches this only when the file itself is near that size.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
#: Parts in the archive: a document with thousands of images has a few thousand; each is loaded.
MAX_PARTS = 10_000
#: Paragraph elements (w:p) anywhere in the main document, empty ones and those in table cells included. Counting
#: only what becomes a paragraph (below) would let millions of empty or cell paragraphs through to python-docx.
MAX_PARAGRAPH_ELEMENTS = 10 * MAX_PARAGRAPHS
#: The main document part when the package relationships do not name one.
_DEFAULT_MAIN = "word/document.xml"
#: The package relationships are a few hundred bytes; larger ones are not read.
_MAX_RELS_BYTES = 1024 * 1024
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_P, _TR, _TBL, _T = f"{_W}p", f"{_W}tr", f"{_W}tbl", f"{_W}t"


def read_docx(data: bytes) -> ImportedText:
    """A Word file: its paragraphs and table rows in order; core properties title, author and created date."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            main = _check_archive(archive)
            with archive.open(main) as stream:
                _check_document(stream)
    except ImportRejected:
        raise
    except Exception as exc:  # zipfile, zlib and lxml errors: a damaged or fake archive
        raise ImportRejected(f"not a readable .docx file ({type(exc).__name__})") from None
    return _read_checked(data)


def _read_checked(data: bytes) -> ImportedText:
    """Read a .docx that passed the bounds with python-docx."""
    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ImportRejected(f"not a readable .docx file ({type(exc).__name__})") from None
    except Exception as exc:  # python-docx raises its own PackageNotFoundError and lxml errors
        raise ImportRejected(f"not a readable .docx file ({type(exc).__name__})") from None
    paragraphs: list[str] = []
    styled_title = ""  # the text of the first paragraph in Word's Title style
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells = list(dict.fromkeys(c.text.strip() for c in row.cells if c.text.strip()))
                if cells:
                    paragraphs.append(" | ".join(cells))
        elif block.text.strip():
            if not styled_title and _is_title_style(block):
                styled_title = block.text.strip()
            paragraphs.append(block.text)
    props = document.core_properties
    # The core property first (what Word shows as the file's title), else the Title paragraph: a document's own
    # heading, which import_file then keeps out of ¶1.
    meta = {"title": props.title or styled_title, "author": props.author or ""}
    if isinstance(props.created, (datetime, date)):
        meta["published"] = (
            props.created.date().isoformat() if isinstance(props.created, datetime) else props.created.isoformat()
        )
    return ImportedText(paragraphs=paragraphs, meta=meta)


def _is_title_style(paragraph) -> bool:
    """True for a paragraph in Word's Title style (by its built-in id, so a translated style name counts too)."""
    try:
        style = paragraph.style
    except (KeyError, ValueError):  # a style id the styles part does not define
        return False
    return style is not None and (style.style_id == "Title" or (style.name or "").lower() == "title")


def _check_archive(archive: zipfile.ZipFile) -> str:
    """Refuse an archive whose directory promises too much (nothing is decompressed but the small package
    relationships); returns the name of the main document part.

    The sizes in the directory can be trusted as bounds: zipfile stops reading a member at its recorded size and
    fails its CRC check if the data goes on, so a part cannot unpack to more than the directory says.
    """
    infos = archive.infolist()
    if len(infos) > MAX_PARTS:
        raise ImportRejected(f"not a real Word file: its archive holds {len(infos)} parts (at most {MAX_PARTS})")
    total = sum(info.file_size for info in infos)
    if total > MAX_UNPACKED_BYTES:
        biggest = max(infos, key=lambda info: info.file_size)
        raise ImportRejected(
            f"the .docx unpacks to {_mb(total)} MB (at most {_mb(MAX_UNPACKED_BYTES)} MB; "
            f"{biggest.filename} alone is {_mb(biggest.file_size)} MB): a zip bomb, not a real Word file"
        )
    return _main_part(archive)


def _main_part(archive: zipfile.ZipFile) -> str:
    """The main document part the package relationships name (as python-docx finds it), else word/document.xml."""
    from lxml import etree

    try:
        info = archive.getinfo("_rels/.rels")
    except KeyError:
        return _DEFAULT_MAIN
    if info.file_size > _MAX_RELS_BYTES:
        raise ImportRejected("not a real Word file: its package relationships are over 1 MB")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    root = etree.fromstring(archive.read(info), parser=parser)
    for rel in root:
        if str(rel.get("Type", "")).endswith("/officeDocument") and rel.get("TargetMode") != "External":
            target = str(rel.get("Target", "")).lstrip("/")
            if target in archive.namelist():
                return target
    return _DEFAULT_MAIN


def _check_document(stream: IO[bytes]) -> None:
    """Stream the main document's XML, counting what becomes paragraphs (paragraphs with text outside tables, and
    table rows with text) and every paragraph element, and the characters of its text; refuse it as soon as one
    passes its bound, in memory that does not grow with the document (each element is freed when it ends).

    The count can only exceed what python-docx yields (a paragraph in a content control or a text box is counted
    too), and ingest checks the real paragraphs again, so nothing the corpus accepts is refused here by mistake.
    """
    from lxml import etree

    paragraphs = elements = chars = 0
    tables = depth = 0  # nesting of w:tbl and of w:p
    has_text = False  # in the current top-level paragraph or table row
    events = etree.iterparse(
        stream,
        events=("start", "end"),
        tag=(_P, _TR, _TBL, _T),
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
    )
    for event, element in events:
        tag = element.tag
        if event == "start":
            if tag == _P:
                depth += 1
            elif tag == _TBL:
                tables += 1
            continue
        if tag == _T:
            text = element.text
            if text:
                chars += len(text)
                has_text = has_text or not text.isspace()
        elif tag == _P:
            depth -= 1
            elements += 1
            if depth == 0 and tables == 0:
                paragraphs += has_text
                has_text = False
        elif tag == _TR:
            if tables == 1 and depth == 0:
                paragraphs += has_text
                has_text = False
        elif tag == _TBL:
            tables -= 1
        if paragraphs > MAX_PARAGRAPHS or elements > MAX_PARAGRAPH_ELEMENTS:
            raise ImportRejected(
                f"too many paragraphs (more than {MAX_PARAGRAPHS}"
                + (f" with text, or {MAX_PARAGRAPH_ELEMENTS} in all" if elements > MAX_PARAGRAPH_ELEMENTS else "")
                + "): split the file into several"
            )
        if chars > MAX_DOCUMENT_BYTES:
            raise ImportRejected(
                f"too large for one document (over {MAX_DOCUMENT_BYTES // 2**20} MB of text): "
                "split the file into several"
            )
        # Done with this element: free it and the finished siblings before it.
        element.clear(keep_tail=True)
        if tag != _T:
            while element.getprevious() is not None:
                del element.getparent()[0]


def _mb(size: int) -> int:
    """Bytes as whole megabytes, rounded up (so a bound exceeded never reads as equal to it)."""
    return -(-size // (1024 * 1024))
