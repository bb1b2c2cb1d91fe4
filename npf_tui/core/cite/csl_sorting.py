"""citeproc-py fixes for reference lists and papers rendered together, installed with the others by csl_fixes.apply
(``sort-keys``, ``implicit-year-suffix``, ``subsequent-author-substitute``; each documented where it is installed).

A reference list in an author-date or note style is sorted by macros (``author-sort``, then the date and the title)
whose output citeproc-py compared as rendered: with the quotation marks of a title that stands in for a missing
author (``“Hungary: …`` sorted after every name, because U+201C comes after the letters) and with accents and case as
typed. citeproc-js compares sort keys as text: formatting and punctuation dropped, case and accents folded. Measured
with tools/compare_project_js.py: 58 of 396 strings of the writing-project papers were out of citeproc-js's order;
after this fix 12 differed, and after the two below 2.
"""

from __future__ import annotations

import re
import threading
import unicodedata

from citeproc import model
from citeproc.string import MixedString, String

#: What a sort key ignores: quotation marks (the typed ones and csl_fixes' private-use markers) and other
#: punctuation; whitespace runs are collapsed. Square brackets count (citeproc-js sorts "[Global Times]", an outlet
#: the corpus editor supplied, before "Global Times"; measured with tools/compare_project_js.py).
_IGNORED = re.compile(r"[\u2018\u2019\u201c\u201d\"'\ue000-\ue005«»‹›「」『』《》〈〉.,;:!?¿¡*_~`]+")


def sort_text(value) -> str | None:
    """A sort key as citeproc-js compares it: plain text, punctuation dropped, accents and case folded; None when
    empty (an empty key sorts last, ascending or descending, as CSL 1.0.2 says)."""
    if value is None:
        return None
    text = _IGNORED.sub(" ", str(value))
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    text = " ".join(text.casefold().split())
    return text or None


def _wrap_sort_keys(original):
    def sort_keys(self, items, context):
        keys = original(self, items, context)
        # Rendered text (a macro's String or MixedString, a name variable's str) is folded; a date's key is a tuple
        # and a number's an int, kept as they are. Digits survive the folding, so "1" and "2" still compare as
        # numbers where citeproc-py tries that.
        return [sort_text(key) if isinstance(key, (str, String, MixedString)) else key for key in keys]

    return sort_keys


def install_sort_keys() -> None:
    """Install ``sort-keys`` (Key.sort_keys)."""
    model.Key.sort_keys = _wrap_sort_keys(model.Key.sort_keys)


# --- implicit-year-suffix -----------------------------------------------------------------------------------------

_suffix_state = threading.local()


def _explicit_year_suffix(root) -> bool:
    """Whether the style prints ``year-suffix`` itself somewhere (then nothing is added implicitly); cached on the
    parsed style."""
    cached = getattr(root, "_npf_explicit_year_suffix", None)
    if cached is None:
        cached = any(el.get("variable") == "year-suffix" for el in root.iter())
        root._npf_explicit_year_suffix = cached
    return cached


def _wrap_layout_render_children(original):
    def render_children(self, item, *args, **kwargs):
        suffix = None
        try:
            suffix = item.reference.get("year_suffix")
        except AttributeError:
            suffix = None
        if suffix and _explicit_year_suffix(self.get_root()):
            suffix = None
        previous = getattr(_suffix_state, "pending", None)
        _suffix_state.pending = str(suffix) if suffix else None
        try:
            return original(self, item, *args, **kwargs)
        finally:
            _suffix_state.pending = previous

    return render_children


def _wrap_date_process(original):
    def process(self, item, variable=None, *args, **kwargs):
        name = variable if variable is not None else self.get("variable")
        previous = getattr(_suffix_state, "variable", None)
        _suffix_state.variable = name
        try:
            return original(self, item, variable, *args, **kwargs)
        finally:
            _suffix_state.variable = previous

    return process


def _wrap_date_part_process(original):
    def process(self, date, context=None):
        text = original(self, date, context)
        pending = getattr(_suffix_state, "pending", None)
        if pending and text and self.get("name") == "year" and getattr(_suffix_state, "variable", None) == "issued":
            _suffix_state.pending = None  # the first rendered year of the issued date only
            return f"{text}{pending}"
        return text

    return process


def install_implicit_year_suffix() -> None:
    """Install ``implicit-year-suffix`` (Layout.render_children, Date.process, Date_Part.process).

    CSL 1.0.2 ("Disambiguation", step 4): a style that does not print ``year-suffix`` itself gets it after the first
    year of the issued date that a cite or an entry renders. GB/T 7714 author-date relies on this: two 2024 items by
    one author are ``(Rainey, 2024a)`` and ``(Rainey, 2024b)``, as citeproc-js prints them; citeproc-py printed the
    suffix nowhere.
    """
    model.Layout.render_children = _wrap_layout_render_children(model.Layout.render_children)
    model.Date.process = _wrap_date_process(model.Date.process)
    model.Date_Part.process = _wrap_date_part_process(model.Date_Part.process)


# --- subsequent-author-substitute ---------------------------------------------------------------------------------

_names_state = threading.local()


def _wrap_names_render(original):
    def render(self, *args, **kwargs):
        text = original(self, *args, **kwargs)
        record = getattr(_names_state, "record", None)
        if record is not None and not record and text is not None:
            record.append(str(text))  # the first names an entry renders (its author, or what stands in for one)
        return text

    return render


def _wrap_render_bibliography(original):
    def render_bibliography(self, citation_items):
        bibliography = self.getparent()
        substitute = bibliography.get("subsequent-author-substitute")
        rule = bibliography.get("subsequent-author-substitute-rule", "complete-all")
        if substitute is None or rule != "complete-all":
            return original(self, citation_items)
        out, previous = [], None
        for item in citation_items:
            _names_state.record = []
            try:
                entries = original(self, [item])
            finally:
                names, _names_state.record = _names_state.record, None
            current = names[0] if names else None
            for entry in entries:
                text = entry
                if current and current == previous and current in str(entry):
                    text = str(entry).replace(current, substitute, 1)
                out.append(text)
            previous = current
        return out

    return render_bibliography


def install_subsequent_author_substitute() -> None:
    """Install ``subsequent-author-substitute`` (Names.render, Layout.render_bibliography).

    CSL 1.0.2: with ``subsequent-author-substitute`` on cs:bibliography, an entry whose names read the same as the
    previous entry's prints the substitute instead (MLA: ``———``). citeproc-py ignored the option. Only the default
    rule, ``complete-all`` (all names the same: the whole list replaced), is done; the other rules print the names
    as before.
    """
    model.Names.render = _wrap_names_render(model.Names.render)
    model.Layout.render_bibliography = _wrap_render_bibliography(model.Layout.render_bibliography)
