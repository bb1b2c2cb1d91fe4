"""`npf pick`: an inline picker that prints one quote with its citation, for editors and tmux to insert.

It draws below the prompt (Textual's inline mode) on the terminal, never on standard output: stdout carries only the
chosen quote, so `:r !npf pick` in vim or `npf pick | tmux load-buffer -` (in a tmux popup, from any editor) get
exactly the text to paste. Escape prints nothing and exits 1. The search and the quote are the core's, as `npf quote`.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import App
from textual.binding import Binding
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from npf_tui.core.errors import Cancelled, NpfError
from npf_tui.core.text.sentences import Sentence, split_sentences
from npf_tui.ui.widgets.nocolor import MarkedOptionList

if TYPE_CHECKING:
    from npf_tui.core.models import Hit, SearchResult
    from npf_tui.core.search.library import Library

#: Passages listed per query: a picker shows the best few; refine the query rather than scroll.
PICK_LIMIT = 30
#: Characters of context kept before the first match on a hit's line.
LEAD = 16
MATCH_STYLE = "bold $text-warning on $warning-muted"
HINTS = "↑↓ choose · tab sentence · enter insert · esc cancel"


class NoTerminal(NpfError):
    """No terminal to draw on and read keys from (a pipe, cron, an editor without one): fail, never hang."""

    exit_code = 2


def _one_line(hit: Hit) -> Content:
    """A hit as one list line: where it is from (author or outlet, year, paragraph), then its snippet."""
    source = (hit.author or hit.outlet or hit.doc_id)[:24]
    where = f"{source} {hit.published[:4] or 'n.d.'} ¶{hit.paragraph}  "
    parts: list = [(where, "dim")]
    for n, (text, matched) in enumerate(hit.snippet):
        text = text.replace("\n", " ")
        if n == 0 and not matched and len(text) > LEAD:
            text = "…" + text[-LEAD:].lstrip()  # one line is narrow: bring the first match into view
        parts.append((text, MATCH_STYLE if matched else ""))
    return Content.assemble(*parts)


class PickApp(App[str | None]):
    """Type a query, choose a passage (or one of its sentences); the app returns the formatted quote, or None."""

    CSS_PATH = "pick.tcss"
    ENABLE_COMMAND_PALETTE = False  # ctrl+p moves up here, as in shells and fzf
    INLINE_PADDING = 0
    # Priority: the keys act while the query box has the focus (it keeps it: typing always refines the query).
    BINDINGS = [
        Binding("down,ctrl+n", "move(1)", "Next passage", id="npf.pick.down", priority=True),
        Binding("up,ctrl+p", "move(-1)", "Previous passage", id="npf.pick.up", priority=True),
        Binding("tab", "sentence(1)", "Next sentence", id="npf.pick.next_sentence", priority=True),
        Binding("shift+tab", "sentence(-1)", "Previous sentence", id="npf.pick.previous_sentence", priority=True),
        Binding("enter", "choose", "Insert the quote", id="npf.pick.choose", priority=True),
        Binding("escape,ctrl+c", "cancel", "Cancel", id="npf.pick.cancel", priority=True),
    ]

    def __init__(
        self,
        corpus_dir: Path | None = None,
        index_dir: Path | None = None,
        *,
        library: Library | None = None,
        query: str = "",
        style: str = "chicago-author-date",
        fmt: str = "plain",
        debounce: float = 0.15,
    ) -> None:
        """The corpus and index folders (opened in a worker) or an opened `library` (tests); the initial query; the
        citation style and format of the quote (resolved by the caller, as `npf quote` does)."""
        # NO_COLOR: the terminal's own colours rather than greys, and the highlighted passage reversed (as the reader)
        super().__init__(ansi_color=True if "NO_COLOR" in os.environ else None)
        self.corpus_dir, self.index_dir = corpus_dir, index_dir
        self._given_library = library
        self.library: Library | None = None
        self.initial_query = query
        self.style_name, self.fmt, self.debounce = style, fmt, debounce
        self.cancel_event = threading.Event()
        self.hits: list[Hit] = []
        self.sentences: list[Sentence] = []
        self._passage: Hit | None = None  # the passage `sentences` were split from
        self.sentence: int | None = None  # index into `sentences`; None quotes the whole passage
        self.error: NpfError | None = None  # why the picker gave up (the library could not be opened)
        self._timer: Timer | None = None
        self._seq = 0  # the latest query sent; older answers are dropped
        self._shown = 0  # the query whose answer is on screen
        self._choose_when_shown = False  # enter came before the answer to what was typed

    def compose(self):
        """Query box, hits, the passage or sentence that enter would insert, status and keys."""
        yield Input(self.initial_query, placeholder="Quote: words, 中文, pinyin, author:…", id="pick-query")
        yield MarkedOptionList(id="pick-hits")
        yield Static(id="pick-preview")
        yield Static(Content.styled("Opening the library…", "dim"), id="pick-status")

    def on_mount(self) -> None:
        """Keys to the query box; the library opens behind it."""
        self.query_one("#pick-hits").display = False
        self.query_one("#pick-preview").display = False
        self.query_one("#pick-query", Input).focus()
        self._open_library()

    def on_unmount(self) -> None:
        """Stop slow work; close a library we opened ourselves."""
        self.cancel_event.set()
        if self.library is not None and self._given_library is None:
            self.library.close()

    def _from_thread(self, callback, *args) -> None:
        """call_from_thread that is quiet when the app has already gone (escape during a search)."""
        with contextlib.suppress(RuntimeError):
            self.call_from_thread(callback, *args)

    @work(thread=True, exclusive=True, group="library")
    def _open_library(self) -> None:
        """Open the library (building or updating the index when needed), off the UI thread."""
        lib = self._given_library
        try:
            if lib is None:
                from npf_tui.core.search.library import Library

                assert self.corpus_dir is not None and self.index_dir is not None
                lib = Library.open(self.corpus_dir, self.index_dir, cancel=self.cancel_event)
        except Cancelled:
            return
        except NpfError as exc:
            self._from_thread(self._give_up, exc)
            return
        except Exception as exc:  # an OS error or a bug: one line from the command line too, never a traceback
            self._from_thread(self._give_up, NpfError(f"{type(exc).__name__}: {exc}"))
            return
        self._from_thread(self._library_ready, lib)

    def _give_up(self, error: NpfError) -> None:
        """Nothing can be picked: leave, and let the command line say why in one line."""
        self.error = error
        self.exit(None, return_code=error.exit_code)

    def _library_ready(self, lib: Library) -> None:
        """Search for what was given or typed meanwhile."""
        self.library = lib
        self._status("Type to search." if lib.catalog else f"The corpus {lib.corpus_dir} has no documents.")
        self.search_now()

    # -- searching ----------------------------------------------------------------------------------------------
    @on(Input.Changed, "#pick-query")
    def _query_changed(self) -> None:
        """Search shortly after the person stops typing."""
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(self.debounce, self.search_now)

    def search_now(self) -> None:
        """Send the query box's text to the search worker."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self.library is None:
            return
        query = self.query_one("#pick-query", Input).value
        self._seq += 1
        if query.strip():
            self._search(query, self._seq)
        else:
            self._show(None, self._seq)

    @work(thread=True, exclusive=True, group="search")
    def _search(self, query: str, seq: int) -> None:
        """Run the search off the UI thread; a query the core cannot take is said on the status line."""
        lib = self.library
        if lib is None:  # search_now starts this only once the library is open
            return
        try:
            result = lib.search(query, limit=PICK_LIMIT)
        except NpfError as exc:
            self._from_thread(self._search_failed, str(exc), seq)
            return
        self._from_thread(self._show, result, seq)

    def _search_failed(self, message: str, seq: int) -> None:
        """Say what is wrong with the query; the hits of the last good one stay."""
        if seq == self._seq:
            self._shown = seq
            self._choose_when_shown = False
            self._error(message)

    def _error(self, message: str) -> None:
        """A problem the person can act on, on the status line; the picker keeps running."""
        self.query_one("#pick-status", Static).update(Content.styled(message, "$text-error"))

    def _show(self, result: SearchResult | None, seq: int) -> None:
        """List the hits, the first highlighted (or clear the list for an empty query)."""
        if seq != self._seq:
            return
        self._shown = seq
        self.hits = list(result.hits) if result else []
        hits = self.query_one("#pick-hits", OptionList)
        hits.set_options([Option(_one_line(hit), id=str(n)) for n, hit in enumerate(self.hits)])
        hits.display = bool(self.hits)
        if self.hits:
            hits.highlighted = 0
        self._passage_changed(force=True)
        if self._choose_when_shown:
            self._choose_when_shown = False
            self.action_choose()

    @on(OptionList.OptionHighlighted, "#pick-hits")
    def _highlighted(self) -> None:
        """Another passage (the mouse, or a key whose move was already taken in: then nothing to do)."""
        self._passage_changed()

    @on(OptionList.OptionSelected, "#pick-hits")
    def _clicked(self) -> None:
        """A mouse click on a hit chooses it."""
        self.action_choose()

    @property
    def current_hit(self) -> Hit | None:
        """The highlighted passage."""
        index = self.query_one("#pick-hits", OptionList).highlighted
        return self.hits[index] if index is not None and 0 <= index < len(self.hits) else None

    def _passage_changed(self, force: bool = False) -> None:
        """Split the highlighted passage into sentences (for tab) and show it whole, when it is another one.

        Called at once by the keys that move, not only on OptionHighlighted: that message arrives after the keys
        typed meanwhile, and would undo a tab pressed right after a move (`ctrl+n tab` from a script)."""
        hit = self.current_hit
        if hit is self._passage and not force:
            return
        self._passage = hit
        self.sentences = split_sentences(hit.text) if hit else []
        self.sentence = None
        self._refresh_preview()

    def _refresh_preview(self) -> None:
        """What enter inserts (the passage, matches marked, or the chosen sentence) and the status line."""
        preview = self.query_one("#pick-preview", Static)
        hit = self.current_hit
        preview.display = hit is not None
        if hit is None:
            if self._shown and self.query_one("#pick-query", Input).value.strip():
                self._status("No passage matches.")
            return
        if self.sentence is None:
            what = f"¶{hit.paragraph}"
            parts: list = []
            pos = 0
            for span in hit.spans:
                if span.start >= pos:
                    parts += [hit.text[pos : span.start], (hit.text[span.start : span.end], MATCH_STYLE)]
                    pos = span.end
            parts.append(hit.text[pos:])
        else:
            what = f"¶{hit.paragraph} · sentence {self.sentence + 1}/{len(self.sentences)}"
            parts = [(self.sentences[self.sentence].text, "bold")]
        preview.update(Content.assemble((f"{hit.title or hit.doc_id} — ", "dim italic"), *parts))
        index = self.hits.index(hit) + 1
        self._status(f"{index}/{len(self.hits)} · {what}")

    def _status(self, text: str) -> None:
        """The status line: `text`, then the keys."""
        self.query_one("#pick-status", Static).update(Content.assemble((text, "bold"), ("  " + HINTS, "dim")))

    # -- actions ------------------------------------------------------------------------------------------------
    def action_move(self, step: int) -> None:
        """Highlight the next or previous passage (stopping at either end: a held key does not wrap around)."""
        hits = self.query_one("#pick-hits", OptionList)
        if self.hits:
            hits.highlighted = min(max((hits.highlighted or 0) + step, 0), len(self.hits) - 1)
            self._passage_changed()

    def action_sentence(self, step: int) -> None:
        """Step through the passage's sentences: from the whole passage to the sentence of its first match, then
        on; past the first or last sentence back to the whole passage."""
        hit = self.current_hit
        if hit is None or not self.sentences:
            return
        if self.sentence is None:
            at = hit.spans[0].start if hit.spans else 0
            self.sentence = next((i for i, s in enumerate(self.sentences) if at < s.end), 0)
        else:
            following = self.sentence + step
            self.sentence = following if 0 <= following < len(self.sentences) else None
        self._refresh_preview()

    def action_choose(self) -> None:
        """Quote the highlighted passage or sentence, once the hits on screen answer what is typed."""
        if self.library is None or self._timer is not None or self._shown != self._seq:
            self._choose_when_shown = True  # typed, then enter at once: choose from the answer to that
            if self.library is not None and self._timer is not None:
                self.search_now()
            return
        hit = self.current_hit
        if hit is None:
            self.bell()
            return
        sentence = self.sentences[self.sentence] if self.sentence is not None else None
        self._quote(hit, sentence)

    @work(thread=True, exclusive=True, group="quote")
    def _quote(self, hit: Hit, sentence: Sentence | None) -> None:
        """Format the quote (citeproc takes a moment the first time) and leave with it."""
        from npf_tui.core.cite.keys import citation_keys
        from npf_tui.core.cite.quotes import make_quote

        lib = self.library
        if lib is None:  # action_choose starts this only once the library is open
            return
        try:
            doc = lib.document(hit.doc_id)
            span = None
            if sentence is not None:
                para = doc.paragraph(hit.paragraph)
                base = 0 if hit.text == para else max(para.find(hit.text), 0)
                span = (base + sentence.start, base + sentence.end)
            # pandoc and LaTeX cite by key (given once and kept: keys.py)
            key = citation_keys(lib.corpus_dir, [doc])[doc.doc_id] if self.fmt in ("pandoc", "latex") else ""
            quote = make_quote(doc, hit.paragraph, span, style=self.style_name, fmt=self.fmt, key=key)
        except NpfError as exc:
            self._from_thread(self._error, str(exc))
            return
        except IndexError:  # the document lost paragraphs since the search
            self._from_thread(self._error, f"{hit.doc_id} has no ¶{hit.paragraph} any more: search again")
            return
        self._from_thread(self.exit, quote.formatted)

    def action_cancel(self) -> None:
        """Leave without a quote (exit status 1)."""
        self.exit(None, return_code=1)


