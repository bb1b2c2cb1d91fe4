"""NO_COLOR: the highlighted option of a list shown by an attribute, since its background colour is dropped."""

from __future__ import annotations

from rich.style import Style as RichStyle
from textual.strip import Strip
from textual.widgets import OptionList


class NoColorHighlight(OptionList):
    """An OptionList whose highlighted option is drawn reversed (or in `NO_COLOR_HIGHLIGHT`) under NO_COLOR.

    Textual shows the highlighted option by its background colour alone, which NO_COLOR removes (the app then
    draws in the terminal's own colours), and its CSS `text-style: reverse` does not reach an option's lines
    (Textual 8 leaves `reverse` out of a component's visual style): the attribute is laid over the lines here.
    """

    #: Laid over the highlighted option's lines under NO_COLOR (the marks inside keep their own attributes).
    NO_COLOR_HIGHLIGHT = RichStyle(reverse=True)

    def render_line(self, y: int) -> Strip:
        """One line of the list; under NO_COLOR the highlighted option's lines carry NO_COLOR_HIGHLIGHT."""
        strip = super().render_line(y)
        if not self.app.no_color or self.highlighted is None:
            return strip
        lines = self._lines  # (option index, line in option) per line: OptionList's own map
        line = self.scroll_offset.y + y
        if line < len(lines) and lines[line][0] == self.highlighted:
            return strip.apply_style(self.NO_COLOR_HIGHLIGHT)
        return strip


class MarkedOptionList(NoColorHighlight):
    """A plain OptionList (dialogs) with the NO_COLOR highlight."""
