"""Corrections to citeproc-py's CSL processing where it departs from the CSL 1.0.2 specification.

Each fix replaces or wraps one citeproc-py method, once, when this module is imported (``apply()`` is idempotent).
They are patches of the processor's behaviour, not edits of its output, so they hold for every style:

1. ``initialize="false"`` is ignored (Name.initialize): styles such as Chicago and MLA set ``initialize-with`` on the
   style and ``initialize="false"`` on the name, asking for full given names; citeproc-py always shortens them to
   initials. Fixed: when the effective ``initialize`` option is false, given names are kept and only initials already
   present are punctuated with ``initialize-with`` (CSL spec, "Name-part Formatting / initialize").
2. Group suppression is decided statically (Group.process): citeproc-py counts a variable as "called" when it appears
   in *any* branch of a nested ``cs:choose`` and as "rendered" when the choose printed anything at all, even a bare
   term. So Chicago prints a stray "Edition." (a label with no edition) and GB/T 7714 loses "[N]" for a newspaper
   article without a URL. Fixed: variables are tracked while rendering, so only variables actually tried count.
3. ``cs:label`` prints its term when the variable is empty (Label.process): the spec says a label is only rendered
   when its variable is non-empty.
4. Substitution suppresses too little (Substitute.render): when the title stands in for a missing author through a
   macro (APA, MLA, Chicago), citeproc-py only represses variables named directly on the substitute's child, so the
   title is printed twice. Fixed: every variable the substitute actually rendered is suppressed in the rest of the
   cite, as the spec requires.
5. ``punctuation-in-quote`` is read but never applied (Quoted.quote): American English styles put a following period
   or comma inside the closing quotation mark (“Title.” not “Title”.). Fixed: the closing quote is emitted as a marked
   string segment, and joining a period or comma onto it moves the mark inside (dropping it after ? ! or .).
6. Quotation marks inside quoted text are not flipped (Quoted.quote): a title that itself contains “…” printed in
   quotes came out as “China’s “new …””. Fixed: double quotes inside are turned into the locale's inner quotes.
7. Title case skips words that start with punctuation (String.capitalize_first uppercases the first *character*, so
   “new and ‘extend stayed lower case). Fixed: the first letter is uppercased.
8. ``disambiguate="true"`` conditions are always true (If.render ignores the attribute, so an empty test list passes):
   MLA then prints the title in every in-text citation. citeproc-py performs no disambiguation, and we cite one
   work at a time, so the condition is false.
"""

from __future__ import annotations

import re
import threading

from citeproc import model
from citeproc.source import VariableError
from citeproc.string import MixedString, String

_state = threading.local()
_applied = False


# --- variable tracking shared by fixes 2 and 4 -------------------------------------------------------------------


class _GroupFrame:
    """What happened to variables while one cs:group rendered its children."""

    __slots__ = ("called", "rendered")

    def __init__(self) -> None:
        self.called = False
        self.rendered = False


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
    """Record that a rendering element called `variable` and whether it printed anything."""
    frames = _frames()
    if frames:
        frames[-1].called = True
        if rendered:
            frames[-1].rendered = True
    if rendered and variable:
        for recorder in _recorders():
            recorder.update(variable.split())


# --- fix 1: initialize="false" ------------------------------------------------------------------------------------

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


# --- fix 2: dynamic group suppression -----------------------------------------------------------------------------


def _group_process(self, item, context=None, **kwargs):
    """cs:group: suppressed when it called variables and all of those actually tried were empty (CSL 1.0.2)."""
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
    success = not frame.called or frame.rendered
    if frames:
        # To the enclosing group this group counts as a called variable, rendered only if it printed a variable.
        frames[-1].called = frames[-1].called or frame.called
        frames[-1].rendered = frames[-1].rendered or (frame.rendered and bool(output))
    if output and success:
        return self.join(output)
    raise VariableError


def _wrap_text_variable(original):
    def _variable(self, item, context):
        """Note each variable a cs:text tries (for group suppression and substitution)."""
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


# --- fix 3: labels of empty variables -----------------------------------------------------------------------------


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


# --- fix 4: substitution suppresses what it rendered --------------------------------------------------------------


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


# --- fix 5: punctuation-in-quote ----------------------------------------------------------------------------------


class CloseQuote(String):
    """A closing quotation mark after which a period or comma moves inside (punctuation-in-quote)."""


_PIQ_MARKS = ".,"
_ENDS_SENTENCE = ".?!"