def _open_terminal(missing: list[int]) -> int:
    """A new read-write descriptor of the terminal: the one of stdin, stderr or stdout that is one (where the person
    types), else the controlling terminal (/dev/tty, as fzf does); NoTerminal when there is none."""
    names = [os.ttyname(fd) for fd in (0, 2, 1) if fd not in missing] + ["/dev/tty"]
    for name in names:
        with contextlib.suppress(OSError):
            return os.open(name, os.O_RDWR | os.O_NOCTTY)
    raise NoTerminal("pick needs a terminal to draw on and read keys from, and none is open here")


@contextlib.contextmanager
def _on_the_terminal() -> Iterator[None]:
    """While the picker runs, point standard input, output and error at the terminal, then restore them.

    Textual reads keys from stdin, draws on stderr and sizes itself from stdout. Here stdout is a file or a pipe by
    design, and editors redirect more: vim's `:r !cmd` runs `cmd >file 2>&1`. The terminal stands in for whichever
    of the three is not one. With no terminal at all (Emacs's shell commands: it goes through a tmux popup, see the
    README), NoTerminal (exit 2) rather than a picker waiting for keys that never come.
    """
    if sys.platform == "win32":  # pragma: no cover - no inline mode there; Textual takes the console as it is
        yield
        return
    import termios

    missing = [fd for fd in (0, 1, 2) if not os.isatty(fd)]
    tty = _open_terminal(missing) if missing else -1
    saved: dict[int, int | None] = {}
    for stream in (sys.__stdout__, sys.__stderr__):
        if stream is not None:
            stream.flush()
    attrs = None
    try:
        for fd in missing:
            try:
                saved[fd] = os.dup(fd)
            except OSError:  # it was closed
                saved[fd] = None
            os.dup2(tty, fd)
        with contextlib.suppress(termios.error):
            # Textual writes "\n" expecting the terminal to return the carriage too, as a shell's does; an editor's
            # terminal (emacs -nw) is raw, and every line would start where the last one ended.
            attrs = termios.tcgetattr(0)
            cooked = list(attrs)
            cooked[1] |= termios.OPOST | termios.ONLCR
            termios.tcsetattr(0, termios.TCSANOW, cooked)
        yield
    finally:
        if attrs is not None:
            with contextlib.suppress(termios.error):
                termios.tcsetattr(0, termios.TCSANOW, attrs)
        for stream in (sys.__stdout__, sys.__stderr__):
            if stream is not None:
                with contextlib.suppress(OSError, ValueError):
                    stream.flush()
        for fd, copy in saved.items():
            if copy is None:
                os.close(fd)
            else:
                os.dup2(copy, fd)
                os.close(copy)
        if tty >= 0:
            os.close(tty)


def run_pick(corpus_dir: Path, index_dir: Path, query: str, style: str, fmt: str) -> str | None:
    """Run the picker inline on the terminal; the formatted quote, or None when cancelled. NoTerminal without a
    terminal, the library's own error when it cannot be opened."""
    app = PickApp(corpus_dir, index_dir, query=query, style=style, fmt=fmt)
    with _on_the_terminal():
        text = app.run(inline=True)
    if app.error is not None:
        raise app.error
    return text
