"""The one clipboard path of npf: the quotes file first (always), then the local clipboard, then OSC 52.

Why all three: over SSH or in a bare console there is no local clipboard, but the terminal itself can receive OSC 52
(tmux passes it on and keeps it in its paste buffer with ``set-clipboard on``); and when neither reaches anything the
quote still sits in the quotes file, so nothing taken is ever lost.

Nothing npf saves or copies carries a control character (`npf_tui.core.text.controls.make_safe`): a document already
in a corpus with raw escapes (`ESC ] 52 ; c ; … BEL` sets the clipboard, so the next paste runs what the page chose)
must not reach the user's terminal or clipboard through a copied quote.
"""

from __future__ import annotations

import base64
import fcntl
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from npf_tui.core.text.controls import make_safe

#: OSC 52 payloads above this size are ignored by many terminals (xterm's default limit is about 100 kB).
OSC52_MAX_BYTES = 100_000


@dataclass
class CopyReport:
    """Where a copied text went, and what failed (for a one-line notification)."""

    quotes_file: Path | None = None
    saved: bool = False
    save_error: str = ""
    pyperclip: bool = False
    pyperclip_error: str = ""
    osc52: bool = False
    osc52_error: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def copied(self) -> bool:
        """True when the text reached some clipboard (local or via the terminal)."""
        return self.pyperclip or self.osc52

    def clipboards(self) -> str:
        """Where the text was copied ('copied to clipboard and …'), or 'no clipboard reachable'."""
        places = []
        if self.pyperclip:
            places.append("clipboard")
        if self.osc52:
            places.append("terminal clipboard (OSC 52)")
        return "copied to " + " and ".join(places) if places else "no clipboard reachable"

    def summary(self) -> str:
        """One line: where the text went, and what did not work."""
        line = self.clipboards()
        if self.saved:
            line += f"; saved in {self.quotes_file}"
        problems = [
            p for p in (self.save_error, self.pyperclip_error if not self.copied else "", self.osc52_error) if p
        ]
        if problems:
            line += " (" + "; ".join(problems) + ")"
        return line


def osc52_sequence(text: str, env: Mapping[str, str] | None = None) -> str:
    """The OSC 52 escape sequence that asks the terminal to put `text` on the system clipboard.

    Plain OSC 52 (as Textual sends it) also works inside tmux: with ``set-clipboard on`` tmux stores it in its
    paste buffer and forwards it to the outer terminal (checked with ``tmux show-buffer``; tmux's DCS pass-through
    form does *not* reach the buffer). GNU screen swallows OSC sequences, so there it is wrapped in screen's DCS
    pass-through.
    """
    env = os.environ if env is None else env
    # The payload is base64 (it cannot end the sequence early), but what it decodes to is pasted later: made safe.
    payload = base64.b64encode(make_safe(text).encode("utf-8")).decode("ascii")
    sequence = f"\x1b]52;c;{payload}\x07"
    if env.get("STY") and not env.get("TMUX"):
        sequence = f"\x1bP{sequence}\x1b\\"
    return sequence


def quote_entry(text: str, citation: str, taken: datetime | None = None, source: str = "") -> str:
    """A quotes-file entry: a heading with the time taken, the quote as a blockquote, and its citation (controls
    made visible: the file is read in terminals, `cat` and `less -R` pass escapes straight through)."""
    text, citation, source = make_safe(text), make_safe(citation), make_safe(source)
    taken = taken or datetime.now().astimezone()
    lines = [f"## {taken.isoformat(timespec='seconds')}", ""]
    lines += [f"> {line}" if line.strip() else ">" for line in text.splitlines() or [""]]
    lines.append("")
    if citation and citation not in text:  # a formatted quote usually carries its citation already
        lines += [f"— {citation}", ""]
    if source:
        lines += [f"<!-- {source} -->", ""]
    return "\n".join(lines) + "\n"


QUOTES_HEADER = "# Quotes taken with npf\n\n"


