"""The reader pane: a document's header and numbered paragraphs, highlights, a cursor paragraph, sentence selection."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from rich.style import Style as RichStyle
from textual import work
from textual.actions import SkipAction
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from npf_tui.core.annotations import ORPHANED, Annotation, DocState, Place
from npf_tui.core.models import Document
from npf_tui.core.text.reading_aid import Word
from npf_tui.core.text.sentences import Sentence, index_at, split_sentences

from .linebreaking import break_content
from .nocolor import NoColorHighlight

#: Styles of the marks laid over paragraph text (theme variables resolve at render time).
MATCH_STYLE = "bold $text-warning on $warning-muted"
MENTION_STYLE = "bold $text-success on $success-muted"
CURRENT_STYLE = "bold reverse"
SELECTION_STYLE = "bold underline $text-accent on $accent-muted"
#: An annotation (a mark the person made with `m`): underlined in the secondary colour, under the other marks.
ANNOTATION_STYLE = "underline $text-secondary"
#: The annotation `'`/`"` stepped to.
CURRENT_ANNOTATION_STYLE = "underline reverse $text-secondary"
#: Pinyin shown after each Chinese word (`P`): dim, so the characters stay what the eye reads.
PINYIN_STYLE = "italic $text-muted"
#: Under NO_COLOR (every colour dropped, the terminal's own colours used) the marks differ by attributes alone; the
#: cursor paragraph is bold there (app.tcss), so a match is underlined and the current one reversed.
NO_COLOR_STYLES = {
    MATCH_STYLE: "bold underline",
    MENTION_STYLE: "bold underline",
    CURRENT_STYLE: "bold reverse",
    SELECTION_STYLE: "reverse",
    ANNOTATION_STYLE: "italic underline",
    CURRENT_ANNOTATION_STYLE: "italic underline reverse",
    PINYIN_STYLE: "italic",
}
#: Gutter marker of a paragraph holding annotations: `*` when one of them has a note, `+` otherwise (ASCII: no
#: East Asian ambiguous width, and readable under NO_COLOR).
NOTE_MARKER, MARK_MARKER = "*", "+"


def step_to(keys: list[tuple[int, int]], here: tuple[int, float], direction: int) -> tuple[int, bool]:
    """The index of the next (direction > 0) or previous position in `keys` (sorted) from `here`, and whether the
    step wrapped around the document's end, as less and vim do."""
    if direction > 0:
        ahead = [n for n, key in enumerate(keys) if key > here]
        return (ahead[0], False) if ahead else (0, True)
    behind = [n for n, key in enumerate(keys) if key < here]
    return (behind[-1], False) if behind else (len(keys) - 1, True)


@dataclass(frozen=True)
class Mark:
    """A marked span of one paragraph (a query match or an entity mention)."""

    paragraph: int
    start: int
    end: int


@dataclass(frozen=True)
class Selection:
    """What `y` copies: a span of one paragraph (the whole paragraph, one sentence or a run of sentences)."""

    doc: Document
    paragraph: int
    start: int
    end: int
    whole: bool

    @property
    def text(self) -> str:
        """The selected text."""
        return self.doc.paragraph(self.paragraph)[self.start : self.end]


