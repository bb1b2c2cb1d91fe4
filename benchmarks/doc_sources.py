"""Debian's documentation packages as npf documents: the part of the ~300 MB benchmark corpus beyond the man pages.

The packages are fetched with `apt-get download` and unpacked with `dpkg-deb -x` under benchmarks/work/doc-root/
(one folder per package), not installed: installing them would pull in servers, compilers and new man pages, and
new man pages would change the man-page pool the 20 MB and 100 MB corpora are drawn from. Every HTML page becomes one
document (see html_to_page); the source path in the front matter is the page's path as the package installs it.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import lxml.html
from lxml import etree

HERE = Path(__file__).resolve().parent
DEB_DIR = HERE / "work" / "doc-debs"
ROOT_DIR = HERE / "work" / "doc-root"


@dataclass(frozen=True)
class DocSource:
    """HTML pages of one package: those under `root` (a folder inside the package) whose path relative to it
    matches `include` and not `exclude`. Tier 1 are manuals (prose), tier 2 generated API pages."""

    package: str
    prefix: str
    locale: str
    root: str
    include: str = r"\.html?$"
    exclude: str | None = None
    tier: int = 1

    @property
    def language(self) -> str:
        """The npf language of the documents: zh or en."""
        return "zh" if self.locale.startswith("zh") else "en"


#: Every Chinese text Debian ships as HTML (PDF-only packages such as linuxcnc-doc-zh-cn are left out). All of it
#: goes into the corpus, in this order and sorted by path within a source.
ZH_SOURCES = [
    DocSource("debian-reference-zh-cn", "zh-cn-doc-debref", "zh_CN", "usr/share/debian-reference", r"\.zh-cn\.html$"),
    DocSource("debian-reference-zh-tw", "zh-tw-doc-debref", "zh_TW", "usr/share/debian-reference", r"\.zh-tw\.html$"),
    DocSource("maint-guide-zh-cn", "zh-cn-doc-maint-guide", "zh_CN", "usr/share/doc/maint-guide-zh-cn/html"),
    DocSource("maint-guide-zh-tw", "zh-tw-doc-maint-guide", "zh_TW", "usr/share/doc/maint-guide-zh-tw/html"),
    DocSource("debian-faq-zh-cn", "zh-cn-doc-debian-faq", "zh_CN", "usr/share/doc/debian/FAQ/zh-cn"),
    DocSource("debian-handbook", "zh-cn-doc-handbook", "zh_CN", "usr/share/doc/debian-handbook/html/zh-CN"),
    DocSource("debian-handbook", "zh-tw-doc-handbook", "zh_TW", "usr/share/doc/debian-handbook/html/zh-TW"),
    DocSource("debian-edu-doc-zh-cn", "zh-cn-doc-debian-edu", "zh_CN", "usr/share/doc/debian-edu-doc-zh-cn"),
    DocSource(
        "debian-edu-doc-legacy-zh-cn",
        "zh-cn-doc-debian-edu-legacy",
        "zh_CN",
        "usr/share/doc/debian-edu-doc-legacy-zh-cn",
    ),
    DocSource("gimp-help-zh-cn", "zh-cn-doc-gimp", "zh_CN", "usr/share/gimp/2.0/help/zh_CN"),
    DocSource("libreoffice-help-zh-cn", "zh-cn-doc-libreoffice", "zh_CN", "usr/share/libreoffice/help/zh-CN/text"),
    DocSource("libreoffice-help-zh-tw", "zh-tw-doc-libreoffice", "zh_TW", "usr/share/libreoffice/help/zh-TW/text"),
    DocSource("lilypond-doc-html-zh", "zh-cn-doc-lilypond", "zh_CN", "usr/share/doc/lilypond/html", r"\.zh\.html$"),
    DocSource("linux-doc-6.1", "zh-cn-doc-linux", "zh_CN", "usr/share/doc/linux-doc-6.1/html/translations/zh_CN"),
    DocSource("linux-doc-6.1", "zh-tw-doc-linux", "zh_TW", "usr/share/doc/linux-doc-6.1/html/translations/zh_TW"),
    DocSource("kicad-doc-zh", "zh-cn-doc-kicad", "zh_CN", "usr/share/doc/kicad/help/zh"),
]

#: Sphinx's generated pages: highlighted sources, indexes, search.
_SPHINX = r"(^|/)(_[a-z]+/|genindex|search\.html|py-modindex)"
_RUST_API = r"^(std|core|alloc|proc_macro|test|src|implementors)/"
#: English manuals (tier 1) and API references (tier 2, drawn on only when the manuals run out). Pages of each tier
#: are pooled over its packages and shuffled with the man pages' seed.
EN_SOURCES = [
    DocSource("debian-reference-en", "doc-debref", "en", "usr/share/debian-reference", r"\.en\.html$"),
    DocSource("maint-guide", "doc-maint-guide", "en", "usr/share/doc/maint-guide/html"),
    DocSource("debian-faq", "doc-debian-faq", "en", "usr/share/doc/debian/FAQ", r"^[^/]+\.en\.html$"),
    DocSource("developers-reference", "doc-devref", "en", "usr/share/developers-reference"),
    DocSource("debian-handbook", "doc-handbook", "en", "usr/share/doc/debian-handbook/html/en-US"),
    DocSource("debian-edu-doc-en", "doc-debian-edu", "en", "usr/share/doc/debian-edu-doc-en"),
    DocSource("bash-doc", "doc-bash", "en", "usr/share/doc/bash", r"^[^/]+\.html$"),
    DocSource("gnucash-docs", "doc-gnucash", "en", "usr/share/doc/gnucash-docs", r"^gnucash-(guide|help)-en/.*\.html$"),
    DocSource("python3.11-doc", "doc-python3", "en", "usr/share/doc/python3.11/html", exclude=_SPHINX),
    DocSource("postgresql-doc-15", "doc-postgresql", "en", "usr/share/doc/postgresql-doc-15/html"),
    DocSource(
        "linux-doc-6.1", "doc-linux", "en", "usr/share/doc/linux-doc-6.1/html", exclude=_SPHINX + "|^translations/"
    ),
    DocSource("debian-policy", "doc-debian-policy", "en", "usr/share/doc/debian-policy"),
    DocSource("apache2-doc", "doc-apache2", "en", "usr/share/doc/apache2-doc/manual", r"^en/.*\.html$"),
    DocSource("nodejs-doc", "doc-nodejs", "en", "usr/share/doc/nodejs/api", exclude=r"^(all|index)\.html$"),
    DocSource("cmake-doc", "doc-cmake", "en", "usr/share/doc/cmake-data/html", exclude=_SPHINX),
    DocSource("octave-doc", "doc-octave", "en", "usr/share/doc/octave"),
    DocSource("lilypond-doc-html", "doc-lilypond", "en", "usr/share/doc/lilypond/html", exclude=r"\.[a-z]{2}\.html$"),
    DocSource("python-django-doc", "doc-django", "en", "usr/share/doc/python-django-doc/html", exclude=_SPHINX),
    DocSource(
        "python-sqlalchemy-doc", "doc-sqlalchemy", "en", "usr/share/doc/python-sqlalchemy-doc/html", exclude=_SPHINX
    ),
    DocSource("r-doc-html", "doc-r", "en", "usr/share/R/doc/manual"),
    DocSource("wireshark-doc", "doc-wireshark", "en", "usr/share/doc/wireshark", r"_html_chunked/.*\.html$"),
    DocSource("python-scipy-doc", "doc-scipy", "en", "usr/share/doc/python-scipy-doc/html", exclude=_SPHINX),
    DocSource("python-sympy-doc", "doc-sympy", "en", "usr/share/doc/python-sympy-doc/html", exclude=_SPHINX),
    DocSource("python-sklearn-doc", "doc-sklearn", "en", "usr/share/doc/python-sklearn-doc/html", exclude=_SPHINX),
    DocSource("python-pandas-doc", "doc-pandas", "en", "usr/share/doc/python-pandas-doc/html", exclude=_SPHINX),
    DocSource("python-astropy-doc", "doc-astropy", "en", "usr/share/doc/python-astropy-doc/html", exclude=_SPHINX),
    DocSource("libboost1.74-doc", "doc-boost", "en", "usr/share/doc/libboost1.74-doc", exclude=r"^doc/html/boost/"),
    DocSource(
        "rust-doc", "doc-rust", "en", "usr/share/doc/rust-doc/html", exclude=_RUST_API + r"|^(settings|not_found)"
    ),
    DocSource(
        "rust-doc",
        "doc-rust-api",
        "en",
        "usr/share/doc/rust-doc/html",
        r"^(std|core|alloc)/.*\.html$",
        r"^core/arch/",
        tier=2,
    ),
    DocSource("libboost1.74-doc", "doc-boost-api", "en", "usr/share/doc/libboost1.74-doc/doc/html/boost", tier=2),
    DocSource("qtbase5-doc-html", "doc-qt5", "en", "usr/share/qt5/doc", exclude=r"-(members|obsolete)\.html$", tier=2),
    DocSource(
        "openjdk-17-doc",
        "doc-openjdk",
        "en",
        "usr/share/doc/openjdk-17-jre-headless/api",
        r"^java\.[a-z]+/.*\.html$",
        r"/class-use/|package-(tree|use)\.html$",
        tier=2,
    ),
]
ALL_SOURCES = ZH_SOURCES + EN_SOURCES


def packages() -> list[str]:
    """The packages the sources come from, each once."""
    return list(dict.fromkeys(s.package for s in ALL_SOURCES))


def fetch_packages() -> None:
    """apt-get download the packages not downloaded yet and unpack those not unpacked yet (needs Debian's archive,
    not root)."""
    DEB_DIR.mkdir(parents=True, exist_ok=True)
    missing = [p for p in packages() if not sorted(DEB_DIR.glob(f"{p}_*.deb"))]
    if missing:
        subprocess.run(["apt-get", "download", *missing], check=True, cwd=DEB_DIR)
    for package in packages():
        target = ROOT_DIR / package
        if (target / "DEBIAN-VERSION").exists():
            continue
        deb = sorted(DEB_DIR.glob(f"{package}_*.deb"))[-1]
        target.mkdir(parents=True, exist_ok=True)
        subprocess.run(["dpkg-deb", "-x", str(deb), str(target)], check=True)
        version = subprocess.run(["dpkg-deb", "-f", str(deb), "Version"], check=True, capture_output=True, text=True)
        (target / "DEBIAN-VERSION").write_text(version.stdout.strip() + "\n", encoding="utf-8")


def package_label(package: str) -> str:
    """'name version' of an unpacked package."""
    version_file = ROOT_DIR / package / "DEBIAN-VERSION"
    version = version_file.read_text(encoding="utf-8").strip() if version_file.exists() else ""
    return f"{package} {version}".strip()


def source_pages(source: DocSource) -> list[Path]:
    """The source's HTML pages (regular files, not symlinks), sorted."""
    base = ROOT_DIR / source.package / source.root
    include, exclude = re.compile(source.include), re.compile(source.exclude) if source.exclude else None
    pages = []
    for path in sorted(base.rglob("*")):
        rel = path.relative_to(base).as_posix()
        if include.search(rel) and not (exclude and exclude.search(rel)) and path.is_file() and not path.is_symlink():
            pages.append(path)
    return pages


