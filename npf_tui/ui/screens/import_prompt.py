"""The import prompt: paths of files or folders to add to the corpus, with tab completion of paths; and the
one-line summary of an import."""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.markup import escape
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, Static

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel

    from npf_tui.core.paths import WriteTarget
    from npf_tui.core.sources.ingest import AddReport

#: Candidates listed under the box while typing a path.
MAX_CANDIDATES = 8
#: Files named in the summary of an import (duplicates, failures); the rest are counted.
NAMED_IN_SUMMARY = 3


def _last_token(value: str) -> tuple[str, str]:
    """Split the box into what comes before the path being typed, and that path."""
    head, sep, last = value.rpartition(" ")
    return (head + sep, last)


def path_candidates(partial: str) -> list[str]:
    """Entries of the partial path's folder that start with its last part (hidden ones only when asked for)."""
    expanded = os.path.expanduser(partial)
    directory, prefix = os.path.split(expanded)
    try:
        names = sorted(os.listdir(directory or "."))
    except OSError:
        return []
    show_hidden = prefix.startswith(".")
    out = []
    for name in names:
        if name.startswith(prefix) and (show_hidden or not name.startswith(".")):
            full = os.path.join(directory or ".", name)
            out.append(name + ("/" if os.path.isdir(full) else ""))
    return out


def complete_path(value: str) -> str | None:
    """The box's text with its last path completed as far as it is unambiguous (None when nothing to add)."""
    head, last = _last_token(value)
    if not last:
        return None
    candidates = path_candidates(last)
    if not candidates:
        return None
    common = os.path.commonprefix(candidates)
    prefix = os.path.split(last)[1]
    if len(common) <= len(prefix):
        return None
    return head + last[: len(last) - len(prefix)] + common


class PathSuggester(Suggester):
    """Suggests the completion of the path being typed (accepted with tab or →)."""

    def __init__(self) -> None:
        """No caching: folders change while the dialog is open."""
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        """The completed text, if any."""
        return complete_path(value)


def parse_paths(value: str) -> list[Path]:
    """The paths in the box (shell-style quoting for names with spaces), with ~ expanded."""
    try:
        parts = shlex.split(value)
    except ValueError:
        parts = value.split()
    return [Path(os.path.expanduser(p)) for p in parts]


class ImportPrompt(ModalScreen[list[Path] | None]):
    """Ask for files or folders to import; dismisses with the paths, or None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="npf.import.cancel"),
        Binding("tab", "complete", "Complete path", id="npf.import.complete"),
    ]

    def __init__(self, corpus_dir: Path, target: WriteTarget | None = None) -> None:
        """`corpus_dir` is named in the dialog so the person knows where documents go; `target` says whether that
        is their library instead of the open demo (and whether this import starts it)."""
        super().__init__()
        self.corpus_dir = corpus_dir
        self.target = target

    def compose(self):
        """Title, explanation, the path box, candidates and a hint."""
        redirected = self.target is not None and self.target.redirected
        with Vertical(id="import-dialog", classes="dialog"):
            title = "Import into your library" if redirected else "Import into the corpus"
            yield Static(Content.styled(title, "bold"), classes="dialog-title")
            text = f"Files or folders (txt, md, html, pdf, docx) are copied into {self.corpus_dir} and indexed."
            if redirected:
                start = "starts your library there" if self.target and self.target.new_library else "goes there"
                text += f"\nThe demo articles are never changed: this import {start}, and the reader switches to it."
            yield Static(Content(text), classes="dialog-text")
            yield Input(placeholder="path/to/file.pdf  another/folder", suggester=PathSuggester(), id="import-paths")
            yield Static("", id="import-candidates")
            yield Static(Content.styled("tab completes · enter imports · esc cancels", "dim"), classes="dialog-hint")

    def on_mount(self) -> None:
        """Start in the box, at the current folder."""
        self.query_one(Input).focus()

    @on(Input.Changed, "#import-paths")
    def _changed(self, event: Input.Changed) -> None:
        """List what the path being typed could become."""
        _, last = _last_token(event.value)
        candidates = path_candidates(last) if last else []
        shown = "  ".join(candidates[:MAX_CANDIDATES]) + ("  …" if len(candidates) > MAX_CANDIDATES else "")
        self.query_one("#import-candidates", Static).update(Content.styled(shown, "dim"))

    def action_complete(self) -> None:
        """Complete the path as far as it is unambiguous."""
        box = self.query_one(Input)
        completed = complete_path(box.value)
        if completed:
            box.value = completed
            box.cursor_position = len(completed)
        else:
            self.app.bell()

    @on(Input.Submitted, "#import-paths")
    def _submitted(self, event: Input.Submitted) -> None:
        """Check the paths exist, then return them."""
        paths = parse_paths(event.value)
        if not paths:
            self.dismiss(None)
            return
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            self.query_one("#import-candidates", Static).update(
                Content.styled(f"not found: {', '.join(missing)}", "$text-error")
            )
            return
        self.dismiss(paths)

    def action_cancel(self) -> None:
        """Close without importing."""
        self.dismiss(None)


def import_summary(report: AddReport) -> tuple[str, SeverityLevel]:
    """The notification after an import: how many were added, which files were already there (and as which
    document, as `npf add` says), which failed and why; a warning when some failed. Markup in file names is
    escaped: notifications read markup, and `report[draft].pdf` is a file name, not a style."""

    def named(items: list, describe) -> str:
        shown = "; ".join(escape(describe(item)) for item in items[:NAMED_IN_SUMMARY])
        more = len(items) - NAMED_IN_SUMMARY
        return shown + (f"; and {more} more" if more > 0 else "")

    lines = [f"added {len(report.added)}"]
    if report.duplicates:
        lines.append(
            f"already there {len(report.duplicates)}: "
            + named(report.duplicates, lambda d: f"{Path(d.source).name} as {d.doc_id}")
        )
    problems = report.failed + report.not_added
    if problems:
        lines.append(f"failed {len(problems)}: " + named(problems, lambda p: f"{Path(p.source).name}: {p.reason}"))
    return ", ".join(lines), "warning" if problems else "information"