class NumberedParagraph(Visual):
    """A paragraph with its number in a left gutter; wrapped lines keep a hanging indent under the number.

    The body is broken into lines by `core.text.linebreak` (Chinese line-breaking rules: no line starts with 。，：
    and the like) before Textual sees it, so Textual's own wrapping, which breaks CJK text anywhere, never runs.
    """

    def __init__(self, number: int, body: Content, gutter: int, spacing: int = 1, marker: str = "") -> None:
        """`gutter` is the width (cells) of the number column, a space included; `spacing` blank lines follow;
        `marker` (one cell) goes between the number and the text (the paragraph holds annotations)."""
        self.number = number
        self.marker = marker
        self.body = body
        self.gutter = gutter
        self.spacing = spacing
        self._wrapped: tuple[int, Content] | None = None  # (body width, the body broken into lines at it)

    def wrapped(self, body_width: int) -> Content:
        """The body broken into lines of at most `body_width` cells (one line per `\\n`), marks kept."""
        if self._wrapped is None or self._wrapped[0] != body_width:
            self._wrapped = (body_width, break_content(self.body, body_width))
        return self._wrapped[1]

    def get_optimal_width(self, rules, container_width: int) -> int:
        """The gutter plus the body's own width."""
        return self.gutter + self.body.get_optimal_width(rules, container_width)

    def get_height(self, rules, width: int) -> int:
        """Lines the body takes beside the gutter, plus the blank line(s) after it."""
        body_width = max(1, width - self.gutter)
        return self.wrapped(body_width).get_height(rules, body_width) + self.spacing

    def render_strips(self, width: int, height: int | None, style: Style, options: RenderOptions) -> list[Strip]:
        """The body wrapped beside the gutter, the number on the first line."""
        body_width = max(1, width - self.gutter)
        body = self.wrapped(body_width)
        strips = body.render_strips(body_width, height, style, options) or [Strip.blank(body_width)]
        if self.marker:
            label = Content.assemble(
                (f"{self.number:>{self.gutter - 2}}", "dim"), (self.marker, "bold $text-secondary"), " "
            )
        else:
            label = Content.styled(f"{self.number:>{self.gutter - 1}} ", "dim")
        first = label.render_strips(self.gutter, 1, style, options)[0].extend_cell_length(self.gutter, style.rich_style)
        blank = Strip.blank(self.gutter, style.rich_style)
        lines = [
            Strip.join([first if n == 0 else blank, strip.extend_cell_length(body_width, style.rich_style)])
            for n, strip in enumerate(strips)
        ]
        # OptionList leaves vertical padding out of its line count, so the gap between paragraphs is drawn here
        return lines + [Strip.blank(width)] * self.spacing


class ParagraphList(NoColorHighlight):
    """The paragraphs of one document; the highlighted option is the cursor paragraph."""

    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", show=False, id="npf.reader.down"),
        Binding("k,up", "cursor_up", "Up", show=False, id="npf.reader.up"),
        Binding("right_square_bracket", "cursor_down", "Next paragraph", show=False, id="npf.reader.next_paragraph"),
        Binding("left_square_bracket", "cursor_up", "Previous paragraph", show=False, id="npf.reader.prev_paragraph"),
        Binding("g,home", "first", "Top", show=False, id="npf.reader.top"),
        Binding("G,end", "last", "Bottom", show=False, id="npf.reader.bottom"),
        Binding("space,ctrl+f,pagedown", "page(1)", "Page down", show=False, id="npf.reader.page_down"),
        Binding("b,ctrl+b,pageup", "page(-1)", "Page up", show=False, id="npf.reader.page_up"),
        Binding("ctrl+d", "page(0.5)", "Half page down", show=False, id="npf.reader.half_page_down"),
        Binding("ctrl+u", "page(-0.5)", "Half page up", show=False, id="npf.reader.half_page_up"),
    ]

    #: Under NO_COLOR the cursor paragraph is bold (reversed, a whole paragraph would be hard to read); its matches
    #: are underlined and the current one reversed (NO_COLOR_STYLES).
    NO_COLOR_HIGHLIGHT = RichStyle(bold=True)

    top_pending = False  # a freshly shown document waits for its first layout
    _hold_scroll = False  # paging sets the cursor without scrolling to it (the page is already where it should be)

    def scroll_to_highlight(self, top: bool = False) -> None:
        """Bring the cursor paragraph into view, except while a page key moves the view itself."""
        if not self._hold_scroll:
            super().scroll_to_highlight(top)

    def action_page(self, pages: float) -> None:
        """Scroll by `pages` screens (1 forward, -1 back, ±0.5 half a screen; a full page keeps one line of the
        last for context, as less does) and put the cursor on the first paragraph that starts in view (or, inside
        a paragraph taller than the screen, on that paragraph). At either end the cursor goes to the first/last
        paragraph."""
        if not self.option_count:
            return
        height = self.scrollable_content_region.height
        step = max(1, height - 1 if abs(pages) >= 1 else int(height * abs(pages)))
        y = min(max(0, self.scroll_y + (step if pages > 0 else -step)), self.max_scroll_y)
        if y == self.scroll_y:
            self.action_last() if pages > 0 else self.action_first()
            return
        self.scroll_to(y=y, animate=False, immediate=True)
        starts = [index for index, line in self._index_to_line.items() if y <= line < y + height]
        lines = self._lines
        index = min(starts) if starts else lines[min(int(y), len(lines) - 1)][0]
        self._hold_scroll = True
        try:
            self.highlighted = index
        finally:
            self._hold_scroll = False

    def settle(self) -> None:
        """Bring the cursor paragraph to the top of the view, once the list has a size (re-wrapping moves it)."""
        if not self.scrollable_content_region.height:
            return  # not laid out yet: on_resize comes back here
        self.scroll_to_highlight(top=True)
        self.top_pending = False

    def on_resize(self) -> None:
        """Keep the cursor paragraph in view when the pane changes size (side by side, sidebar)."""
        self.call_after_refresh(self.settle)


