"""The filter dialog: outlet, author, language, date range, and the person's reading status and document tags,
returned as query terms (`outlet:"…"`, `status:key`, `tag:core` and so on)."""

from __future__ import annotations

import re

from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def _quoted(value: str) -> str:
    """A field value as the query language wants it (quoted when it has spaces)."""
    return f'"{value}"' if re.search(r"\s", value) else value


def filter_terms(
    outlet: str = "",
    author: str = "",
    language: str = "",
    start: str = "",
    end: str = "",
    status: str = "",
    tag: str = "",
) -> str:
    """The query terms for the chosen filters, e.g. `outlet:"Global Times" lang:en published:[2024-01 TO 2024-06]`
    (`status:` and `tag:` are applied by the search screen: screens/doc_filters.py)."""
    terms = []
    if outlet:
        terms.append(f"outlet:{_quoted(outlet)}")
    if author:
        terms.append(f"author:{_quoted(author)}")
    if language:
        terms.append(f"lang:{language}")
    if start or end:
        terms.append(f"published:[{start} TO {end}]".replace("[ TO", "[TO").replace(" TO ]", " TO]"))
    if status:
        terms.append(f"status:{status}")
    if tag:
        terms.append(f"tag:{_quoted(tag)}")
    return " ".join(terms)


class FilterDialog(ModalScreen[str | None]):
    """Choose filters from the values the corpus has; dismisses with the filter terms (possibly ""), None to cancel."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="npf.filters.cancel"),
        Binding("ctrl+s", "apply", "Apply", id="npf.filters.apply"),
    ]

    def __init__(
        self,
        outlets: list[str],
        authors: list[str],
        languages: list[str],
        current: dict[str, str] | None = None,
        statuses: list[str] | None = None,
        tags: list[str] | None = None,
    ) -> None:
        """Choices come from the catalog (and the person's document states); `current` holds the filters already in
        the query."""
        super().__init__()
        self.choices = {
            "outlet": outlets,
            "author": authors,
            "lang": languages,
            "status": statuses or [],
            "tag": tags or [],
        }
        self.current = current or {}

    def compose(self):
        """A grid of labelled fields and a hint."""
        with Vertical(id="filter-dialog", classes="dialog"):
            yield Static(Content.styled("Filters", "bold"), classes="dialog-title")
            with Grid(id="filter-grid"):
                fields = (
                    ("outlet", "Outlet"),
                    ("author", "Author"),
                    ("lang", "Language"),
                    ("status", "Status"),
                    ("tag", "Tag"),
                )
                for field, label in fields:
                    yield Label(label)
                    options = [(value, value) for value in self.choices[field]]
                    value = self.current.get(field, "")
                    yield Select(
                        options,
                        prompt="any",
                        id=f"filter-{field}",
                        compact=True,
                        value=value if value in self.choices[field] else Select.NULL,
                    )
                start, _, end = self.current.get("published", "").strip("[]").partition(" TO ")
                yield Label("From date")
                yield Input(start.strip(), placeholder="YYYY, YYYY-MM or YYYY-MM-DD", id="filter-from", compact=True)
                yield Label("To date")
                yield Input(end.strip(), placeholder="YYYY, YYYY-MM or YYYY-MM-DD", id="filter-to", compact=True)
            yield Static("", id="filter-error")
            yield Static(
                Content.styled("tab moves · enter (in a date) or ctrl+s applies · esc cancels", "dim"),
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        """Start on the first field."""
        self.query_one("#filter-outlet").focus()

    def _value(self, field: str) -> str:
        """A select's value, "" for any."""
        value = self.query_one(f"#filter-{field}", Select).value
        return "" if value is Select.NULL else str(value)

    def action_apply(self) -> None:
        """Check the dates and return the terms."""
        start = self.query_one("#filter-from", Input).value.strip()
        end = self.query_one("#filter-to", Input).value.strip()
        bad = [d for d in (start, end) if d and not _DATE.match(d)]
        if bad:
            self.query_one("#filter-error", Static).update(
                Content.styled(f"not a date: {bad[0]} (use YYYY, YYYY-MM or YYYY-MM-DD)", "$text-error")
            )
            return
        self.dismiss(
            filter_terms(
                self._value("outlet"),
                self._value("author"),
                self._value("lang"),
                start,
                end,
                self._value("status"),
                self._value("tag"),
            )
        )

    def on_input_submitted(self) -> None:
        """Enter in a date box applies."""
        self.action_apply()

    def action_cancel(self) -> None:
        """Close without changing the query."""
        self.dismiss(None)
