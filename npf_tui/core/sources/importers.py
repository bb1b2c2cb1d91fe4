"""Read one source file (.txt, .md, .html, .pdf, .docx) into paragraphs and the metadata the file itself gives."""

from __future__ import annotations

import codecs
import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

from npf_tui.core.errors import NpfError
from npf_tui.core.sources.corpus import MAX_PARAGRAPH_CHARS, split_long

#: Extensions `import_file` understands, and the reader used for each.
SUPPORTED_SUFFIXES = {
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".pdf": "pdf",
    ".docx": "docx",
}
#: Files larger than this are refused: a policy source is never this big, a disk image or a video might be.
MAX_FILE_BYTES = 100 * 1024 * 1024
#: Paragraphs longer than this (characters) are cut at sentence ends so the index and the reader stay responsive.

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
_CJK_OR_FULLWIDTH = re.compile(
    r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0002ffff]"
)
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_ENDS_SENTENCE = re.compile(r"[.!?:;。！？：；…][\"'”’」』)）]*$")
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_FRONT_ALIASES = {
    "date": "published",
    "lang": "language",
    "site": "outlet",
    "site_name": "outlet",
    "sitename": "outlet",
    "source": "outlet",
    "link": "url",
    "authors": "author",
}
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CHINESE_FAMILY = ("gb18030", "big5")
_SINGLE_BYTE = re.compile(r"^(cp12\d\d|iso8859_\d+|latin_1|mac_\w+|cp8\d\d)$")


class ImportRejected(NpfError):
    """A file that cannot be imported (empty, binary, undecodable, unreadable); the message is the one-line reason."""


class UnsupportedFormat(ImportRejected):
    """A file whose kind npf does not import (judged by its extension)."""


@dataclass
class ImportedText:
    """What one source file gave: its paragraphs and its metadata (standard keys plus any extra front matter)."""

    paragraphs: list[str]
    meta: dict[str, str] = field(default_factory=dict)
    encoding: str = ""  # the text encoding detected, for text-like files


def import_file(path: Path) -> ImportedText:
    """Read `path` by its extension; raises ImportRejected (or UnsupportedFormat) with a one-line reason."""
    path = Path(path)
    kind = SUPPORTED_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise UnsupportedFormat(f"unsupported file type '{path.suffix or path.name}'")
    data = _read_bytes(path)
    if not data.strip():
        raise ImportRejected("empty file")
    reader = {
        "text": _import_text,
        "markdown": _import_markdown,
        "html": _import_html,
        "pdf": _import_pdf,
        "docx": _import_docx,
    }[kind]
    result = reader(data)
    result.paragraphs = _limit_paragraphs([p for p in (_clean(p) for p in result.paragraphs) if p])
    if not result.paragraphs:
        raise ImportRejected("no text found in the file")
    meta = {k: _clean(v) for k, v in result.meta.items() if _clean(v)}
    if not meta.get("title"):
        meta["title"] = _title_from(result.paragraphs, path)
    if not meta.get("language"):
        meta["language"] = guess_language("\n".join(result.paragraphs[:200]))
    result.meta = meta
    return result


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, with reading problems turned into one-line reasons."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ImportRejected(
                f"file too large ({size // (1024 * 1024)} MB; the limit is {MAX_FILE_BYTES // (1024 * 1024)} MB)"
            )
        return path.read_bytes()
    except FileNotFoundError:
        raise ImportRejected("file not found (it may have been moved or deleted)") from None
    except IsADirectoryError:
        raise ImportRejected("is a folder, not a file") from None
    except OSError as exc:
        raise ImportRejected(f"cannot read the file ({exc.strerror or exc})") from None


