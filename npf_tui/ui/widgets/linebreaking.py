"""Content broken into lines by the core's line breaker (Chinese rules: no line starts with 。，： and the like)."""

from __future__ import annotations

from textual.content import Content
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual

from npf_tui.core.text.linebreak import break_offsets


def break_content(content: Content, width: int) -> Content:
    """`content` with a newline at each line break for `width` cells, its styles (marks) kept: it then fits the
    width line by line, so Textual's own wrapping, which breaks Chinese before 。 or ， too, never runs."""
    offsets = break_offsets(content.plain, width)
    if not offsets:
        return content
    return Content("\n").join(line.rstrip() for line in content.divide(offsets))


class LineBroken(Visual):
    """A Content shown with `break_content` line breaking (the result list's snippets)."""

    def __init__(self, content: Content) -> None:
        """Wrap `content`; its line breaks are computed once per width."""
        self.content = content
        self._broken: tuple[int, Content] | None = None

    def broken(self, width: int) -> Content:
        """The content broken for `width` cells (cached for the last width)."""
        if self._broken is None or self._broken[0] != width:
            self._broken = (width, break_content(self.content, width))
        return self._broken[1]

    def get_optimal_width(self, rules, container_width: int) -> int:
        """The content's own width."""
        return self.content.get_optimal_width(rules, container_width)

    def get_height(self, rules, width: int) -> int:
        """Lines at this width."""
        return self.broken(width).get_height(rules, width)

    def render_strips(self, width: int, height: int | None, style: Style, options: RenderOptions) -> list[Strip]:
        """The broken lines."""
        return self.broken(width).render_strips(width, height, style, options)
