"""A citeproc-py fix for reference lists, installed with the others by csl_fixes.apply (``sort-keys``).

A reference list in an author-date or note style is sorted by macros (``author-sort``, then the date and the title)
whose output citeproc-py compared as rendered: with the quotation marks of a title that stands in for a missing
author (``“Hungary: …`` sorted after every name, because U+201C comes after the letters) and with accents and case as
typed. citeproc-js compares sort keys as text: formatting and punctuation dropped, case and accents folded. Measured
with tools/compare_project_js.py: 58 of 396 strings of the writing-project papers were out of citeproc-js's order (12
differ after this fix: year suffixes GB/T 7714 prints implicitly, and MLA's three-em dash for a repeated author).
"""

from __future__ import annotations

import re
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