# ---- text decoding -------------------------------------------------------------------------------------------------


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode file bytes to text, returning (text, encoding); raises ImportRejected rather than produce mojibake.

    Byte-order marks decide first; then strict UTF-8; then charset-normalizer's candidates together with GB18030 and
    Big5, which are told apart by how many of the decoded ideographs are common Chinese characters (a wrong reading of
    either encoding as the other yields mostly rare characters).
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _checked(data.decode(encoding), encoding), encoding
            except UnicodeDecodeError:
                raise ImportRejected(
                    f"not valid {encoding.upper()} text although it starts with its byte-order mark"
                ) from None
    if b"\x00" in data:
        raise ImportRejected("binary file (contains NUL bytes), not text")
    try:
        return _checked(data.decode("utf-8"), "utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    guesses = [m.encoding for m in from_bytes(data)]
    if "cp1252" in guesses and guesses[0] != "cp1252" and _SINGLE_BYTE.match(guesses[0]):
        # Short Western texts fit several code pages equally well; Windows-1252 is by far the likeliest of them.
        guesses.insert(0, "cp1252")
    readings: list[tuple[str, str, int, float]] = []  # (encoding, text, cjk count, commonness)
    for encoding in dict.fromkeys(guesses + list(_CHINESE_FAMILY)):
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        if _bad_char_ratio(text) > 0.001:
            continue
        cjk = len(_CJK.findall(text))
        readings.append((encoding, text, cjk, _chinese_commonness(text) if cjk else 0.0))
    chinese = [r for r in readings if r[2] >= 2 and r[3] >= 0.8]
    if chinese:
        if len(chinese) > 1:
            # Both readings look like Chinese only for very short texts; there the likelier characters decide. On a
            # tie GB18030 wins: mainland sources are the commoner case.
            best = max(chinese, key=lambda r: (_character_likelihood(r[1]), r[3], r[0] == "gb18030"))
        else:
            best = chinese[0]
        return best[1], best[0]
    for encoding, text, cjk, common in readings:
        if encoding in guesses and (cjk < 2 or common >= 0.5):
            return text, encoding
    raise ImportRejected(
        "cannot tell the text encoding (not UTF-8, UTF-16, GB18030/GBK or Big5); "
        "convert the file to UTF-8 and add it again"
    )


def _checked(text: str, encoding: str) -> str:
    """The text, unless it is full of control characters (a binary file that happens to decode)."""
    if _bad_char_ratio(text) > 0.001:
        raise ImportRejected(f"binary or damaged file (control characters in its {encoding} text)")
    return text


def _bad_char_ratio(text: str) -> float:
    """The share of characters that never occur in real text: controls, U+FFFD, private-use, unassigned code points."""
    if not text:
        return 0.0
    bad = 0
    for ch in text:
        if ch in "\t\n\r\f\v\x1a\x85":
            continue
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Co", "Cn", "Cs") or ch == "\ufffd":
            bad += 1
    return bad / len(text)


def _chinese_commonness(text: str) -> float:
    """Share of the text's non-ASCII letters that are among the 3,755 most common Chinese characters (after t2s).

    Counting every non-ASCII letter (not only ideographs) makes Korean or Japanese misreadings, which mix a few
    ideographs with Hangul or kana, score low.
    """
    import opencc

    sample = text[:40_000]
    letters = [ch for ch in sample if ord(ch) > 127 and ch.isalpha()]
    if not letters:
        return 0.0
    # Symbols among ideographs (㎝, ㏑, ╝) are what a wrong reading of the other encoding's bytes produces and rarely
    # what a writer typed: they count as uncommon, which settles very short texts where both readings are all
    # level-1 characters (Big5 做做做創動和 read as GB18030 is 暗暗暗承笆㎝).
    symbols = sum(1 for ch in sample if ord(ch) > 127 and unicodedata.category(ch) == "So")
    simplified = opencc.OpenCC("t2s").convert("".join(letters))
    common = 0
    for ch in simplified:
        try:
            encoded = ch.encode("gb2312")
        except UnicodeEncodeError:
            continue
        # GB2312 level 1 (lead bytes B0-D7) holds the most frequent characters.
        common += len(encoded) == 2 and 0xB0 <= encoded[0] <= 0xD7
    return common / (len(simplified) + symbols)


@lru_cache(maxsize=1)
def _character_log_frequencies() -> dict[str, float]:
    """log(1 + frequency) of each Simplified character, summed over the words of jieba's dictionary that contain it.

    Read only when two encodings give plausible Chinese (about 0.4 s, once per process).
    """
    import jieba

    counts: dict[str, int] = {}
    try:
        with open(Path(jieba.__file__).with_name("dict.txt"), encoding="utf-8") as lines:
            for line in lines:
                word, freq = line.split(" ", 2)[:2]
                weight = int(freq)
                for ch in word:
                    counts[ch] = counts.get(ch, 0) + weight
    except (OSError, ValueError):  # a jieba packaged without its dictionary: every reading ties (GB18030 wins)
        return {}
    return {ch: math.log1p(n) for ch, n in counts.items()}


def _character_likelihood(text: str) -> float:
    """Mean log frequency of the text's non-ASCII letters and symbols (symbols score 0): higher is likelier Chinese."""
    import opencc

    sample = [ch for ch in text[:40_000] if ord(ch) > 127 and (ch.isalpha() or unicodedata.category(ch) == "So")]
    if not sample:
        return 0.0
    table = _character_log_frequencies()
    simplified = opencc.OpenCC("t2s").convert("".join(sample))
    return sum(table.get(ch, 0.0) for ch in simplified) / len(simplified)


def guess_language(text: str) -> str:
    """'zh' when Chinese characters carry a fair share of the text, else 'en'.

    A Chinese word takes about two characters and an English one about six letters, so ideographs are weighed against a
    third of the Latin letters.
    """
    cjk = len(_CJK.findall(text))
    latin = len(_LATIN.findall(text))
    return "zh" if cjk and cjk * 3 >= latin else "en"


# ---- the readers ---------------------------------------------------------------------------------------------------


def _import_text(data: bytes) -> ImportedText:
    """Plain text: paragraphs split at blank lines, or at every line when the file has no blank lines at all."""
    text, encoding = decode_text(data)
    return ImportedText(paragraphs=_text_paragraphs(text), encoding=encoding)


def _text_paragraphs(text: str) -> list[str]:
    """Paragraphs of plain text (Chinese government texts often put one paragraph per line with no blank lines)."""
    from npf_tui.core.sources.corpus import split_paragraphs

    paragraphs = split_paragraphs(text)
    if len(paragraphs) == 1 and "\n" in paragraphs[0]:
        paragraphs = [line.strip() for line in paragraphs[0].split("\n") if line.strip()]
    return paragraphs


def _import_markdown(data: bytes) -> ImportedText:
    """Markdown: its YAML front matter (if any) becomes metadata, the body is split at blank lines."""
    from npf_tui.core.sources.corpus import as_text, split_front_matter

    text, encoding = decode_text(data)
    try:
        front, body = split_front_matter(text)
    except NpfError:
        front, body = {}, text  # a stray '---' line is text, not broken metadata
    meta: dict[str, str] = {}
    for key, value in front.items():
        key = _FRONT_ALIASES.get(str(key).lower(), str(key))
        if key not in meta or not meta[key]:
            meta[key] = as_text(value)
    paragraphs = _text_paragraphs(body)
    if not meta.get("title") and paragraphs and paragraphs[0].startswith("#"):
        meta["title"] = paragraphs[0].split("\n")[0].lstrip("#").strip()
    return ImportedText(paragraphs=paragraphs, meta=meta, encoding=encoding)


def _import_html(data: bytes) -> ImportedText:
    """A saved web page: the article text and its metadata, taken out by trafilatura."""
    import trafilatura

    html, encoding = _decode_html(data)
    try:
        doc = trafilatura.bare_extraction(
            html, with_metadata=True, favor_recall=True, include_comments=False, include_tables=True
        )
    except Exception as exc:  # trafilatura raises assorted parser errors on malformed pages
        raise ImportRejected(f"cannot parse the HTML ({type(exc).__name__})") from None
    text = (doc.text if doc is not None else "") or trafilatura.html2txt(html) or ""
    meta: dict[str, str] = {}
    if doc is not None:
        for key, attr in (
            ("title", "title"),
            ("author", "author"),
            ("published", "date"),
            ("outlet", "sitename"),
            ("url", "url"),
        ):
            value = getattr(doc, attr, None)
            if value:
                meta[key] = str(value)
        if doc.language:
            meta["language"] = "zh" if doc.language.startswith("zh") else doc.language
    paragraphs = [line.strip() for line in text.split("\n") if line.strip()]
    return ImportedText(paragraphs=paragraphs, meta=meta, encoding=encoding)


def _decode_html(data: bytes) -> tuple[str, str]:
    """An HTML page's text: its declared charset when that decodes cleanly, otherwise detection as for text files."""
    match = _META_CHARSET.search(data[:4096])
    if match and not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        declared = match.group(1).decode("ascii").lower()
        if declared in ("gb2312", "gbk", "x-gbk"):
            declared = "gb18030"  # pages labelled GB2312 routinely use GBK characters
        try:
            return _checked(data.decode(declared), declared), declared
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_text(data)


def _import_pdf(data: bytes) -> ImportedText:
    """A PDF: text page by page, hard-wrapped lines joined back into paragraphs; /Title, /Author, /CreationDate."""
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception:
                raise ImportRejected("the PDF is encrypted") from None
        paragraphs: list[str] = []
        for page in reader.pages:
            paragraphs.extend(_pdf_page_paragraphs(page))
        info = reader.metadata
    except ImportRejected:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise ImportRejected(f"cannot read the PDF ({type(exc).__name__}: {str(exc)[:80]})") from None
    meta: dict[str, str] = {}
    if info is not None:
        for key, attr in (("title", "title"), ("author", "author")):
            try:
                value = getattr(info, attr)
            except Exception:
                value = None
            if value:
                meta[key] = str(value)
        try:
            created = info.creation_date
        except Exception:  # a malformed date string in the PDF is not worth rejecting the file for
            created = None
        if created:
            meta["published"] = created.date().isoformat()
    if not paragraphs:
        raise ImportRejected("the PDF has no text layer (a scan?); run OCR on it first")
    return ImportedText(paragraphs=paragraphs, meta=meta)


@dataclass
class _PdfLine:
    """One text line of a PDF page with where it starts (x, y) and its font size."""

    x: float
    y: float
    size: float
    text: str = ""


_PAGE_NUMBER = re.compile(r"^[\s\-\u2013\u2014\u2212第页]*\d{1,4}[\s\-\u2013\u2014\u2212页]*$")


def _pdf_page_paragraphs(page) -> list[str]:
    """Paragraphs of one PDF page, rebuilt from its lines.

    A paragraph ends at a blank line, a vertical gap clearly wider than the usual line spacing, a line that is
    indented further than the usual left margin (first-line indents), or after a sentence-ending line clearly shorter
    than the longest (the last line of a hard-wrapped paragraph).
    """
    lines: list[_PdfLine] = []
    current: list[_PdfLine | None] = [None]

    def visit(text, cm, tm, font_dict, font_size):
        """Collect text pieces into lines, remembering where each line starts."""
        if not text:
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        size = abs(font_size * tm[3] * cm[3]) or 10.0
        pieces = text.split("\n")
        for i, piece in enumerate(pieces):
            if i == len(pieces) - 1 and not piece:
                break
            if current[0] is None:
                current[0] = _PdfLine(x, y, size)
                lines.append(current[0])
            current[0].text += piece
            if i < len(pieces) - 1:
                current[0] = None

    page.extract_text(visitor_text=visit)
    for line in lines:
        line.text = re.sub(r"[ \t]+", " ", line.text).strip()
    while lines and not lines[-1].text:
        lines.pop()
    # Running page numbers at the top or bottom of a page are not part of the text.
    for edge in (0, -1):
        if lines and _PAGE_NUMBER.match(lines[edge].text):
            lines.pop(edge)
    texts = [ln for ln in lines if ln.text]
    if not texts:
        return []
    gaps = sorted(a.y - b.y for a, b in pairwise(texts) if a.y - b.y > 0.1)
    spacing = gaps[len(gaps) // 4] if gaps else 0.0  # a low quantile: paragraph gaps must not count
    xs = sorted(round(ln.x) for ln in texts)
    margin = max(set(xs), key=xs.count)
    widest = max(_display_width(ln.text) for ln in texts)
    paragraphs: list[list[str]] = []
    prev: _PdfLine | None = None
    for line in lines:
        if not line.text:
            prev = None
            continue
        new = prev is None
        if prev is not None:
            gap = prev.y - line.y
            if (
                spacing
                and (gap > spacing * 1.4 or gap < -spacing * 0.5)
                or round(line.x) - margin > line.size * 0.8
                or _display_width(prev.text) < widest * 0.75
                and (not spacing or _ENDS_SENTENCE.search(prev.text))
            ):
                new = True
        if new:
            paragraphs.append([line.text])
        else:
            paragraphs[-1].append(line.text)
        prev = line
    return [_join_lines(p) for p in paragraphs]


def _display_width(text: str) -> int:
    """Width in half-width cells (an ideograph counts twice), to compare line lengths across scripts."""
    return len(text) + len(_CJK_OR_FULLWIDTH.findall(text))


def _join_lines(lines: list[str]) -> str:
    """Join hard-wrapped lines: no space next to Chinese text, hyphenated English words mended, else one space."""
    out = lines[0]
    for line in lines[1:]:
        if not out:
            out = line
        elif out.endswith("-") and len(out) > 1 and out[-2].isalpha() and line[:1].islower():
            out = out[:-1] + line
        elif _CJK_OR_FULLWIDTH.match(out[-1]) or _CJK_OR_FULLWIDTH.match(line[0]):
            out += line
        else:
            out += " " + line
    return out


def _import_docx(data: bytes) -> ImportedText:
    """A Word file: its paragraphs and table rows in order; core properties title, author and created date."""
    import io
    import zipfile

    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ImportRejected(f"not a readable .docx file ({type(exc).__name__})") from None
    except Exception as exc:  # python-docx raises its own PackageNotFoundError and lxml errors
        raise ImportRejected(f"not a readable .docx file ({type(exc).__name__})") from None
    paragraphs: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells = list(dict.fromkeys(c.text.strip() for c in row.cells if c.text.strip()))
                if cells:
                    paragraphs.append(" | ".join(cells))
        elif block.text.strip():
            paragraphs.append(block.text)
    props = document.core_properties
    meta = {"title": props.title or "", "author": props.author or ""}
    if isinstance(props.created, (datetime, date)):
        meta["published"] = (
            props.created.date().isoformat() if isinstance(props.created, datetime) else props.created.isoformat()
        )
    return ImportedText(paragraphs=paragraphs, meta=meta)


# ---- shared clean-up -----------------------------------------------------------------------------------------------


def _clean(text: str) -> str:
    """NFC, no stray BOMs or NUL-like controls, blank lines squeezed so a paragraph stays one paragraph on disk."""
    text = unicodedata.normalize("NFC", str(text)).replace("\ufeff", "").replace("\x00", "")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"\n[ \t\u3000]*(?:\n[ \t\u3000]*)+", "\n", text)
    return text.strip()


def _limit_paragraphs(paragraphs: list[str]) -> list[str]:
    """Cut over-long paragraphs exactly as the corpus loader does (corpus.split_long), so what is written, hashed
    for duplicates and later read back are the same paragraphs."""
    out: list[str] = []
    for para in paragraphs:
        out.extend(split_long(para) if len(para) > MAX_PARAGRAPH_CHARS else (para,))
    return out


def _title_from(paragraphs: list[str], path: Path) -> str:
    """The first line when it looks like a title (short), otherwise the file name without its extension."""
    first = paragraphs[0].split("\n")[0].lstrip("#").strip() if paragraphs else ""
    if first and len(first) <= 160:
        return first
    return path.stem
