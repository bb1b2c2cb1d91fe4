"""Citations rendered together: the citations of one paper (a writing project) and its reference list, in one
citeproc registry, so that a numeric style numbers the sources in the order they are first cited and an author-date
style tells apart sources that would otherwise cite alike ("Global Times, n.d.-a" … "n.d.-c").

`citation.py` renders one document alone (what `npf quote` and `npf cite` show for a single passage). Rendered alone,
every source is `[1]` in GB/T 7714 numeric, and three undated articles of one outlet all read ``(Global Times, n.d.)``.

citeproc-py 0.11.1 has no disambiguation step, so the year suffix is assigned here, as CSL 1.0.2 ("Disambiguation",
step 4, "Add Year-suffix") says: when the style asks for it (``disambiguate-add-year-suffix="true"``), sources whose
citations render identically get the letters a, b, c… in the order of the sorted reference list. The letter is given
to citeproc as the item's ``year-suffix`` variable, which the styles print after the year or after "n.d." (where
citeproc-py's locale handling puts the hyphen: ``n.d.-a``). Checked against citeproc-js on the bundled corpus:
tests/test_project.py and tools/compare_citeproc_js.py --project.

The reference list is rendered from a second registry whose citations carry no locator: citeproc-py lets the first
citation's locator leak into a bibliography entry (``… Major Projects.” para. 3.``).
"""

from __future__ import annotations

from dataclasses import dataclass

from npf_tui.core.cite.citation import (
    RENDER_LOCK,
    Citation,
    StyleInfo,
    csl_json,
    html_to_markdown,
    load_style,
    locale_for,
    resolve_style,
    tidy,
)
from npf_tui.core.models import Document


@dataclass(frozen=True)
class Cite:
    """One citation in a paper: a document and, optionally, the paragraph it points at."""

    doc: Document
    paragraph: int | None = None


@dataclass
class RenderedTogether:
    """A paper's citations (in the order given) and its reference list, rendered in one style.

    `citations[i]` is the in-text citation of `cites[i]` (the note, for note styles; `[n]` for numeric styles).
    `references` is the reference list in the style's order (sorted, or by first citation for numeric styles), and
    `order` the doc ids in that order. `suffixes` maps a doc id to the year-suffix letter it was given, if any.
    """

    style: str
    citations: list[Citation]
    references: list[Citation]
    order: list[str]
    suffixes: dict[str, str]


def _registry_key(doc: Document) -> str:
    """The key an item has in a citeproc registry (citeproc-py lower-cases the CSL-JSON ids)."""
    return doc.doc_id.lower()


def paper_locale(info: StyleInfo, docs: list[Document]) -> str | None:
    """One locale for the whole paper: the style's own, or for per-item-locale styles (GB/T 7714) the language most
    of the sources are in (citeproc-py cannot switch locale per item within one registry)."""
    if not info.per_item_locale:
        return None
    locales = [locale_for(info, d) for d in docs]
    return max(set(locales), key=lambda loc: (locales.count(loc), loc or "")) if locales else None


def _year_suffix_wanted(style) -> bool:
    """Whether the style's citation asks for year-suffix disambiguation."""
    citation = style.root.citation
    return str(citation.get("disambiguate-add-year-suffix", "false")).lower() == "true"


def _bibliography(style, docs: list[Document], items: list[dict], fmt: str) -> tuple[list[str], list[str]]:
    """(keys in the reference list's order, entries) from a registry of locator-free citations."""
    from citeproc import Citation as CslCitation
    from citeproc import CitationItem, CitationStylesBibliography, formatter
    from citeproc.source.json import CiteProcJSON

    bib = CitationStylesBibliography(style, CiteProcJSON(items), getattr(formatter, fmt))
    for doc in docs:
        bib.register(CslCitation([CitationItem(_registry_key(doc))]))
    bib.sort()
    keys = list(bib.keys)
    if not style.has_bibliography():
        return keys, []
    return keys, [str(entry) for entry in bib.bibliography()]


