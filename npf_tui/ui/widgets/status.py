"""Status widgets: the search summary line, the busy panel with a progress bar, and the on-screen explanation panel."""

from __future__ import annotations

from textual.containers import Vertical
from textual.content import Content
from textual.widgets import LoadingIndicator, ProgressBar, Static

from npf_tui.core.models import SearchResult


def summary_content(result: SearchResult, shown: int, timings: bool = True) -> Content:
    """`N hits (shown) · T ms · also searched: …` and the core's notice, as one or two lines."""
    if result.total == 0:
        head = Content.styled(f"No hits for {result.query!r}.", "bold")
    else:
        more = f" (showing {shown})" if shown < result.total else ""
        head = Content.styled(f"{result.total} hit{'s' if result.total != 1 else ''}{more}", "bold")
    parts: list = [head]
    if timings:
        parts.append((f" · {result.took_ms:.0f} ms", "dim"))
    if result.expanded:
        parts.append((" · also searched: ", "dim"))
        parts.append((", ".join(result.expanded), "$text-accent"))
    if result.notice:
        parts.append(("\n" + result.notice, "$text-warning"))
    return Content.assemble(*parts)


class StatusLine(Static):
    """One or two lines of status under the search box (hit count, time, expansions, errors)."""

    def show_text(self, text: str, style: str = "") -> None:
        """Plain status text."""
        self.update(Content.styled(text, style) if style else Content(text))

    def show_error(self, text: str) -> None:
        """An error the person can fix (bad query syntax and the like)."""
        self.update(Content.assemble(("⚠ ", "bold $text-error"), (text, "$text-error")))


class BusyPanel(Vertical):
    """Shown while slow work runs: what is happening, a progress bar when the total is known, a spinner otherwise."""

    def compose(self):
        """Message, spinner and bar."""
        yield Static("Opening the library…", classes="busy-message")
        yield LoadingIndicator(classes="busy-spinner")
        yield ProgressBar(total=None, show_eta=False, classes="busy-bar")

    def report(self, done: int, total: int, message: str) -> None:
        """Progress from a core callback (done, total, message), called on the UI thread."""
        if message:
            self.query_one(".busy-message", Static).update(Content(message))
        bar = self.query_one(ProgressBar)
        if total > 0:
            bar.update(total=total, progress=done)


class InfoPanel(Static):
    """A centred explanation (empty corpus, missing index, no results yet) with what to do next."""
