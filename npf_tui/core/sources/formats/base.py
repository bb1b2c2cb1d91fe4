"""What every format reader returns, and the errors an import can end in."""

from __future__ import annotations

from dataclasses import dataclass, field

from npf_tui.core.errors import NpfError


class ImportRejected(NpfError):
    """A file that cannot be imported (empty, binary, undecodable, unreadable); the message is the one-line reason."""


class UnsupportedFormat(ImportRejected):
    """A file whose kind npf does not import (judged by its extension)."""


@dataclass
class ImportedText:
    """What one source file gave: its paragraphs and its metadata (standard keys plus any extra front matter)."""

    paragraphs: list[str]
    meta: dict[str, str] = field(default_factory=dict)
    encoding: str = ""  # the text encoding detected, for text-like files
