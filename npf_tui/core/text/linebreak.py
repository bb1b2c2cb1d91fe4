"""Line breaking in terminal cells for mixed Chinese and English text, with the Chinese prohibition rules (禁则).

English breaks at spaces; Chinese between any two characters, except that no line may start with closing
punctuation (。，、；：？！）」』”’》〉】… and the like), no line may end with opening punctuation
(“‘（《「『【…), and a 「——」 or 「……」 pair is never split. A mark that may not start a line is kept on the
line above by carrying the character before it down with it (追い出し, "push out"), never by hanging it past the
margin: every line fits the width, so a terminal never folds it a second time.

Widths follow the terminal: East Asian Wide and Fullwidth characters take two cells, combining marks none,
everything else (the ambiguous curly quotes “ ” included, as terminals and Rich draw them) one.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import accumulate, pairwise

#: Closing punctuation and marks no line may start with (Chinese, Japanese and the ASCII equivalents).
NO_LINE_START = frozenset(
    "。，、；：？！）」』”’》〉】〕］｝〗〙…‥・·．﹐﹑﹒﹔﹕﹖﹗％‰々ー〻ゝゞヽヾぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ"
    ",.;:!?)]}%"
)
#: Opening punctuation no line may end with.
NO_LINE_END = frozenset("“‘（《「『【〈〔［｛〖〘([{＄￥$£")
#: Marks written doubled (——, ……) whose halves stay on one line.
PAIRED = frozenset("—…⋯")


@lru_cache(maxsize=4096)
def char_width(char: str) -> int:
    """Cells one character takes in a terminal: 2 for East Asian Wide/Fullwidth, 0 for combining marks and
    zero-width format characters, else 1."""
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def text_width(text: str) -> int:
    """Cells a string takes in a terminal (see `char_width`)."""
    return sum(char_width(c) for c in text)


def _breaks_between_characters(char: str) -> bool:
    """Whether text may break before or after `char` without a space: the wide characters (Chinese, Japanese and
    Korean ideographs and syllables, fullwidth punctuation). Narrow marks (’ ” — …) do not open a break on their
    own, so English `don’t` or `“word”` never splits; beside a Chinese character they follow the rules above."""
    return char_width(char) == 2


def _may_break(prev: str, nxt: str) -> bool:
    """Whether a line may break between `prev` and `nxt` (neither a space)."""
    if nxt in NO_LINE_START or prev in NO_LINE_END:
        return False
    if prev in PAIRED and nxt == prev:
        return False
    return _breaks_between_characters(prev) or _breaks_between_characters(nxt)


#: Characters that are all one cell wide and never break without a space (Latin, Greek, Cyrillic, general
#: punctuation such as ’ “ — …): a paragraph made only of them takes the fast path (most English text; the
#: per-character rules cost ~3x more on the longest bundled document).
_NOT_PLAIN_NARROW = re.compile(r"[^\u0000-\u00ac\u00ae-\u02ff\u0370-\u0482\u048a-\u052f\u2010-\u205f]")
_SPACE_RUN = re.compile(r"\s+")


def break_opportunities(text: str) -> list[int]:
    """Offsets where a line may start (0 < offset < len(text)): after a run of spaces (not the indent that opens
    the text), and between two characters when either is Chinese; never before closing punctuation (a space
    before 。 does not make a place to break) nor after opening punctuation."""
    if not _NOT_PLAIN_NARROW.search(text):
        return [
            m.end()
            for m in _SPACE_RUN.finditer(text)
            if m.start() > 0
            and m.end() < len(text)
            and text[m.end()] not in NO_LINE_START
            and text[m.start() - 1] not in NO_LINE_END
        ]
    offsets = []
    visible = ""  # the last character before i that is not a space ("" in the indent that opens the text)
    for i in range(1, len(text)):
        prev, nxt = text[i - 1], text[i]
        if not prev.isspace():
            visible = prev
        if nxt.isspace() or not visible:
            continue
        if prev.isspace():
            if nxt not in NO_LINE_START and visible not in NO_LINE_END:
                offsets.append(i)
        elif _may_break(prev, nxt):
            offsets.append(i)
    return offsets


def break_offsets(text: str, width: int) -> list[int]:
    """Where the lines of `text` wrapped to `width` cells start (0 excluded), as `Content.divide` takes them.

    Greedy: each line takes as many unbreakable units (a word with its trailing spaces, or a Chinese character
    with the punctuation that must stay beside it) as fit; spaces at the end of a line do not count toward its
    width. A unit wider than the whole line is cut between characters. A newline always ends a line.
    """
    width = max(1, width)
    offsets: list[int] = []
    start = 0
    for line in text.split("\n"):
        if start:
            offsets.append(start)
        offsets += [start + o for o in _wrap_line(line, width)]
        start += len(line) + 1
    return offsets


def _wrap_line(line: str, width: int) -> list[int]:
    """`break_offsets` for text without newlines."""
    # cells[i]: the width of line[:i]
    cells = [0, *accumulate(map(char_width, line))] if _NOT_PLAIN_NARROW.search(line) else range(len(line) + 1)
    offsets: list[int] = []
    bounds = [0, *break_opportunities(line), len(line)]
    line_start = 0  # where the current line starts
    for a, b in pairwise(bounds):
        body_end = a + len(line[a:b].rstrip())  # trailing spaces may run past the margin: they are dropped
        if a > line_start and cells[body_end] - cells[line_start] > width:
            offsets.append(a)
            line_start = a
        if cells[body_end] - cells[a] > width:
            # a word (or URL) longer than the line: cut it between characters, as a terminal would
            for i in range(a + 1, body_end):
                if cells[i + 1] - cells[line_start] > width and cells[i] > cells[line_start] and not line[i].isspace():
                    offsets.append(i)
                    line_start = i
    return offsets


def wrap(text: str, width: int) -> list[str]:
    """`text` cut into lines of at most `width` cells (trailing spaces of each line dropped)."""
    bounds = [0, *break_offsets(text, width), len(text)]
    return [text[a:b].rstrip(" \n") for a, b in pairwise(bounds)]