def append_quote(path: Path, entry: str) -> None:
    """Append an entry to the quotes file (created with its folder when missing), flushed and fsynced.

    Opened in append mode: an existing file is never truncated or rewritten, even when this fails midway. The file
    is locked (flock) from the check "is it empty?" to the end of the write, so two first copies at once (two
    processes, or the reader and `npf quote --copy`) write the header once and their entries one after the other;
    without the lock each saw an empty file and wrote its own header.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    entry = make_safe(entry)  # quote_entry's already are; any other caller's too
    with open(path, "a", encoding="utf-8") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)  # released when the file is closed (or the process dies)
        if os.fstat(handle.fileno()).st_size == 0:
            handle.write(QUOTES_HEADER)
        handle.write(entry)
        handle.flush()
        os.fsync(handle.fileno())


def _pyperclip_copy(text: str) -> None:
    """Copy through pyperclip (separate so tests can replace it)."""
    import pyperclip

    pyperclip.copy(text)


def local_clipboard_available(env: Mapping[str, str] | None = None) -> bool:
    """Whether a local clipboard can exist: a graphical session on Linux/BSD, always on macOS and Windows."""
    import sys

    env = os.environ if env is None else env
    if sys.platform in ("darwin", "win32", "cygwin"):
        return True
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


def copy(
    text: str,
    *,
    quotes_file: Path | None,
    citation: str = "",
    write_osc52: Callable[[str], None] | None = None,
    use_pyperclip: bool = True,
    source: str = "",
    pyperclip_copy: Callable[[str], None] | None = None,
) -> CopyReport:
    """Save `text` (with its citation) to the quotes file, then put it on every clipboard that can be reached.

    `write_osc52` receives the *text* (the TUI passes Textual's ``app.copy_to_clipboard``, the CLI a writer that
    sends ``osc52_sequence(text)`` to the terminal). Never raises for a clipboard or file problem: the report says.
    Every clipboard receives the text with its controls made visible (`make_safe`), as the quotes file does.
    """
    text = make_safe(text)
    report = CopyReport(quotes_file=Path(quotes_file) if quotes_file else None)
    if report.quotes_file is not None:
        try:
            append_quote(report.quotes_file, quote_entry(text, citation, source=source))
            report.saved = True
        except OSError as exc:
            report.save_error = f"quotes file not written: {exc.strerror or exc}"
    if use_pyperclip:
        if pyperclip_copy is None and not local_clipboard_available():
            report.pyperclip_error = "no local clipboard (no DISPLAY or WAYLAND_DISPLAY)"
        else:
            try:
                (pyperclip_copy or _pyperclip_copy)(text)
                report.pyperclip = True
            except Exception as exc:  # pyperclip raises its own PyperclipException, or OSError from a helper tool
                report.pyperclip_error = (
                    f"local clipboard failed: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
                )
    if write_osc52 is not None:
        if len(text.encode("utf-8")) > OSC52_MAX_BYTES:
            report.osc52_error = "too long for the terminal clipboard"
        else:
            try:
                write_osc52(text)
                report.osc52 = True
            except Exception as exc:  # a closed terminal or a writer of the UI: report, never a traceback
                report.osc52_error = f"terminal clipboard failed: {exc}"
    return report


def terminal_osc52_writer() -> Callable[[str], None] | None:
    """A writer that sends OSC 52 for a text to the controlling terminal (/dev/tty), or None without one."""
    import sys

    def write(text: str) -> None:
        sequence = osc52_sequence(text)
        try:
            with open("/dev/tty", "w", encoding="ascii") as tty:
                tty.write(sequence)
                tty.flush()
        except OSError:
            if not sys.stdout.isatty():
                raise
            # Straight to the descriptor: the command line wraps stdout in a guard that makes every escape in
            # printed text visible, and npf's own sequence (well formed, its payload safe) must reach the terminal.
            sys.stdout.flush()
            data = memoryview(sequence.encode("ascii"))
            fd = sys.stdout.fileno()
            while data:
                data = data[os.write(fd, data) :]

    try:
        with open("/dev/tty", "w"):
            pass
    except OSError:
        return write if sys.stdout.isatty() else None
    return write