def installed_path(path: Path, package: str) -> str:
    """The path a page has once its package is installed (/usr/share/...)."""
    return "/" + path.relative_to(ROOT_DIR / package).as_posix()


# ---------------------------------------------------------------------------------------------------------------
# HTML to paragraphs

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_BLOCK = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "caption",
        "center",
        "dd",
        "details",
        "dir",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "menu",
        "ol",
        "p",
        "section",
        "summary",
        "table",
        "tbody",
        "tfoot",
        "thead",
        "tr",
        "ul",
        "br",
    ]
)
_HEADINGS = frozenset(["h1", "h2", "h3", "h4", "h5", "h6"])
_DROP_TAGS = ("script", "style", "noscript", "nav", "head", "button", "select", "textarea", "svg", "iframe", "footer")
#: class or id words of navigation, sidebars, footers and such (Sphinx, DocBook, rustdoc, mdBook, javadoc, LibreOffice).
_BOILERPLATE = re.compile(
    r"\b(navheader|navfooter|related|sphinxsidebar|sphinxsidebarwrapper|footer|headerlink|breadcrumbs?|"
    r"nav-?bar|top-?nav|sub-?nav|navigation|navigationbar|sidebar|sidebar-elems|menu-bar|nav-chapters|nav-wrapper|"
    r"rst-versions|wy-nav-side|skip-?nav|skip-link|copyright|toc|TopLeftHeader|TopRightHeader|Bottom|"
    r"DonationFrame|SearchFrame|langSelect|mobile-topbar|srclink|out-of-band|"
    r"flat-navigation|debug|index-label|docnav|nav-panel|header|test-arrow|banner|legalCopy|header-bar|anchor|search-form|searchbox|pager)\b",
    re.I,
)
_SPACE = re.compile(r"\s+")
_BLANK_LINES = re.compile(r"\n[ \t\u3000\u00a0]*(?=\n)")
_NAV_SHORT = re.compile(
    r"^(next|prev|previous|up|home|top|contents|index|table of contents|next topic|previous topic|this page|"
    r"show source|navigation|quick search|上一页|下一页|上一頁|下一頁|起始页|起始頁|首页|目录|目錄|上一级|上一級|"
    r"前一页|后一页|返回|[«»<>|¶#§ -]+)$",
    re.I,
)
#: texinfo's navigation lines: "[ << Backend ] [Top][Contents][Index] [ Scheme functions >> ]".
_NAV_BRACKETS = re.compile(r"^(\[[^\[\]]{0,80}\]\s*)+$")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def decode_html(raw: bytes) -> str:
    """The page as text, decoded with its declared charset (UTF-8 when none is declared or it fails)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    match = _CHARSET.search(raw[:4096])
    encodings = [match.group(1).decode("ascii").lower()] if match else []
    if encodings and encodings[0] in ("gb2312", "gbk"):
        encodings = ["gb18030"]
    for encoding in [*encodings, "utf-8"]:
        try:
            return raw.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return raw.decode("utf-8", errors="replace")


#: ids of boilerplate: LibreOffice's index and Publican's title bar.
_BOILERPLATE_IDS = frozenset(["Index", "title"])


def _is_boilerplate(el: etree._Element) -> bool:
    """True for an element whose class or id marks it as navigation, sidebar or footer (or hidden: LibreOffice's
    text for other platforms), unless it wraps the page's content (some themes put the content inside their
    header): a heading h1 or more than five paragraphs."""
    marks = f"{el.get('class', '')} {el.get('id', '')} {el.get('role', '')}"
    marked = el.get("hidden") is not None or el.get("id") in _BOILERPLATE_IDS
    if not marked and not (marks.strip() and _BOILERPLATE.search(marks)):
        return False
    return not any(inner.tag == "h1" or n > 5 for n, inner in enumerate(el.iter("h1", "p"), 1))


def _clean_pre(text: str) -> str:
    """A pre block as one paragraph: lines right-stripped, blank lines dropped (a blank line ends a paragraph)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    lines = [ln.rstrip() for ln in text.split("\n")]
    return "\n".join(ln for ln in lines if ln.strip())


