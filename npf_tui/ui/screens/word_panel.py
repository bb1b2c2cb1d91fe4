"""The Chinese reading aid (`K` in the reader): the words of the selected sentence as jieba cuts them, each with its
pinyin and CC-CEDICT glosses (core/text/reading_aid.py)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from textual import work
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from npf_tui.core.text.reading_aid import Word, WordInfo

from ..widgets.nocolor import MarkedOptionList

#: Senses shown per dictionary entry (the first ones say what the word mostly means).
MAX_SENSES = 6


def info_content(info: WordInfo) -> Content:
    """A word's pinyin and its entries, one per line: `生产力 shēngchǎnlì`, then `生产力 (生產力) [shēng chǎn lì]
    sense; sense`."""
    parts: list = [(info.word, "bold"), "  ", (info.pinyin, "bold $text-accent")]
    if not info.glosses:
        parts.append(("\nnot in CC-CEDICT", "dim"))
    for gloss in info.glosses[:4]:
        head = gloss.simplified
        if gloss.traditional != gloss.simplified:
            head += f" ({gloss.traditional})"
        senses = "; ".join(gloss.senses[:MAX_SENSES]) + (" …" if len(gloss.senses) > MAX_SENSES else "")
        parts += ["\n", (head, "bold"), (f" [{gloss.pinyin}] ", "$text-accent"), senses]
    return Content.assemble(*parts)


class WordPanel(ModalScreen[None]):
    """Words of a passage (j/k or h/l move), the highlighted one's pinyin and glosses below; esc closes."""

    BINDINGS = [
        Binding("escape,q,K", "close", "Close", id="npf.words.close"),
        Binding("j,l,right", "move(1)", "Next word", show=False, id="npf.words.next"),
        Binding("k,h,left", "move(-1)", "Previous word", show=False, id="npf.words.prev"),
    ]

    def __init__(self, words: list[Word], start: int, lookup: Callable[[str], WordInfo], where: str = "") -> None:
        """`words` (Chinese words only), `start` the index to highlight first, `lookup` the (slow the first time)
        dictionary look-up, run in a worker; `where` says which passage these are (e.g. "¶16, sentence 2")."""
        super().__init__()
        self.words = words
        self.start = start
        self.lookup = lookup
        self.where = where
        self._cache: dict[str, WordInfo] = {}

    def compose(self):
        """Title, word list, detail, hint."""
        with Vertical(id="word-dialog", classes="dialog"):
            yield Static(Content.styled(f"Words {self.where}".strip(), "bold"), classes="dialog-title")
            options = [Option(Content(word.text), id=f"w{n}") for n, word in enumerate(self.words)]
            yield MarkedOptionList(*options, id="word-list")
            yield Static(Content.styled("looking up…", "dim"), id="word-info")
            yield Static(
                Content.styled("j/k (h/l) next/previous word · esc closes · glosses: CC-CEDICT", "dim"),
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        """Highlight the starting word."""
        words = self.query_one(OptionList)
        words.highlighted = self.start
        words.focus()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """Look the highlighted word up."""
        event.stop()
        if event.option_index is None or not self.words:
            return
        word = self.words[event.option_index].text
        if word in self._cache:
            self.query_one("#word-info", Static).update(info_content(self._cache[word]))
        else:
            self.query_one("#word-info", Static).update(Content.styled(f"{word}: looking up…", "dim"))
            self._look_up(word)

    @work(thread=True, exclusive=True, group="word")
    def _look_up(self, word: str) -> None:
        """The look-up, off the UI thread (the first one reads the dictionary and pypinyin: about a second)."""
        info = self.lookup(word)
        with contextlib.suppress(RuntimeError):
            self.app.call_from_thread(self._show, info)

    def _show(self, info: WordInfo) -> None:
        """Show a look-up if its word is still the highlighted one."""
        self._cache[info.word] = info
        words = self.query_one(OptionList)
        index = words.highlighted
        if index is not None and self.words[index].text == info.word:
            self.query_one("#word-info", Static).update(info_content(info))
            # the list entry gets its pinyin too, so the list reads as a glossed sentence
            words.replace_option_prompt_at_index(
                index, Content.assemble(info.word, "  ", (info.pinyin, "$text-accent"))
            )

    def action_move(self, step: int) -> None:
        """Next or previous word."""
        words = self.query_one(OptionList)
        words.action_cursor_down() if step > 0 else words.action_cursor_up()

    def action_close(self) -> None:
        """Back to the text."""
        self.dismiss(None)