class ReaderPane(Vertical):
    """One reader: header (title, author, outlet, date) over the numbered paragraphs of a document."""

    BINDINGS = [
        Binding(
            "v",
            "toggle_sentences",
            "Sentence mode",
            tooltip="Select sentences instead of the whole paragraph (y copies them)",
            show=False,
            id="npf.reader.sentence_mode",
        ),
        Binding(
            "l,right",
            "sentence(1)",
            "Next sentence",
            tooltip="Select the next sentence (enters sentence mode)",
            show=False,
            id="npf.reader.next_sentence",
        ),
        Binding("h,left", "sentence(-1)", "Previous sentence", show=False, id="npf.reader.prev_sentence"),
        Binding(
            "L,shift+right",
            "extend(1)",
            "Extend selection",
            tooltip="Add the next sentence to the selection",
            show=False,
            id="npf.reader.extend",
        ),
        Binding(
            "H,shift+left",
            "extend(-1)",
            "Shrink selection",
            tooltip="Drop the last sentence from the selection",
            show=False,
            id="npf.reader.shrink",
        ),
        Binding(
            "escape",
            "leave_sentences",
            "Leave sentence mode",
            tooltip="Leave sentence mode (then: back to the results)",
            show=False,
            id="npf.reader.leave_sentences",
        ),
    ]

    class Activated(Message):
        """The pane received focus (it becomes the current pane)."""

        def __init__(self, pane: ReaderPane) -> None:
            """Carry the pane that became current."""
            super().__init__()
            self.pane = pane

    class Status(Message):
        """A one-line status to show (match position, sentence mode)."""

        def __init__(self, pane: ReaderPane, text: str) -> None:
            """Carry the pane and its status line."""
            super().__init__()
            self.pane = pane
            self.text = text

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        """An empty pane; `show` puts a document in it."""
        super().__init__(id=id, classes=classes)
        self.document: Document | None = None
        self._matches: dict[int, list[tuple[int, int]]] = {}
        self._mentions: dict[int, list[tuple[int, int]]] = {}
        self._targets: list[Mark] = []
        self._target: int | None = None
        self._target_kind = "match"
        self.sentence_mode = False
        self._sentences: list[Sentence] = []
        self._sel: tuple[int, int] = (0, 0)  # first and last selected sentence of paragraph _sel_para
        self._sel_para = 0
        self.annotations: list[Annotation] = []  # this document's, anchored, in document order
        self._note: int | None = None  # the annotation '/" stepped to (index into annotations)
        self.doc_state: DocState | None = None
        self.show_pinyin = False
        self._pinyin: dict[int, list[tuple[Word, str]]] = {}  # paragraph → its words with their pinyin
        self.saved_place: Place | None = None  # where this document was left last time (read when it opens)

    def compose(self):
        """Header and paragraphs."""
        yield Static(
            Content("No document open. Choose a search result and press enter (or o)."), classes="reader-header"
        )
        yield ParagraphList(classes="paragraphs")

    @property
    def paragraphs(self) -> ParagraphList:
        """The paragraph list widget."""
        return self.query_one(ParagraphList)

    @property
    def cursor(self) -> int:
        """The cursor paragraph (1-based), 0 with no document."""
        highlighted = self.paragraphs.highlighted
        return 0 if highlighted is None or self.document is None else highlighted + 1

    # -- showing a document ------------------------------------------------------------------------------------
    def show(self, doc: Document, paragraph: int = 1, matches: dict[int, list[tuple[int, int]]] | None = None) -> None:
        """Show `doc` with the cursor on `paragraph`; `matches` are the query's spans by paragraph."""
        if doc is not self.document:
            self.annotations, self._note, self.doc_state, self._pinyin = [], None, None, {}
            self.saved_place = None
        self.document = doc
        self._matches = matches or {}
        self._mentions = {}
        self._target_kind = "match"
        self.sentence_mode = False
        self.remove_class("-sentences")
        self.query_one(".reader-header", Static).update(self._header(doc))
        self._rebuild_targets()
        self._render_all(max(1, min(paragraph, len(doc.paragraphs) or 1)))

    def _header(self, doc: Document) -> Content:
        """Title on the first line, then author · outlet · date (n.d. when unknown) · language · paragraph count,
        then the reading status, tags and annotation count when there are any."""
        details = [part for part in (doc.author, doc.outlet) if part]
        details += [doc.published or "n.d.", *([doc.language] if doc.language else []), f"{len(doc.paragraphs)} ¶"]
        parts: list = [(doc.title or doc.doc_id, "bold"), "\n", (" · ".join(details), "dim")]
        state = self.doc_state
        extra = []
        if state is not None and state.status:
            extra.append((f"[{state.status}]", "bold $text-accent"))
        if state is not None and state.tags:
            extra.append((" ".join(f"#{t}" for t in state.tags), "$text-secondary"))
        if self.annotations:
            count = len(self.annotations)
            extra.append((f"{count} annotation{'s' if count != 1 else ''}", "dim"))
        for n, part in enumerate(extra):
            parts += ["\n" if n == 0 else ("  ", ""), part]
        return Content.assemble(*parts)

    def refresh_header(self) -> None:
        """Re-draw the header (status, tags or annotations changed)."""
        if self.document is not None:
            self.query_one(".reader-header", Static).update(self._header(self.document))

    # -- annotations, status, pinyin -----------------------------------------------------------------------------
    def set_annotations(self, annotations: list[Annotation], current: str | None = None) -> None:
        """Show this document's (anchored) annotations; `current`: the id of the one to make current."""
        touched = {a.paragraph for a in self.annotations}
        self.annotations = sorted(annotations, key=lambda a: (a.paragraph, a.start, a.end))
        ids = [a.id for a in self.annotations]
        self._note = ids.index(current) if current in ids else None
        self.refresh_header()
        # only the paragraphs whose marks changed: re-rendering them all would scroll the cursor to the top
        for number in sorted(touched | {a.paragraph for a in self.annotations}):
            self._refresh_paragraph(number)

    def set_doc_state(self, state: DocState | None) -> None:
        """Show the document's reading status and tags in the header."""
        self.doc_state = state
        self.refresh_header()

    def _annotation_spans(self, number: int) -> list[tuple[int, int, str]]:
        """The annotation marks of paragraph `number` (orphans have no place in the text: none)."""
        spans = []
        for index, ann in enumerate(self.annotations):
            if ann.paragraph == number and ann.anchor != ORPHANED:
                style = CURRENT_ANNOTATION_STYLE if index == self._note else ANNOTATION_STYLE
                spans.append((ann.start, ann.end, style))
        return spans

    def _marker(self, number: int) -> str:
        """The gutter marker of paragraph `number`."""
        here = [a for a in self.annotations if a.paragraph == number and a.anchor != ORPHANED]
        if not here:
            return ""
        return NOTE_MARKER if any(a.note for a in here) else MARK_MARKER

    def _selected(self, paragraph: int) -> tuple[Sentence, Sentence] | None:
        """The first and last selected sentences when sentence mode has its selection in `paragraph`."""
        if self.sentence_mode and self._sentences and self._sel_para == paragraph:
            return self._sentences[self._sel[0]], self._sentences[self._sel[1]]
        return None

    def _current_in(self, paragraph: int) -> Mark | None:
        """The current match (or mention) `n`/`N` went to, when it is in `paragraph`."""
        if self._target is not None and self._targets[self._target].paragraph == paragraph:
            return self._targets[self._target]
        return None

    def mark_target(self) -> tuple[int, int, int] | None:
        """What `m` marks, as (paragraph, start, end): the selected sentences in sentence mode, else the current
        match (or mention) when it is in the cursor paragraph, else the whole cursor paragraph."""
        doc = self.document
        if doc is None or not self.cursor:
            return None
        cursor = self.cursor
        selected = self._selected(cursor)
        if selected:
            return cursor, selected[0].start, selected[1].end
        mark = self._current_in(cursor)
        if mark is not None:
            return cursor, mark.start, mark.end
        return cursor, 0, len(doc.paragraph(cursor))

    def annotation_at_cursor(self) -> Annotation | None:
        """The annotation `M`/`D` act on: the one stepped to when it is in the cursor paragraph, else the one the
        sentence selection overlaps, else the first of the cursor paragraph."""
        cursor = self.cursor
        here = [a for a in self.annotations if a.paragraph == cursor and a.anchor != ORPHANED]
        if not here:
            return None
        if self._note is not None and self.annotations[self._note] in here:
            return self.annotations[self._note]
        target = self.mark_target()
        if target is not None and self.sentence_mode:
            _, start, end = target
            overlapping = [a for a in here if a.start < end and start < a.end]
            if overlapping:
                return overlapping[0]
        return here[0]

    def action_step_annotation(self, direction: int) -> None:
        """Next (1) / previous (-1) annotation after/before the cursor paragraph's current one, wrapping."""
        placed = [i for i, a in enumerate(self.annotations) if a.anchor != ORPHANED]
        if not placed:
            self.post_message(self.Status(self, "no annotations in this document (m marks the text)"))
            return
        keys = [(self.annotations[i].paragraph, self.annotations[i].start) for i in placed]
        if self._note is not None and self.annotations[self._note].paragraph == self.cursor:
            here = (self.annotations[self._note].paragraph, self.annotations[self._note].start)
        else:
            here = (self.cursor, -1 if direction > 0 else 10**9)
        pick, wrapped = step_to(keys, here, direction)
        old = self.annotations[self._note].paragraph if self._note is not None else None
        self._note = placed[pick]
        ann = self.annotations[self._note]
        self._leave_sentences()
        self.paragraphs.highlighted = ann.paragraph - 1
        if old is not None and old != ann.paragraph:
            self._refresh_paragraph(old)
        self._refresh_paragraph(ann.paragraph)
        note = f" · {ann.note}" if ann.note else ""
        tags = " " + " ".join(f"#{t}" for t in ann.tags) if ann.tags else ""
        wrap = " · wrapped" if wrapped else ""
        self.post_message(
            self.Status(self, f"annotation {pick + 1} of {len(placed)} (¶{ann.paragraph}){note}{tags}{wrap}")
        )

    def set_pinyin(self, paragraph: int, pieces: list[tuple[Word, str]]) -> None:
        """Pinyin of one paragraph's words, shown while the pinyin toggle is on."""
        shown = [n for n in self._pinyin if n != paragraph]
        self._pinyin = {paragraph: pieces}  # the cursor paragraph's only: the others read as written
        for number in [*shown, paragraph]:
            self._refresh_paragraph(number)

    def clear_pinyin(self) -> None:
        """Hide the pinyin."""
        shown = list(self._pinyin)
        self._pinyin = {}
        for number in shown:
            self._refresh_paragraph(number)

    def set_matches(self, matches: dict[int, list[tuple[int, int]]]) -> None:
        """Replace the query highlights (e.g. after a search within the document)."""
        self._matches = matches
        self._target_kind = "match"
        self._rebuild_targets()
        self._render_all(self.cursor or 1)

    def set_mentions(self, mentions: dict[int, list[tuple[int, int]]]) -> None:
        """Highlight an entity's mentions; n/N then step through them (an empty dict goes back to query matches)."""
        self._mentions = mentions
        self._target_kind = "mention" if mentions else "match"
        self._rebuild_targets()
        self._render_all(self.cursor or 1)

    @property
    def matches(self) -> dict[int, list[tuple[int, int]]]:
        """The query highlights by paragraph."""
        return self._matches

    @property
    def match_count(self) -> int:
        """How many marks n/N steps through."""
        return len(self._targets)

    def _rebuild_targets(self) -> None:
        """The marks n/N step through: entity mentions when an entity is chosen, else query matches."""
        source = self._mentions if self._target_kind == "mention" else self._matches
        self._targets = [Mark(p, s, e) for p in sorted(source) for s, e in sorted(source[p])]
        self._target = None

    def _render_all(self, cursor: int) -> None:
        """Render every paragraph and put the cursor on paragraph `cursor`."""
        paragraphs = self.paragraphs
        doc = self.document
        if doc is None:
            paragraphs.clear_options()
            return
        gutter = len(str(len(doc.paragraphs))) + 2
        paragraphs.set_options(Option(self._visual(doc, n, gutter)) for n in range(1, len(doc.paragraphs) + 1))
        if doc.paragraphs:
            paragraphs.highlighted = cursor - 1
            paragraphs.top_pending = True
            paragraphs.call_after_refresh(paragraphs.settle)

    def _visual(self, doc: Document, number: int, gutter: int | None = None) -> NumberedParagraph:
        """Paragraph `number` of `doc` (the document on show) with its marks laid over it."""
        text = doc.paragraphs[number - 1]
        spans = self._annotation_spans(number)
        spans += [(s, e, MATCH_STYLE) for s, e in self._matches.get(number, [])]
        spans += [(s, e, MENTION_STYLE) for s, e in self._mentions.get(number, [])]
        current = self._current_in(number)
        if current is not None:
            spans.append((current.start, current.end, CURRENT_STYLE))
        selected = self._selected(number)
        if selected:
            spans.append((selected[0].start, selected[1].end, SELECTION_STYLE))
        content = Content(text)
        no_color = self.app.no_color
        for start, end, style in spans:
            content = content.stylize(NO_COLOR_STYLES[style] if no_color else style, start, end)
        if self.show_pinyin and number in self._pinyin:
            content = self._with_pinyin(content, self._pinyin[number], no_color)
        return NumberedParagraph(
            number, content, gutter or len(str(len(doc.paragraphs))) + 2, marker=self._marker(number)
        )

    @staticmethod
    def _with_pinyin(content: Content, pieces: list[tuple[Word, str]], no_color: bool) -> Content:
        """`content` with each Chinese word followed by its pinyin (inline, so the line breaker treats it as text
        and the marks on the characters keep their places)."""
        style = NO_COLOR_STYLES[PINYIN_STYLE] if no_color else PINYIN_STYLE
        parts: list = []
        for n, (word, pinyin) in enumerate(pieces):
            parts.append(content[word.start : word.end])
            if pinyin and pinyin != word.text:
                # a space after the pinyin only before the next word: none before 。，, which must follow on
                spacer = " " if n + 1 < len(pieces) and pieces[n + 1][0].chinese else ""
                parts.append((f" {pinyin}{spacer}", style))
        return Content.assemble(*parts) if parts else content

    def _refresh_paragraph(self, number: int) -> None:
        """Re-render one paragraph after its marks changed."""
        doc = self.document
        if doc is not None and 1 <= number <= len(doc.paragraphs):
            self.paragraphs.replace_option_prompt_at_index(number - 1, self._visual(doc, number))

    # -- stepping through marks -----------------------------------------------------------------------------------
    def _position(self, direction: int) -> tuple[int, float]:
        """Where n (direction 1) or N (-1) search from, as (paragraph, offset). The current match when it is in
        the cursor paragraph; in sentence mode the selection (n from its start, N from its end); else the whole
        cursor paragraph is ahead of n and behind N, so after g, n finds the first match and after G, N the last.
        The cursor, not the last match, is the start: g or a page key moves it."""
        cursor = self.cursor
        selected = self._selected(cursor)
        if selected:
            return cursor, (selected[0].start if direction > 0 else selected[1].end) - 0.5
        mark = self._current_in(cursor)
        if mark is not None:
            return cursor, mark.start
        return cursor, -1 if direction > 0 else float("inf")

    def action_step(self, direction: int) -> None:
        """Move to the next (1) or previous (-1) match or mention after/before the cursor, wrapping around the
        document (the status line says so, as vim and less do)."""
        kind = "match" if self._target_kind == "match" else "mention"
        if not self._targets:
            self.post_message(self.Status(self, f"no {'matches' if kind == 'match' else 'mentions'} in this document"))
            return
        position = self._position(direction)
        keys = [(m.paragraph, m.start) for m in self._targets]
        target, wrapped = step_to(keys, position, direction)
        old = self._targets[self._target].paragraph if self._target is not None else None
        self._target = target
        mark = self._targets[target]
        if old is not None and old != mark.paragraph:
            self._refresh_paragraph(old)
        self._leave_sentences()
        self.paragraphs.highlighted = mark.paragraph - 1
        self._refresh_paragraph(mark.paragraph)
        where = " · search hit bottom, continued at top" if direction > 0 else " · search hit top, continued at bottom"
        self.post_message(
            self.Status(
                self,
                f"{kind} {target + 1} of {len(self._targets)} (¶{mark.paragraph}){where if wrapped else ''}",
            )
        )

    # -- sentence selection ---------------------------------------------------------------------------------------
    def action_toggle_sentences(self) -> None:
        """Enter or leave sentence mode (h/l step sentences, H/L extend the selection, y copies it)."""
        if self.sentence_mode:
            self._leave_sentences()
        else:
            self._enter_sentences()

    def _enter_sentences(self) -> bool:
        """Select the sentence of the match the reader is on in the cursor paragraph (see `_start_sentence`);
        False with nothing to select."""
        doc = self.document
        if doc is None or not self.cursor:
            return False
        self._sentences = split_sentences(doc.paragraph(self.cursor))
        if not self._sentences:
            return False
        self.sentence_mode = True
        self.add_class("-sentences")
        first = self._start_sentence(self.cursor)
        self._sel, self._sel_para = (first, first), self.cursor
        self._refresh_paragraph(self.cursor)
        self._sentence_status()
        return True

    def _start_sentence(self, paragraph: int) -> int:
        """Where sentence mode starts in `paragraph` (an index into `_sentences`): at the sentence of the current
        match or mention (the one n/N went to) when it is in this paragraph, else of the paragraph's first one, else
        at the first sentence. The reason to press v is usually the match: starting at sentence 1 made the person
        walk to it (Liu Haiqing in ¶16 of the Rainey article is in sentence 2 of 6)."""
        marks = [mark for mark in self._targets if mark.paragraph == paragraph]
        current = self._current_in(paragraph)
        if current is not None:
            marks.insert(0, current)
        return index_at(self._sentences, marks[0].start) if marks else 0

    def _leave_sentences(self, refresh: bool = True) -> None:
        """Back to whole-paragraph selection."""
        if not self.sentence_mode:
            return
        self.sentence_mode = False
        self.remove_class("-sentences")
        if refresh:
            self._refresh_paragraph(self._sel_para)
        self.post_message(self.Status(self, ""))

    def action_leave_sentences(self) -> None:
        """Escape leaves sentence mode first; otherwise the key goes on to the screen (back)."""
        if not self.sentence_mode:
            raise SkipAction()
        self._leave_sentences()

    def action_sentence(self, direction: int) -> None:
        """Select the next/previous sentence, moving on to the neighbouring paragraph at either end."""
        if not self.sentence_mode:
            if not self._enter_sentences():
                return
            return
        first, last = self._sel
        index = (last + 1) if direction > 0 else (first - 1)
        if 0 <= index < len(self._sentences):
            self._sel = (index, index)
            self._refresh_paragraph(self.cursor)
        else:
            target = self.cursor + direction
            doc = self.document
            if doc is None or not 1 <= target <= len(doc.paragraphs):
                return
            old = self.cursor
            self._sel_para = target
            self.paragraphs.highlighted = target - 1
            self._sentences = split_sentences(doc.paragraph(target)) or [Sentence("", 0, 0)]
            self._sel = (0, 0) if direction > 0 else (len(self._sentences) - 1,) * 2
            self._refresh_paragraph(old)
            self._refresh_paragraph(target)
        self._sentence_status()

    def action_extend(self, direction: int) -> None:
        """Grow (1) or shrink (-1) the selection by one sentence at its end, within the paragraph."""
        if not self.sentence_mode and not self._enter_sentences():
            return
        first, last = self._sel
        last = min(len(self._sentences) - 1, last + 1) if direction > 0 else max(first, last - 1)
        self._sel = (first, last)
        self._refresh_paragraph(self.cursor)
        self._sentence_status()

    def _sentence_status(self) -> None:
        """Say which sentences are selected."""
        first, last = self._sel
        which = f"sentence {first + 1}" if first == last else f"sentences {first + 1}-{last + 1}"
        self.post_message(
            self.Status(
                self,
                f"¶{self._sel_para} {which} of {len(self._sentences)} · y copies · "
                "h/l move · H/L extend · v or esc ends",
            )
        )

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """Moving the cursor to another paragraph with j/k (not with the sentence keys) ends sentence mode."""
        event.stop()
        if self.sentence_mode and self.cursor != self._sel_para:
            old = self._sel_para
            self._leave_sentences(refresh=False)
            self._refresh_paragraph(old)
        self.request_pinyin()

    def toggle_pinyin(self) -> bool:
        """Pinyin after the Chinese words of the cursor paragraph on/off (it follows the cursor); the new state."""
        self.show_pinyin = not self.show_pinyin
        if self.show_pinyin:
            self.request_pinyin()
        else:
            self.clear_pinyin()
        return self.show_pinyin

    def request_pinyin(self) -> None:
        """Compute the cursor paragraph's pinyin (in a worker: pypinyin loads in ~0.7 s the first time)."""
        doc, cursor = self.document, self.cursor
        if self.show_pinyin and doc is not None and cursor and cursor not in self._pinyin:
            self._load_pinyin(doc, cursor)

    @work(thread=True, exclusive=True, group="pinyin")
    def _load_pinyin(self, doc: Document, number: int) -> None:
        """Words and pinyin of one paragraph, off the UI thread."""
        from npf_tui.core.text.reading_aid import with_pinyin

        pieces = with_pinyin(doc.paragraph(number))
        with contextlib.suppress(RuntimeError):  # the app may have gone meanwhile
            self.app.call_from_thread(self._pinyin_loaded, doc, number, pieces)

    def _pinyin_loaded(self, doc: Document, number: int, pieces: list[tuple[Word, str]]) -> None:
        """Show the pinyin if the pane still shows that paragraph with pinyin on."""
        if doc is self.document and self.show_pinyin and number == self.cursor:
            self.set_pinyin(number, pieces)

    def place(self) -> tuple[str, int, int | None] | None:
        """(doc id, paragraph, sentence or None) of where the reader is: what is saved when the document is left."""
        doc = self.document
        if doc is None or not self.cursor:
            return None
        sentence = self._sel[0] + 1 if self.sentence_mode and self._sel_para == self.cursor else None
        return doc.doc_id, self.cursor, sentence

    def go_to(self, paragraph: int, sentence: int | None = None) -> None:
        """Put the cursor on `paragraph` (and select sentence `sentence`, 1-based, when given)."""
        doc = self.document
        if doc is None or not doc.paragraphs:
            return
        paragraph = max(1, min(paragraph, len(doc.paragraphs)))
        self._leave_sentences()
        self.paragraphs.highlighted = paragraph - 1
        self.paragraphs.scroll_to_highlight(top=True)
        if sentence and self._enter_sentences():
            index = max(0, min(sentence - 1, len(self._sentences) - 1))
            self._sel = (index, index)
            self._refresh_paragraph(paragraph)
            self._sentence_status()

    def word_passage(self) -> tuple[int, int, int, int, str] | None:
        """What `K` looks up, as (paragraph, start, end, focus offset, description): the selected sentences; else
        the sentence of the current match (its word first); else the cursor paragraph."""
        doc = self.document
        if doc is None or not self.cursor:
            return None
        cursor = self.cursor
        mark = self._current_in(cursor)
        selected = self._selected(cursor)
        if selected:
            first, last = selected
            focus = mark.start if mark is not None and first.start <= mark.start < last.end else first.start
            which = self._sel[0] + 1
            return cursor, first.start, last.end, focus, f"¶{cursor}, sentence {which}"
        if mark is not None:
            sentences = split_sentences(doc.paragraph(cursor))
            if sentences:
                index = index_at(sentences, mark.start)
                sentence = sentences[index]
                return cursor, sentence.start, sentence.end, mark.start, f"¶{cursor}, sentence {index + 1}"
        return cursor, 0, len(doc.paragraph(cursor)), 0, f"¶{cursor}"

    def selection(self) -> Selection | None:
        """The cursor paragraph, or the selected sentences in sentence mode; None with no document."""
        doc = self.document
        if doc is None or not self.cursor:
            return None
        text = doc.paragraph(self.cursor)
        selected = self._selected(self.cursor)
        if selected:
            return Selection(doc, self.cursor, selected[0].start, selected[1].end, whole=False)
        return Selection(doc, self.cursor, 0, len(text), whole=True)

    def on_descendant_focus(self) -> None:
        """Tell the screen this pane is now the current one."""
        self.add_class("-current")
        self.post_message(self.Activated(self))

    def focus_paragraphs(self) -> None:
        """Give the keyboard to this pane."""
        self.paragraphs.focus()