def html_to_page(raw: bytes) -> tuple[str, list[str], float]:
    """(title, paragraphs, share of the text that is link text) of an HTML page.

    Paragraphs come from block elements: p, li, dd, table rows and the like, whitespace-collapsed; each pre block is
    one paragraph with its lines kept; headings are paragraphs of their own. Scripts, styles, navigation bars,
    sidebars, footers and tables of contents are dropped, and so are paragraphs that are only a navigation word."""
    text = _CONTROL.sub("", _XML_DECL.sub("", decode_html(raw), count=1))
    if not text.strip():
        return "", [], 0.0
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return "", [], 0.0
    title_el = root.find(".//title")
    title = _SPACE.sub(" ", title_el.text_content()).strip() if title_el is not None else ""
    if not title:
        h1 = root.find(".//h1")
        title = _SPACE.sub(" ", h1.text_content()).strip() if h1 is not None else ""
    for el in list(root.iter(etree.Comment, etree.ProcessingInstruction)):
        el.drop_tree() if hasattr(el, "drop_tree") else el.getparent().remove(el)
    doomed = [el for el in root.iter(*_DROP_TAGS)]
    doomed += [
        el for el in root.iter() if el.tag not in ("html", "body") and isinstance(el.tag, str) and _is_boilerplate(el)
    ]
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()
    body = root.find("body")
    body = body if body is not None else root
    link_chars = sum(len("".join(a.text_content().split())) for a in body.iter("a"))
    paragraphs: list[str] = []
    buf: list[str] = []

    text_chars = 0  # of all the body's text, navigation lines included (as link_chars counts their links)

    def flush() -> None:
        """End the running paragraph."""
        nonlocal text_chars
        if buf:
            para = _SPACE.sub(" ", "".join(buf)).strip()
            buf.clear()
            text_chars += len(para.replace(" ", ""))
            if para and not _NAV_SHORT.match(para) and not _NAV_BRACKETS.match(para):
                paragraphs.append(para)

    skip_until: etree._Element | None = None
    for event, el in etree.iterwalk(body, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        if skip_until is not None:
            if event == "end" and el is skip_until:
                skip_until = None
                if el.tail:
                    buf.append(el.tail)
            continue
        if event == "start":
            if tag == "pre":
                flush()
                pre = _clean_pre(el.text_content())
                if pre.strip():
                    paragraphs.append(pre)
                    text_chars += len("".join(pre.split()))
                skip_until = el
                continue
            if tag in _BLOCK or tag in _HEADINGS:
                flush()
            elif tag in ("td", "th"):
                buf.append(" ")
            if el.text:
                buf.append(el.text)
        else:
            if tag in _BLOCK or tag in _HEADINGS:
                flush()
            elif tag in ("td", "th"):
                buf.append(" ")
            if el.tail and el is not body:
                buf.append(el.tail)
    flush()
    link_share = link_chars / text_chars if text_chars else 1.0
    return title, paragraphs, min(link_share, 1.0)


def han_share(paragraphs: list[str]) -> float:
    """Share of Han characters among the non-space characters of the paragraphs."""
    text = "".join("".join(p.split()) for p in paragraphs)
    return len(_HAN.findall(text)) / len(text) if text else 0.0


MIN_PARAGRAPHS = 3
#: npf refuses documents of 50,000 paragraphs or more (and long paragraphs are cut in pieces on loading).
MAX_PARAGRAPHS = 20_000
#: Pages whose text is mostly link text are tables of contents or indexes.
MAX_LINK_SHARE = 0.8
#: Pages of a Chinese source with less Han text than this are untranslated English pages.
MIN_HAN_SHARE = 0.05


def render_doc_page(job: tuple[str, str]) -> tuple[str, str, list[str], str]:
    """(path, title, paragraphs, reason) for one page; paragraphs are empty and reason says why when it is
    dropped. job is (path, language)."""
    path_str, language = job
    try:
        title, paragraphs, link_share = html_to_page(Path(path_str).read_bytes())
    except Exception as exc:  # noqa: BLE001 - one unreadable page must not stop the corpus
        return path_str, "", [], f"error: {type(exc).__name__}"
    if len(paragraphs) > MAX_PARAGRAPHS:
        return path_str, title, [], "too many paragraphs"
    if len(paragraphs) < MIN_PARAGRAPHS:
        return path_str, title, [], "fewer than 3 paragraphs"
    if link_share > MAX_LINK_SHARE:
        return path_str, title, [], "links only"
    if language == "zh" and han_share(paragraphs) < MIN_HAN_SHARE:
        return path_str, title, [], "not Chinese"
    return path_str, title, paragraphs, ""
