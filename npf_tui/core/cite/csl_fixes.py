"""Corrections to citeproc-py's CSL processing where it departs from CSL 1.0.2 and from citeproc-js.

citeproc-py renders npf's citations. It has known gaps, and a researcher pastes what npf prints without checking it,
so npf corrects the gaps that touch its styles. Each fix is a small, named wrapper or replacement of one or two
citeproc-py methods: a patch of the processor's behaviour, never an edit of its output, so it holds for every style.
``apply()`` installs them once per process (it is idempotent).

How they are checked. The CSL processor test-suite (tests/csl_suite/: 839 scored fixtures, run by
tests/test_csl_suite.py through citeproc-py's own harness): citeproc-py 0.11.1 as released passes 503 of them; with
these fixes 572 pass, and every fixture it passes still passes. tools/compare_citeproc_js.py renders the bundled
corpus in the six npf styles, three ways each (144 strings), and compares with citeproc-js 2.4.63, the reference
processor Zotero uses: citeproc-py as released differs on 91 strings, with npf's earlier fixes on 37, now on none.
After each fix below: the fixtures that fail when that fix alone is left out, and the strings that then differ from
citeproc-js (``apply(without=...)``, measured with `harness.py patched --without NAME` and the tool's --without).

Only the citeproc-py releases in ``CHECKED_VERSIONS`` are patched: the fixes reach into its internals, so on any
other release ``apply()`` raises `UnsupportedCiteproc`, an NpfError (one line; no citation is printed) rather than
print citations nobody has checked. To accept a release: run tests/csl_suite/harness.py with it (vanilla and
patched), regenerate the lists, run tests/test_csl_suite.py, then add it here.

- ``initialize-false`` (Name.initialize; 1 fixture, 15 strings): Chicago and MLA set ``initialize-with`` on the style
  and ``initialize="false"`` on the name, asking for full given names; citeproc-py shortened them to initials anyway.
  Given names are kept and only initials already present are punctuated ("Name-part Formatting").
- ``group-suppression`` (Group.process, a macro call, and every element that renders a variable; 2 fixtures, 16
  strings): a ``cs:group`` is suppressed when it tried variables and all were empty. citeproc-py decided it
  statically (a variable in any branch of a nested ``cs:choose`` counted as tried) and took a printed term for a
  printed variable, so GB/T 7714 lost its "[N]" and "[EB]" type codes. Now as citeproc-js: variables are noted as
  they are tried; a group prints when a variable (or a nested group) in it printed, or when it printed terms and tried
  no variable; a macro call is a group of its own. npf's previous rule ("a nested group counts only when it printed a
  variable") dropped Chicago's "n.d." for undated documents and failed 3 fixtures that citeproc-py passes
  (ChicagoAuthorDateLooping, TitleShortOnShortTitleNoTitleCondition, SingleQuoteXml).
- ``empty-label`` (Label.process; 0 fixtures, 0 strings): a ``cs:label`` prints only when its variable is non-empty.
  Inside a group ``group-suppression`` already drops it; this covers a label outside any group, which citeproc-py
  printed as a bare term ("edition").
- ``substitute-suppression`` (Substitute.render; 1 fixture, 20 strings): when the title stands in for a missing author
  through a macro (APA, MLA, Chicago), citeproc-py repressed only the variables named on the substitute itself, so
  the title or the outlet was printed twice. Every variable the substitute rendered is suppressed in the rest of the
  cite, as the spec says.
- ``second-field-align`` (Layout.render_bibliography; 4 fixtures, 8 strings): the first field of an entry is set
  apart as citeproc-js does: a space in plain text ("[1] RAINEY J." where GB/T 7714 numeric printed "[1]RAINEY J."),
  the csl-left-margin and csl-right-inline blocks in HTML.
- ``capitalize-first-letter`` (String.capitalize_first; 0 fixtures, 0 strings): capitalize-first and sentence case
  upper-case the first letter, not the first character, which can be a quotation mark (“new → “New).
- ``title-case`` (TextCased.case; 13 fixtures, 20 strings): citeproc-js's title case: its 104 stop words (citeproc-py
  knew 26, so Chicago printed "Between" and "Kicks Off"), the last word capitalised, hyphenated and dashed compounds
  capitalised part by part, words holding a capital and nocase spans left alone.
- ``disambiguate-condition`` (If.render; 2 fixtures, 6 strings): citeproc-py ignored ``disambiguate="true"``, so the
  test always passed and MLA printed the title in every in-text citation. It is now true only when the cite reads the
  same as another registered item's (the last step of CSL disambiguation); npf registers one item per citation, so
  there it is false. npf's previous fix made it false everywhere and failed 4 fixtures that citeproc-py passes.
- ``nocase-keeps-case`` (NoCase.lower/upper; 2 fixtures): text in ``<span class="nocase">`` is never re-cased.
- ``cjk-names`` (Name.process; 1 fixture): a name in Chinese, Japanese or Korean script prints family name then given
  name without a space (我妻栄), as CSL's name-part order says; citeproc-py printed "栄 我妻".
- ``after-inverted-name`` (Name.process; 1 fixture): ``delimiter-precedes-last="after-inverted-name"`` (and -et-al)
  was treated as "never".
- ``rich-text-quotes`` (Text, Quoted.quote, Layout, Name.process; 43 fixtures, 54 strings): quotation marks in field
  text ("…", '…', “…”, ‘…’) become the locale's outer or inner marks by nesting level, apostrophes become ’, a quoted
  element flips the levels inside it, and with ``punctuation-in-quote`` a following period or comma moves inside the
  closing mark, also where the mark ends a field: APA and MLA now give “…Forces.” where they gave “…Forces”. The
  marks travel as private-use markers until the citation is complete, so an apostrophe is never taken for a closing
  quotation mark.

Three more live in csl_sorting.py; they matter when a paper's sources are rendered together (cite/collection.py):

- ``sort-keys`` (Key.sort_keys; 2 fixtures): sort keys compared as text, quotation marks and punctuation ignored,
  case and accents folded, as citeproc-js compares them (a title standing in for an author sorted last).
- ``implicit-year-suffix`` (Layout.render_children, Date.process, Date_Part.process): a style that does not print
  ``year-suffix`` itself gets it after the first issued year (GB/T 7714: ``(Rainey, 2024a)``).
- ``subsequent-author-substitute`` (Names.render, Layout.render_bibliography; 4 fixtures): MLA's ``———.`` for an
  entry whose names repeat the previous entry's (the ``complete-all`` rule only).

Rendering state is thread-local, but ``after-inverted-name`` sets an attribute on the parsed style while one list of
names renders: render one style from one thread at a time (citation.py holds a lock).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Collection

from citeproc import model
from citeproc.source import VariableError
from citeproc.string import MixedString, NoCase, String, join

from npf_tui.core.cite.csl_sorting import (
    install_implicit_year_suffix,
    install_sort_keys,
    install_subsequent_author_substitute,
)
from npf_tui.core.errors import NpfError

#: citeproc-py releases the fixes were checked against: the whole test-suite run, tests/csl_suite/.
CHECKED_VERSIONS = ("0.11.1",)


class UnsupportedCiteproc(NpfError):
    """The installed citeproc-py is not a release the fixes were checked against."""


_state = threading.local()
_applied = False


def check_version(version: str | None = None) -> None:
    """Raise UnsupportedCiteproc unless `version` (the installed citeproc-py's, by default) is a checked release."""
    if version is None:
        import citeproc

        version = str(getattr(citeproc, "__version__", "unknown"))
    if version not in CHECKED_VERSIONS:
        raise UnsupportedCiteproc(
            f"citeproc-py {version} is installed, but npf's citation fixes were checked against "
            f"{', '.join(CHECKED_VERSIONS)} only: install citeproc-py=={CHECKED_VERSIONS[-1]}"
        )


# --- variable tracking (group-suppression and substitute-suppression) ---------------------------------------------


class _GroupFrame:
    """What happened while one cs:group (or macro) rendered its children: citeproc-js's three group flags."""

    __slots__ = ("attempt", "success", "term")

    def __init__(self) -> None:
        self.attempt = False  # a variable was tried and was empty
        self.success = False  # a variable (or a nested group) printed something
        self.term = False  # a term, a fixed text or a label printed something


def _frames() -> list[_GroupFrame]:
    """The stack of groups being rendered in this thread (innermost last)."""
    if not hasattr(_state, "frames"):
        _state.frames = []
    return _state.frames


def _recorders() -> list[set[str]]:
    """The sets collecting rendered variable names for substitutions in progress (innermost last)."""
    if not hasattr(_state, "recorders"):
        _state.recorders = []
    return _state.recorders


def _note(variable: str | None, rendered: bool) -> None:
    """Record that a rendering element tried `variable` and whether it printed anything."""
    frames = _frames()
    if frames:
        if rendered:
            frames[-1].success = True
        else:
            frames[-1].attempt = True
    if rendered and variable:
        for recorder in _recorders():
            recorder.update(variable.split())


def _note_term(text) -> None:
    """Record that a term, a fixed text or a label printed `text` (nothing when it is empty)."""
    frames = _frames()
    if frames and text is not None and str(text) != "":
        frames[-1].term = True


def _close_frame(frame: _GroupFrame, has_output: bool) -> bool:
    """Whether a group (or macro) with these flags prints, and what its parent learns from it (citeproc-js rule)."""
    prints = has_output and (frame.success or (frame.term and not frame.attempt))
    frames = _frames()
    if frames:
        if prints:
            frames[-1].success = True
        elif frame.attempt:
            frames[-1].attempt = True
    return prints


def _wrap_text_variable_tracking(original):
    def _variable(self, item, context):
        """Note each variable a cs:text tries, and whether it printed."""
        variable = self.get("variable")
        try:
            text = original(self, item, context)
        except VariableError:
            if variable not in self.generated_variables:
                _note(variable, False)
            raise
        if variable not in self.generated_variables:
            _note(variable, bool(text) or text == 0)
        return text

    return _variable


def _wrap_text_process_tracking(original):
    def process(self, item, context=None, **kwargs):
        """Note printed terms and fixed texts."""
        text, language = original(self, item, context, **kwargs)
        if "variable" not in self.attrib and "macro" not in self.attrib:
            _note_term(text)
        return text, language

    return process


def _wrap_tracked_process(original, variable_of):
    def process(self, item, *args, **kwargs):
        """Note the variable this element tries and whether it printed anything."""
        variable = variable_of(self, args, kwargs)
        if variable is None:  # a date inside a locale definition: its style-level cs:date is tracked
            return original(self, item, *args, **kwargs)
        try:
            result = original(self, item, *args, **kwargs)
        except VariableError:
            _note(variable, False)
            raise
        _note(variable, result is not None and str(result) != "")
        return result

    return process


def _date_variable(elem, args, kwargs):
    """The variable a cs:date renders (None for dates defined in a locale)."""
    if elem.is_locale_date():
        return None
    return kwargs.get("variable") or (args[0] if args and args[0] else None) or elem.get("variable")


def _wrap_label_tracking(original):
    def process(self, item, variable=None, plural=None, context=None, **kwargs):
        """A printed label counts as a printed term for its group."""
        text = original(self, item, variable, plural, context, **kwargs)
        _note_term(text)
        return text

    return process


def _install_tracking() -> None:
    model.Text._variable = _wrap_text_variable_tracking(model.Text._variable)
    model.Text.process = _wrap_text_process_tracking(model.Text.process)
    model.Names.process = _wrap_tracked_process(model.Names.process, lambda e, a, k: e.get("variable"))
    model.Number.process = _wrap_tracked_process(model.Number.process, lambda e, a, k: e.get("variable"))
    model.Date.process = _wrap_tracked_process(model.Date.process, _date_variable)
    model.Label.process = _wrap_label_tracking(model.Label.process)


# --- initialize-false ---------------------------------------------------------------------------------------------

_INITIALS_TOKEN = re.compile(r"^(?:[A-Z]\.?)+$")


def _initialize_option(name_elem, context) -> str:
    """The effective (inheritable) `initialize` option of a cs:name: name, then citation/bibliography, then style."""
    value = name_elem.get("initialize")
    if value is None:
        anchor = context if context is not None else name_elem
        found = anchor.xpath_search("./ancestor::*[self::cs:citation or self::cs:bibliography][1]")
        if found:
            value = found[0].get("initialize")
    if value is None:
        value = name_elem.get_root().get("initialize", "true")
    return value.lower()


def punctuate_initials(given: str, mark: str) -> str:
    """Keep full given names; write initials already present (``J``, ``J.R.R.``) with `mark` after each letter."""
    words = []
    for token in given.split():
        if _INITIALS_TOKEN.match(token) and (len(token) == 1 or "." in token):
            words.append(mark.join(token.replace(".", "")) + mark)
        else:
            words.append(token)
    return " ".join(" ".join(words).split())


def _wrap_initialize(original):
    def initialize(self, given, mark, context):
        """Honour initialize="false" (citeproc-py always initialises when initialize-with is set)."""
        if _initialize_option(self, context) == "false":
            return punctuate_initials(str(given), mark).rstrip()
        return original(self, given, mark, context)

    return initialize


def _install_initialize_false() -> None:
    model.Name.initialize = _wrap_initialize(model.Name.initialize)


# --- group-suppression ----------------------------------------------------------------------------------------


def _group_process(self, item, context=None, **kwargs):
    """cs:group: printed when a variable (or nested group) in it printed, or when it printed terms and tried no
    variable; suppressed otherwise (CSL 1.0.2 "Group", as citeproc-js applies it)."""
    frame = _GroupFrame()
    frames = _frames()
    frames.append(frame)
    output = []
    delimiter = self.get("delimiter", "")
    try:
        for child in self.iterchildren():
            try:
                if isinstance(child, model.Choose):
                    text = child.render(item, context=context, delimiter=delimiter, **kwargs)
                else:
                    text = child.render(item, context=context, **kwargs)
                if text is not None:
                    output.append(text)
            except VariableError:
                pass
    finally:
        frames.pop()
    if _close_frame(frame, bool(output)):
        return self.join(output)
    raise VariableError


def _wrap_macro_group(original):
    def process(self, item, context=None, **kwargs):
        """A macro call is a group of its own (as in citeproc-js): suppressed when it tried only empty variables."""
        if "macro" not in self.attrib:
            return original(self, item, context, **kwargs)
        frame = _GroupFrame()
        frames = _frames()
        frames.append(frame)
        try:
            text, language = original(self, item, context, **kwargs)
        finally:
            frames.pop()
        if not _close_frame(frame, text is not None and str(text) != ""):
            return None, language
        return text, language

    return process


def _install_group_suppression() -> None:
    model.Group.process = _group_process
    model.Text.process = _wrap_macro_group(model.Text.process)


# --- empty-label ------------------------------------------------------------------------------------------------


def _wrap_label_process(original):
    def process(self, item, variable=None, plural=None, context=None, **kwargs):
        """A cs:label with its own variable renders only when that variable is non-empty."""
        if variable is None:
            own = self.get("variable")
            if own == "locator":
                if not item.has_locator:
                    return None
            elif own and own.replace("-", "_") not in item.reference:
                return None
        return original(self, item, variable, plural, context, **kwargs)

    return process


def _install_empty_label() -> None:
    model.Label.process = _wrap_label_process(model.Label.process)


# --- substitute-suppression -------------------------------------------------------------------------------------


def _substitute_render(self, item, context=None, **kwargs):
    """Render the first non-empty substitute and suppress every variable it rendered in the rest of the cite."""
    for child in self.getchildren():
        recorder: set[str] = set()
        _recorders().append(recorder)
        try:
            if isinstance(child, model.Names) and child.name is None:
                names = self.xpath_search("./parent::cs:names[1]")[0]
                text = child.render(item, names_context=names, context=context, **kwargs)
            else:
                text = child.render(item, context=context, **kwargs)
        except VariableError:
            continue
        finally:
            _recorders().pop()
        if text:
            layout = (context if context is not None else self).get_layout()
            if child.get("variable"):
                recorder.update(child.get("variable").split())
            for tag in (model.Text, model.Names, model.Date, model.Number):
                tag_name = "{http://purl.org/net/xbiblio/csl}" + tag.__name__.lower()
                repressed = layout.repressed.setdefault(tag_name, [])
                repressed.extend(v for v in recorder if v not in repressed)
            return text
    return None


def _install_substitute_suppression() -> None:
    model.Substitute.render = _substitute_render


# --- rich-text-quotes -------------------------------------------------------------------------------------------
#
# Quotation marks are rendered as private-use markers (outer/inner, open/close) and only turned into the locale's
# terms when the citation or entry is complete. Until then a quotation nested in another can be flipped exactly (an
# apostrophe is never mistaken for a closing inner quote), and a period or comma that follows a closing mark can be
# moved inside it, whatever formatting tags lie between (punctuation-in-quote).

OPEN_OUTER, CLOSE_OUTER, OPEN_INNER, CLOSE_INNER = "\ue000", "\ue001", "\ue002", "\ue003"
#: A quotation typed with single curly marks (‘…’) at the top of a field: it stays single where nothing quotes it
#: (as typed: citeproc-js keeps it), and becomes the inner level inside a quoted element like any other.
OPEN_TYPED_SINGLE, CLOSE_TYPED_SINGLE = "\ue004", "\ue005"
_MARKS = OPEN_OUTER + CLOSE_OUTER + OPEN_INNER + CLOSE_INNER + OPEN_TYPED_SINGLE + CLOSE_TYPED_SINGLE
_CLOSE_MARKS = CLOSE_OUTER + CLOSE_INNER + CLOSE_TYPED_SINGLE
_FLIP = str.maketrans(
    {
        OPEN_OUTER: OPEN_INNER,
        CLOSE_OUTER: CLOSE_INNER,
        OPEN_INNER: OPEN_OUTER,
        CLOSE_INNER: CLOSE_OUTER,
        OPEN_TYPED_SINGLE: OPEN_INNER,
        CLOSE_TYPED_SINGLE: CLOSE_INNER,
    }
)
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_OPEN_CONTEXT = set("([{\u2014\u2013-/\u00a0")
#: Variables holding identifiers, never prose: their quotation marks and apostrophes are kept as typed.
_VERBATIM_VARIABLES = {"URL", "DOI", "ISBN", "ISSN", "PMID", "PMCID", "call-number", "citation-key"}


def smart_quotes(text: str) -> str:
    """Field text with its quotation marks as markers (nesting levels alternate outer/inner) and its straight
    apostrophes as ’, as citeproc-js reads rich text: "…", '…', “…” and ‘…’ all quote; an apostrophe inside a
    word (Xi's, l'Égypte) or one that closes nothing (the '90s, workers') is ’. Quotation marks that pair with
    nothing are left as typed. Text inside markup tags is not touched."""
    if not any(c in text for c in "\"'“”‘’"):
        return text
    chars = list(text)
    stack: list[tuple[int, str]] = []  # (index, "d" or "s") of the open quotations, innermost last
    closed: list[tuple[int, int, int]] = []  # (open index, close index, depth)
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "<":
            tag = _TAG.match(text, i)
            if tag:
                i = tag.end()
                continue
        if c not in "\"'“”‘’":
            i += 1
            continue
        prev = text[i - 1] if i else ""
        nxt = text[i + 1] if i + 1 < n else ""
        kind = "d" if c in '"“”' else "s"
        if kind == "s" and prev.isalnum() and nxt.isalnum():
            chars[i] = "’"  # an apostrophe inside a word
            i += 1
            continue
        open_kinds = [k for _, k in stack]
        can_close = c not in "“‘" and kind in open_kinds and prev != "" and not prev.isspace()
        can_open = (
            c not in "”’"
            and nxt != ""
            and not nxt.isspace()
            and (prev == "" or prev.isspace() or prev in _OPEN_CONTEXT or c in "“‘" or prev in "\"'“‘")
        )
        if can_close and (not can_open or open_kinds[-1] == kind):
            while stack:
                start, open_kind = stack.pop()
                if open_kind == kind:
                    closed.append((start, i, len(stack)))
                    break
                if text[start] == "'":
                    chars[start] = "’"  # an orphan opening ' is an apostrophe ('09)
        elif can_open:
            stack.append((i, kind))
        elif kind == "s" and c != "‘":
            chars[i] = "’"
        i += 1
    for start, _kind in stack:
        if text[start] == "'":
            chars[start] = "’"
    for start, end, depth in closed:
        if depth == 0 and text[start] == "‘":
            chars[start], chars[end] = OPEN_TYPED_SINGLE, CLOSE_TYPED_SINGLE
        else:
            outer = depth % 2 == 0
            chars[start] = OPEN_OUTER if outer else OPEN_INNER
            chars[end] = CLOSE_OUTER if outer else CLOSE_INNER
    return "".join(chars)


def _apostrophes(text: str) -> str:
    """Straight apostrophes after a letter as ’ (names: O'Brien, Shun'ichi)."""
    return re.sub(r"(?<=\w)'", "’", text)


def _map_segments(string, func):
    """Apply a text function to each segment of a citeproc string, keeping segment types (NoCase etc.)."""
    if isinstance(string, MixedString):
        return MixedString([_map_segments(part, func) for part in list.__iter__(string)])
    if isinstance(string, str):
        cls = type(string) if isinstance(string, String) else String
        return cls(func(str(string)))
    return string


def _map_whole(string, func):
    """Apply a same-length text function to the whole of a citeproc string (so a quotation may span segments),
    then cut the result back into the original segments."""
    if not isinstance(string, MixedString):
        return _map_segments(string, func)
    parts = list(list.__iter__(string))
    whole = func("".join(str(p) for p in parts))
    out, pos = [], 0
    for part in parts:
        length = len(str(part))
        piece = whole[pos : pos + length]
        pos += length
        out.append(type(part)(piece) if isinstance(part, String) else String(piece))
    return MixedString(out)


def _wrap_text_variable_quotes(original):
    def _variable(self, item, context):
        """Field text is rich text: its quotation marks and apostrophes become typographic (identifiers excepted)."""
        text = original(self, item, context)
        if isinstance(text, (str, MixedString)) and self.get("variable") not in _VERBATIM_VARIABLES:
            text = _map_whole(text, smart_quotes)
        return text

    return _variable


def _wrap_text_value_quotes(original):
    def process(self, item, context=None, **kwargs):
        """A fixed text (cs:text value) is read like field text."""
        text, language = original(self, item, context, **kwargs)
        if "value" in self.attrib and isinstance(text, str):
            text = String(smart_quotes(str(text)))
        return text, language

    return process


def _wrap_name_apostrophes(original):
    def process(self, item, variable, *args, **kwargs):
        """Apostrophes in names are typographic too (Shun’ichi, O’Brien)."""
        text = original(self, item, variable, *args, **kwargs)
        return _map_segments(text, _apostrophes) if isinstance(text, (str, MixedString)) else text

    return process


def _wrap_quote(original):
    def quote(self, string):
        """Quote with markers: the quotation's own quotations become inner ones (and theirs outer again)."""
        if self.get("quotes", "false").lower() != "true":
            return original(self, string)
        return String(OPEN_OUTER) + _map_segments(string, lambda t: t.translate(_FLIP)) + String(CLOSE_OUTER)

    return quote


def finish_quotes(element, text: str) -> str:
    """A complete citation or entry with its quotation markers as the locale's quotation marks, and a period or
    comma after a closing mark moved inside it when the locale asks for punctuation-in-quote (dropped when the
    quotation already ends in . ? or !)."""
    if not any(m in text for m in _MARKS):
        return text
    if (element.get_locale_option("punctuation-in-quote") or "false").lower() == "true":
        text = _PIQ.sub(_move_inside, text)
    return text.translate({ord(mark): term for mark, term in _quote_terms(element).items()})


def _quote_terms(element) -> dict[str, str]:
    """The locale's quotation marks for the markers."""
    inner_open = str(element.get_single_term(name="open-inner-quote") or "‘")
    inner_close = str(element.get_single_term(name="close-inner-quote") or "’")
    return {
        OPEN_OUTER: str(element.get_single_term(name="open-quote") or "“"),
        CLOSE_OUTER: str(element.get_single_term(name="close-quote") or "”"),
        OPEN_INNER: inner_open,
        CLOSE_INNER: inner_close,
        OPEN_TYPED_SINGLE: inner_open,
        CLOSE_TYPED_SINGLE: inner_close,
    }


_PIQ = re.compile(r"((?:</[A-Za-z]+>|[" + _CLOSE_MARKS + r"])+)([.,])")


def _move_inside(match: re.Match) -> str:
    """A period or comma after closing quotation marks (and closing tags) goes before them."""
    run, mark = match.group(1), match.group(2)
    if not any(m in run for m in _CLOSE_MARKS):
        return match.group(0)
    before = match.string[: match.start()]
    while before.endswith(">") and "<" in before:
        before = before[: before.rindex("<")]
    if before[-1:] in (".", "?", "!"):
        return run  # “Title?” takes no period after it
    return mark + run


def _affix_quotes(element, text: str) -> str:
    """A cite's prefix or suffix with straight quotation marks made typographic (curly ones are kept as typed, and
    no punctuation moves: the text is the author's own, as citeproc-js treats it)."""
    converted = smart_quotes(text)
    if converted == text:
        return text
    terms = _quote_terms(element)
    return "".join(
        typed if new in terms and typed in "“”‘’" else terms.get(new, new)
        for typed, new in zip(text, converted, strict=True)
    )


def _wrap_finish(original):
    def render(self, *args, **kwargs):
        """Turn the quotation markers of a finished citation or bibliography into quotation marks (a cite's own
        prefix and suffix are read as rich text too)."""
        cites = getattr(args[0], "cites", None) if args else None
        saved = []
        for cite in cites or ():
            for affix in ("prefix", "suffix"):
                if isinstance(cite.get(affix), str):
                    saved.append((cite, affix, cite[affix]))
                    dict.__setitem__(cite, affix, _affix_quotes(self, cite[affix]))
        try:
            result = original(self, *args, **kwargs)
        finally:
            for cite, affix, value in saved:
                dict.__setitem__(cite, affix, value)
        if isinstance(result, list) and not isinstance(result, MixedString):  # the bibliography's entries
            return [finish_quotes(self, str(entry)) if entry is not None else entry for entry in result]
        return finish_quotes(self, str(result)) if result is not None else result

    return render


def _install_rich_text_quotes() -> None:
    model.Text._variable = _wrap_text_variable_quotes(model.Text._variable)
    model.Text.process = _wrap_text_value_quotes(model.Text.process)
    model.Name.process = _wrap_name_apostrophes(model.Name.process)
    model.Quoted.quote = _wrap_quote(model.Quoted.quote)
    model.Layout.render_citation = _wrap_finish(model.Layout.render_citation)
    model.Layout.render_bibliography = _wrap_finish(model.Layout.render_bibliography)


# --- capitalize-first-letter ------------------------------------------------------------------------------------


def _capitalize_first(self):
    """Uppercase the first letter (not merely the first character: “new → “New)."""
    text = str(self)
    for index, char in enumerate(text):
        if char.isalpha():
            return self.__class__(text[:index] + char.upper() + text[index + 1 :])
        if char.isdigit():
            break
    return self.__class__(text)


def _install_capitalize_first_letter() -> None:
    String.capitalize_first = _capitalize_first


# --- title-case -------------------------------------------------------------------------------------------------

#: citeproc-js's stop words (its CSL.SKIP_WORDS, single words): kept lower case inside a title. citeproc-py knew 26
#: of them, so "Between", "Off", "Through" and "Without" were capitalised in Chicago, MLA and APA titles.
_STOP_WORDS = """about above across afore after against al along alongside amid amidst among amongst anenst apropos apud
    around as aside astride at athwart atop barring before behind below beneath beside besides between beyond but
    by circa despite down during et except for forenenst from given in inside into lest like modulo near next
    notwithstanding of off on onto out over per plus pro qua sans since than through thru throughout thruout till
    to toward towards under underneath until unto up upon versus vs. v. vs v via vis-à-vis with within without
    or yet so and nor a an the de d' von van c ca"""
TITLE_STOP_WORDS = frozenset(_STOP_WORDS.split())
_TC_TOKENS = re.compile(
    r"(<span\b[^>]*>|</span>|</?(?:i|b|sc|sub|sup)>|(?<!\w)\u2019|\u2019(?!\w)"  # an apostrophe in a word is no break
    r"|[\u2018\u201c\u201d\"'\ue000-\ue005\[\]()\-\u2013\u2014/.,;?!:])"
)
_TC_PROTECT = re.compile(r"<span\b[^>]*(?:nocase|nodecor|small-caps)[^>]*>|<(?:sc|sub|sup)>")
_TC_SPACES = re.compile(r"([\s\u00a0\u2000-\u200b\u205f\u3000]+)")


def title_case(text):
    """CSL title case as citeproc-js applies it: every lower-case word of two letters or more that is not a stop
    word is capitalised, and so are the first word, the last word and a word after ":", "?" or "!"; words already
    holding a capital, nocase spans and words split off by hyphens, dashes, slashes and quotation marks are
    treated as separate words (Out-of-Fashion, Self-Esteem)."""
    parts = list(list.__iter__(text)) if isinstance(text, MixedString) else [text]
    tokens: list[list] = []  # [kind, text, segment class]: kind is "word", "tag" or "keep"
    for part in parts:
        if isinstance(part, NoCase):
            tokens.append(["keep", str(part), type(part)])
            continue
        cls = type(part) if isinstance(part, String) else String
        for piece in _TC_TOKENS.split(str(part)):
            if piece:
                tokens.append(["tag" if _TC_TOKENS.fullmatch(piece) else "word", piece, cls])
    protected: list[str] = []
    first, after_punct, last = True, False, None
    first_string = next((i for i, t in enumerate(tokens) if t[0] != "tag"), None)
    for index, token in enumerate(tokens):
        kind, value = token[0], token[1]
        if kind == "tag":
            if _TC_PROTECT.fullmatch(value):
                protected.append("</span>" if value.startswith("<span") else "</" + value[1:])
            elif protected and value == protected[-1]:
                protected.pop()
            if value[-1:] in "!?:":
                after_punct = True
            continue
        if kind == "keep" or protected:
            if value.strip():
                first, after_punct, last = False, False, None
            continue
        following = tokens[index + 1][1] if index + 1 < len(tokens) else ""
        pieces = _TC_SPACES.split(value)
        words = [i for i, w in enumerate(pieces) if w and not _TC_SPACES.fullmatch(w)]
        for i in words:
            word = pieces[i]
            lower = word.lower()
            capitalise = (
                (len(word) > 1 and lower not in TITLE_STOP_WORDS)
                or (index == first_string and i == words[-1] and following == "-")
                or first
                or after_punct
            )
            if capitalise and word == lower:
                pieces[i] = _capitalise(word)
            first = after_punct = False
            last = (index, i)
        token[1] = "".join(pieces)
        token.append(pieces)
    if last is not None:
        token = tokens[last[0]]
        pieces = token[3]
        word = pieces[last[1]]
        if len(word) > 1 and word.lower() in TITLE_STOP_WORDS:
            pieces[last[1]] = _capitalise(word)
            token[1] = "".join(pieces)
    out: list = []
    for token in tokens:
        cls = token[2]
        if out and type(out[-1]) is cls:
            out[-1] = cls(str(out[-1]) + token[1])
        else:
            out.append(cls(token[1]))
    return MixedString(out) if len(out) != 1 else out[0]


def _capitalise(word: str) -> str:
    """The word with its first character upper-cased (a lone Greek letter stays as it is: β-Carotine)."""
    if len(word) == 1 and "\u0370" <= word <= "\u03ff":
        return word
    return word[0].upper() + word[1:]


def _wrap_case(original):
    def case(self, text, language=None):
        """text-case="title" through `title_case` (English items only, as before); the other cases unchanged."""
        if self.get("text-case") == "title" and language == "en" and text is not None:
            return title_case(text)
        return original(self, text, language)

    return case


def _install_title_case() -> None:
    model.TextCased.case = _wrap_case(model.TextCased.case)


# --- disambiguate-condition -------------------------------------------------------------------------------------

_OTHER_TESTS = {"type", "variable", "is-numeric", "is-uncertain-date", "locator", "position"}


def _is_ambiguous(item, element) -> bool:
    """Whether `item`'s cite reads the same as another registered item's, with every disambiguate test false.

    citeproc-py has no disambiguation step: this is the last one of CSL 1.0.2 ("Disambiguation"), compared on the
    citation layout rendered without locator, prefix or suffix. A bibliography of one item (how npf cites) is never
    ambiguous and costs nothing.
    """
    try:
        bibliography = item.bibliography
    except (AttributeError, VariableError):
        return False
    keys = list(bibliography.keys)
    if len(keys) < 2 or getattr(_state, "disambiguating", False):
        return False
    cache = getattr(bibliography, "_npf_cites", None)
    if cache is None or cache[0] != keys:
        cache = (keys, _plain_cites(bibliography, keys, element))
        bibliography._npf_cites = cache
    cites = cache[1]
    mine = cites.get(item.key)
    return mine is not None and any(other == mine for key, other in cites.items() if key != item.key)


def _plain_cites(bibliography, keys: list[str], element) -> dict[str, str | None]:
    """Each registered item's cite, rendered alone with disambiguate tests false (the rendering state is kept)."""
    from citeproc.source import Citation, CitationItem

    layout = element.get_root().citation.layout
    saved = (getattr(layout, "repressed", None), dict(_state.__dict__))
    _state.disambiguating, _state.frames, _state.recorders = True, [], []
    cites: dict[str, str | None] = {}
    try:
        for key in keys:
            probe = CitationItem(key)
            Citation([probe]).bibliography = bibliography
            layout.repressed = {}
            try:
                text = layout.render_children(probe)
            except Exception:  # an item that cannot render alone is ambiguous with nothing
                text = None
            cites[key] = str(text) if text is not None else None
    finally:
        layout.repressed = saved[0]
        _state.__dict__.clear()
        _state.__dict__.update(saved[1])
    return cites


def _wrap_if_render(original):
    def render(self, item, context=None, delimiter="", **kwargs):
        """Evaluate disambiguate="true|false" together with the other tests, under `match`."""
        wanted = self.get("disambiguate")
        if wanted is None:
            return original(self, item, context=context, delimiter=delimiter, **kwargs)
        test = _is_ambiguous(item, self) == (wanted.strip().lower() == "true")
        match = self.get("match", "all")
        if match == "any":
            if test:
                return self.render_children(item, context=context, delimiter=delimiter, **kwargs)
            if not _OTHER_TESTS.intersection(self.attrib):
                raise model.ConditionFailed
        elif (match == "none") == test:
            raise model.ConditionFailed
        return original(self, item, context=context, delimiter=delimiter, **kwargs)

    return render


def _install_disambiguate_condition() -> None:
    model.If.render = _wrap_if_render(model.If.render)  # Else_If inherits it


# --- nocase-keeps-case ------------------------------------------------------------------------------------------


def _keep_case(self):
    """A `<span class="nocase">` segment is never re-cased (CSL 1.0.2 "Text-case")."""
    return self


def _install_nocase_keeps_case() -> None:
    NoCase.lower = NoCase.upper = _keep_case


# --- cjk-names --------------------------------------------------------------------------------------------------

_CJK_NAME = re.compile(
    r"^[\u2e80-\u2fdf\u3005-\u3007\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
    r"\U00020000-\U0003134f]+$"
)


def _is_cjk_name(name) -> bool:
    """A personal name whose family (and given) name are written in Chinese, Japanese or Korean script."""
    if "literal" in name or not name.get("family"):
        return False
    given = name.get("given") or ""
    return bool(_CJK_NAME.match(str(name["family"]))) and (not given or bool(_CJK_NAME.match(str(given))))


def _wrap_cjk_names(original):
    def process(self, item, variable, context=None, sort_options=None, **kwargs):
        """CJK names in a long form: family name then given name, no space (for this list of names only)."""
        from citeproc.source import Name as CslName

        names = item.reference.get(variable) or []
        if self.get_option("form", context, sort_options) == "short" or not any(_is_cjk_name(n) for n in names):
            return original(self, item, variable, context=context, sort_options=sort_options, **kwargs)
        joined = [
            CslName(literal=str(n["family"]) + str(n.get("given") or "")) if _is_cjk_name(n) else n for n in names
        ]
        dict.__setitem__(item.reference, variable, joined)
        try:
            return original(self, item, variable, context=context, sort_options=sort_options, **kwargs)
        finally:
            dict.__setitem__(item.reference, variable, names)

    return process


def _install_cjk_names() -> None:
    model.Name.process = _wrap_cjk_names(model.Name.process)


# --- after-inverted-name ----------------------------------------------------------------------------------------


def _wrap_after_inverted_name(original):
    def process(self, item, variable, context=None, sort_options=None, **kwargs):
        """Resolve delimiter-precedes-last/-et-al="after-inverted-name" to "always" or "never" for this list."""
        names = item.reference.get(variable) or []
        order = self.get_option("name-as-sort-order", context, sort_options)
        use_first = self.get_option("et-al-use-first", context, sort_options)
        restore = []
        for option, index in (("delimiter-precedes-last", len(names) - 2), ("delimiter-precedes-et-al", use_first - 1)):
            if self.get_option(option, context, sort_options) != "after-inverted-name":
                continue
            personal = 0 <= index < len(names) and "literal" not in names[index]
            inverted = personal and (order == "all" or (order == "first" and index == 0))
            restore.append((option, self.get(option)))
            self.set(option, "always" if inverted else "never")
        try:
            return original(self, item, variable, context=context, sort_options=sort_options, **kwargs)
        finally:
            for option, value in restore:
                if value is None:
                    self.attrib.pop(option, None)
                else:
                    self.set(option, value)

    return process


def _install_after_inverted_name() -> None:
    model.Name.process = _wrap_after_inverted_name(model.Name.process)


# --- second-field-align -----------------------------------------------------------------------------------------


def _wrap_render_bibliography(original):
    def render_bibliography(self, citation_items):
        """The first field set apart: csl-left-margin/csl-right-inline blocks in HTML, a space in plain text."""
        if not self.getparent().get("second-field-align"):
            return original(self, citation_items)
        html = getattr(self.get_formatter(), "__name__", "").endswith("html")
        prefix, suffix = self.get("prefix", ""), self.get("suffix", "")
        entries = []
        for item in citation_items:
            self.repressed = {}
            fields = [text for text in _render_each(self, item) if text is not None and str(text) != ""]
            if not fields:
                continue
            first = fields[0]
            rest = join(fields[1:]) if len(fields) > 1 else None
            if rest is None:
                entries.append(self.format(self.wrap(first)))
            elif html:
                entries.append(
                    '\n    <div class="csl-left-margin">'
                    + str(self.format(prefix + first))
                    + '</div><div class="csl-right-inline">'
                    + str(self.format(rest + suffix))
                    + "</div>\n  "
                )
            else:
                gap = "" if str(rest)[:1].isspace() else " "
                entries.append(self.format(self.wrap(first + gap + rest)))
        return entries

    return render_bibliography


def _render_each(layout, item) -> list:
    """Each child of a layout rendered on its own (what Parent.render_children joins)."""
    out = []
    for child in layout.iterchildren():
        try:
            out.append(child.render(item))
        except VariableError:
            out.append(None)
    return out


def _install_second_field_align() -> None:
    model.Layout.render_bibliography = _wrap_render_bibliography(model.Layout.render_bibliography)


# --- installing ---------------------------------------------------------------------------------------------------

#: The fixes in the order they are installed (a later wrapper wraps an earlier one of the same method).
FIXES: dict[str, Callable[[], None]] = {
    "initialize-false": _install_initialize_false,
    "group-suppression": _install_group_suppression,
    "empty-label": _install_empty_label,
    "substitute-suppression": _install_substitute_suppression,
    "second-field-align": _install_second_field_align,
    "capitalize-first-letter": _install_capitalize_first_letter,
    "title-case": _install_title_case,
    "disambiguate-condition": _install_disambiguate_condition,
    "nocase-keeps-case": _install_nocase_keeps_case,
    "cjk-names": _install_cjk_names,
    "after-inverted-name": _install_after_inverted_name,
    "rich-text-quotes": _install_rich_text_quotes,
    "sort-keys": install_sort_keys,
    "implicit-year-suffix": install_implicit_year_suffix,
    "subsequent-author-substitute": install_subsequent_author_substitute,
}


def apply(without: Collection[str] = ()) -> None:
    """Install the fixes into citeproc-py, once per process; UnsupportedCiteproc on an unchecked release.

    `without` leaves fixes out, to measure what each one does (tests/csl_suite/harness.py --without); npf never
    passes it.
    """
    global _applied
    if _applied:
        return
    check_version()
    unknown = set(without) - set(FIXES)
    if unknown:
        raise ValueError(f"unknown fixes: {', '.join(sorted(unknown))}")
    if not {"group-suppression", "substitute-suppression"} <= set(without):
        _install_tracking()
    for name, install in FIXES.items():
        if name not in without:
            install()
    _applied = True