def _citations(style, cites: list[Cite], items: list[dict], fmt: str) -> list[str]:
    """Each citation, rendered in order in one registry (numbers, and note positions such as a repeated source's
    short form, depend on what came before)."""
    from citeproc import Citation as CslCitation
    from citeproc import CitationItem, CitationStylesBibliography, formatter
    from citeproc.source import Locator
    from citeproc.source.json import CiteProcJSON

    bib = CitationStylesBibliography(style, CiteProcJSON(items), getattr(formatter, fmt))
    csl_cites = []
    for cite in cites:
        extra = {"locator": Locator("paragraph", str(cite.paragraph))} if cite.paragraph else {}
        csl_cites.append(CslCitation([CitationItem(_registry_key(cite.doc), **extra)]))
    for csl_cite in csl_cites:
        bib.register(csl_cite)
    bib.sort()
    return [str(bib.cite(csl_cite, lambda _item: None)) for csl_cite in csl_cites]


def _plain(text: str) -> str:
    """Plain text from citeproc's plain formatter output (whitespace collapsed, as npf prints it)."""
    return tidy(text)


def _assign_suffixes(style, docs: list[Document], items: list[dict]) -> dict[str, str]:
    """Year-suffix letters for the sources whose citations would read alike (CSL 1.0.2, disambiguation step 4)."""
    if not _year_suffix_wanted(style):
        return {}
    alone = {}
    for doc, item in zip(docs, items, strict=True):
        # Each source cited alone, without locator: what a reader would see for it if nothing told them apart.
        alone[doc.doc_id] = _plain(_citations(style, [Cite(doc)], [item], "plain")[0])
    clashes = {text for text in alone.values() if list(alone.values()).count(text) > 1}
    if not clashes:
        return {}
    order, _ = _bibliography(style, docs, items, "plain")
    by_key = {_registry_key(d): d.doc_id for d in docs}
    suffixes: dict[str, str] = {}
    used: dict[str, int] = {}
    for key in order:
        doc_id = by_key[key]
        text = alone[doc_id]
        if text in clashes:
            n = used.get(text, 0)
            used[text] = n + 1
            suffixes[doc_id] = _letters(n)
    return suffixes


def _letters(n: int) -> str:
    """The n-th year suffix: a … z, then aa, ab … (as citeproc-js continues)."""
    out = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        out = chr(ord("a") + rest) + out
    return out


def render_together(cites: list[Cite], style: str) -> RenderedTogether:
    """Render a paper's citations, in the order they appear in it, and its reference list, in `style`."""
    info = resolve_style(style)
    docs: list[Document] = []
    seen: set[str] = set()
    for cite in cites:
        if cite.doc.doc_id not in seen:
            seen.add(cite.doc.doc_id)
            docs.append(cite.doc)
    if not docs:
        return RenderedTogether(info.name, [], [], [], {})
    with RENDER_LOCK:
        style_obj = load_style(info, paper_locale(info, docs))
        items = [csl_json(d) for d in docs]
        suffixes = _assign_suffixes(style_obj, docs, items)
        for doc, item in zip(docs, items, strict=True):
            if doc.doc_id in suffixes:
                item["year-suffix"] = suffixes[doc.doc_id]
        plain = _citations(style_obj, cites, items, "plain")
        html = _citations(style_obj, cites, items, "html")
        keys, plain_refs = _bibliography(style_obj, docs, items, "plain")
        _, html_refs = _bibliography(style_obj, docs, items, "html")
    by_key = {_registry_key(d): d.doc_id for d in docs}
    citations = [
        Citation(text=_plain(p), markdown=tidy(html_to_markdown(h)), style=info.name)
        for p, h in zip(plain, html, strict=True)
    ]
    references = [
        Citation(text=_plain(p), markdown=tidy(html_to_markdown(h)), style=info.name)
        for p, h in zip(plain_refs, html_refs, strict=True)
    ]
    return RenderedTogether(info.name, citations, references, [by_key[k] for k in keys], suffixes)
