"""The reader pane: a document's header and numbered paragraphs, highlights, a cursor paragraph, sentence selection."""

from __future__ import annotations

from dataclasses import dataclass

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

from npf_tui.core.models import Document
from npf_tui.core.text.sentences import Sentence, index_at, split_sentences

#: Styles of the marks laid over paragraph text (theme variables resolve at render time).
MATCH_STYLE = "bold $text-warning on $warning-muted"
MENTION_STYLE = "bold $text-success on $success-muted"
CURRENT_STYLE = "bold reverse"
SELECTION_STYLE = "bold underline $text-accent on $accent-muted"


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
    """A paragraph with its number in a left gutter; wrapped lines keep a hanging indent under the number."""

    def __init__(self, number: int, body: Content, gutter: int, spacing: int = 1) -> None:
        """`gutter` is the width (cells) of the number column, a space included; `spacing` blank lines follow."""
        self.number = number
        self.body = body
        self.gutter = gutter
        self.spacing = spacing

    def get_optimal_width(self, rules, container_width: int) -> int:
        """The gutter plus the body's own width."""
        return self.gutter + self.body.get_optimal_width(rules, container_width)

    def get_height(self, rules, width: int) -> int:
        """Lines the body takes beside the gutter, plus the blank line(s) after it."""
        return self.body.get_height(rules, max(1, width - self.gutter)) + self.spacing

    def render_strips(self, width: int, height: int | None, style: Style, options: RenderOptions) -> list[Strip]:
        """The body wrapped beside the gutter, the number on the first line."""
        body_width = max(1, width - self.gutter)
        strips = self.body.render_strips(body_width, height, style, options) or [Strip.blank(body_width)]
        label = Content.styled(f"{self.number:>{self.gutter - 1}} ", "dim")
        first = label.render_strips(self.gutter, 1, style, options)[0].extend_cell_length(self.gutter, style.rich_style)
        blank = Strip.blank(self.gutter, style.rich_style)
        lines = [
            Strip.join([first if n == 0 else blank, strip.extend_cell_length(body_width, style.rich_style)])
            for n, strip in enumerate(strips)
        ]
        # OptionList leaves vertical padding out of its line count, so the gap between paragraphs is drawn here
        return lines + [Strip.blank(width)] * self.spacing


class ParagraphList(OptionList):
    """The paragraphs of one document; the highlighted option is the cursor paragraph."""

    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", show=False, id="npf.reader.down"),
        Binding("k,up", "cursor_up", "Up", show=False, id="npf.reader.up"),
        Binding("right_square_bracket", "cursor_down", "Next paragraph", show=False, id="npf.reader.next_paragraph"),
        Binding("left_square_bracket", "cursor_up", "Previous paragraph", show=False, id="npf.reader.prev_paragraph"),
        Binding("g,home", "first", "Top", show=False, id="npf.reader.top"),
        Binding("G,end", "last", "Bottom", show=False, id="npf.reader.bottom"),
    ]

    top_pending = False  # a freshly shown document waits for its first layout

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
        """Title on the first line, then author · outlet · date (n.d. when unknown) · language · paragraph count."""
        details = [part for part in (doc.author, doc.outlet) if part]
        details += [doc.published or "n.d.", *([doc.language] if doc.language else []), f"{len(doc.paragraphs)} ¶"]
        return Content.assemble((doc.title or doc.doc_id, "bold"), "\n", (" · ".join(details), "dim"))

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
        spans = [(s, e, MATCH_STYLE) for s, e in self._matches.get(number, [])]
        spans += [(s, e, MENTION_STYLE) for s, e in self._mentions.get(number, [])]
        if self._target is not None and self._targets[self._target].paragraph == number:
            mark = self._targets[self._target]
            spans.append((mark.start, mark.end, CURRENT_STYLE))
        if self.sentence_mode and number == self._sel_para and self._sentences:
            first, last = self._sentences[self._sel[0]], self._sentences[self._sel[1]]
            spans.append((first.start, last.end, SELECTION_STYLE))
        content = Content(text)
        for start, end, style in spans:
            content = content.stylize(style, start, end)
        return NumberedParagraph(number, content, gutter or len(str(len(doc.paragraphs))) + 2)

    def _refresh_paragraph(self, number: int) -> None:
        """Re-render one paragraph after its marks changed."""
        doc = self.document
        if doc is not None and 1 <= number <= len(doc.paragraphs):
            self.paragraphs.replace_option_prompt_at_index(number - 1, self._visual(doc, number))

    # -- stepping through marks -----------------------------------------------------------------------------------
    def action_step(self, direction: int) -> None:
        """Move to the next (1) or previous (-1) match or mention, wrapping around the document."""
        if not self._targets:
            self.post_message(
                self.Status(
                    self,
                    "no matches in this document" if self._target_kind == "match" else "no mentions in this document",
                )
            )
            return
        cursor = self.cursor
        old = self._targets[self._target].paragraph if self._target is not None else None
        if self._target is None:
            if direction > 0:
                ahead = [i for i, m in enumerate(self._targets) if m.paragraph >= cursor]
                self._target = ahead[0] if ahead else 0
            else:
                behind = [i for i, m in enumerate(self._targets) if m.paragraph <= cursor]
                self._target = behind[-1] if behind else len(self._targets) - 1
        else:
            self._target = (self._target + direction) % len(self._targets)
        mark = self._targets[self._target]
        if old is not None and old != mark.paragraph:
            self._refresh_paragraph(old)
        self._leave_sentences()
        self.paragraphs.highlighted = mark.paragraph - 1
        self._refresh_paragraph(mark.paragraph)
        kind = "match" if self._target_kind == "match" else "mention"
        self.post_message(self.Status(self, f"{kind} {self._target + 1} of {len(self._targets)} (¶{mark.paragraph})"))

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
        if self._target is not None and self._targets[self._target].paragraph == paragraph:
            marks.insert(0, self._targets[self._target])
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

    def selection(self) -> Selection | None:
        """The cursor paragraph, or the selected sentences in sentence mode; None with no document."""
        doc = self.document
        if doc is None or not self.cursor:
            return None
        text = doc.paragraph(self.cursor)
        if self.sentence_mode and self._sentences and self._sel_para == self.cursor:
            first, last = self._sentences[self._sel[0]], self._sentences[self._sel[1]]
            return Selection(doc, self.cursor, first.start, last.end, whole=False)
        return Selection(doc, self.cursor, 0, len(text), whole=True)

    def on_descendant_focus(self) -> None:
        """Tell the screen this pane is now the current one."""
        self.add_class("-current")
        self.post_message(self.Activated(self))

    def focus_paragraphs(self) -> None:
        """Give the keyboard to this pane."""
        self.paragraphs.focus()