def _wrap_quote(original):
    def quote(self, string):
        """Quote as before; with punctuation-in-quote, mark the closing quote so a following . or , moves in."""
        if self.get("quotes", "false").lower() != "true":
            return original(self, string)
        piq = (self.get_locale_option("punctuation-in-quote") or "false").lower() == "true"
        open_quote = self.get_single_term(name="open-quote")
        close_quote = self.get_single_term(name="close-quote")
        inner_open = str(self.get_single_term(name="open-inner-quote") or "‘")
        inner_close = str(self.get_single_term(name="close-inner-quote") or "’")
        string = _map_segments(
            string, lambda t: _flip_quotes(t, str(open_quote), str(close_quote), inner_open, inner_close)
        )
        if not piq:
            return open_quote + string + close_quote
        return MixedString([open_quote]) + string + MixedString([CloseQuote(str(close_quote))])

    return quote


def _flip_quotes(text: str, outer_open: str, outer_close: str, inner_open: str, inner_close: str) -> str:
    """Double quotation marks inside quoted text become the inner ones (straight pairs too)."""
    text = re.sub(r'"([^"]*)"', lambda m: inner_open + m.group(1) + inner_close, text)
    for mark in {outer_open, "“"}:
        text = text.replace(mark, inner_open)
    for mark in {outer_close, "”"}:
        text = text.replace(mark, inner_close)
    return text


def _map_segments(string, func):
    """Apply a text function to each segment of a citeproc string, keeping segment types (NoCase etc.)."""
    if isinstance(string, MixedString):
        return MixedString([_map_segments(part, func) for part in list.__iter__(string)])
    if isinstance(string, str):
        cls = type(string) if isinstance(string, String) else String
        return cls(func(str(string)))
    return string


def _wrap_mixed_add(original):
    def __add__(self, other):
        """Join; a period or comma right after a marked closing quote goes inside it."""
        segments = list(list.__iter__(self))
        other_text = str(other) if other is not None else ""
        if segments and isinstance(segments[-1], CloseQuote) and other_text[:1] in tuple(_PIQ_MARKS):
            inner = "".join(map(str, segments[:-1]))
            mark, rest = other_text[0], other_text[1:]
            # A quotation that itself ends in an inner quotation takes the mark inside both: “… ‘Forces.’”
            trailing = ""
            if inner.endswith("’") and "‘" in inner:
                inner, trailing = inner[:-1], "’"
            if inner and inner[-1] not in _ENDS_SENTENCE:
                inner += mark
            moved = MixedString([String(inner + trailing), String(str(segments[-1]))])
            if not rest:
                return moved
            return original(moved, _strip_first(other))
        return original(self, other)

    return __add__


def _strip_first(other):
    """`other` without its first character, keeping its segment structure where it has one."""
    if isinstance(other, MixedString):
        parts = list(list.__iter__(other))
        head = str(parts[0])[1:]
        parts[0:1] = [type(parts[0])(head)] if head else []
        return MixedString(parts)
    return type(other)(str(other)[1:]) if isinstance(other, str) else other


# --- fix 7: title case after leading punctuation -----------------------------------------------------------------


def _capitalize_first(self):
    """Uppercase the first letter (not merely the first character: “new → “New)."""
    text = str(self)
    for index, char in enumerate(text):
        if char.isalpha():
            return self.__class__(text[:index] + char.upper() + text[index + 1 :])
        if char.isdigit():
            break
    return self.__class__(text)


# --- fix 8: disambiguate="true" -----------------------------------------------------------------------------------


def _wrap_if_render(original):
    def render(self, item, context=None, delimiter="", **kwargs):
        """A disambiguate="true" test fails: no disambiguation is performed."""
        if self.get("disambiguate", "").lower() == "true":
            raise model.ConditionFailed
        return original(self, item, context=context, delimiter=delimiter, **kwargs)

    return render


def apply() -> None:
    """Install the fixes into citeproc-py (once per process)."""
    global _applied
    if _applied:
        return
    model.Name.initialize = _wrap_initialize(model.Name.initialize)
    model.Group.process = _group_process
    model.Text._variable = _wrap_text_variable(model.Text._variable)
    model.Names.process = _wrap_tracked_process(model.Names.process, lambda e, a, k: e.get("variable"))
    model.Number.process = _wrap_tracked_process(model.Number.process, lambda e, a, k: e.get("variable"))
    model.Date.process = _wrap_tracked_process(model.Date.process, _date_variable)
    model.Label.process = _wrap_label_process(model.Label.process)
    model.Substitute.render = _substitute_render
    model.Quoted.quote = _wrap_quote(model.Quoted.quote)
    MixedString.__add__ = _wrap_mixed_add(MixedString.__add__)
    String.capitalize_first = _capitalize_first
    model.If.render = _wrap_if_render(model.If.render)  # Else_If inherits it
    _applied = True
