"""Whoosh opens each segment's parts without copying them.

Whoosh maps a segment file into memory, then wraps each part it opens (terms, postings, stored fields, lengths) in a
`BufferFile` whose `BytesIO(memoryview)` copies the part into the process: opening a searcher on the 100 MB corpus's
index copied ~570 MB and took 0.25-0.36 s (every cold `npf search`, every open reader, the entity update of every
`npf add`); without the copy it takes 0.06 s and 30 MB (PSS of the process), the pages being read from the mapping
as they are used. Installed when npf_tui.core.search.index is imported, i.e. before any index is opened.
"""

from __future__ import annotations

import io

from whoosh.filedb import structfile

#: Bytes `peek` shows. pickle's C unpickler reads through `peek` when a file has one: a prefetch, then one read of
#: what it used, instead of one `read` per opcode (~20 for a posting block's header).
PEEK_BYTES = 256


class MemoryViewFile(io.RawIOBase):
    """A read-only file over a memoryview (no copy): what Whoosh's BufferFile reads through."""

    def __init__(self, buf) -> None:
        super().__init__()
        self._buf = memoryview(buf).cast("B")
        self._pos = 0

    def readable(self) -> bool:
        """Readable."""
        return True

    def seekable(self) -> bool:
        """Seekable."""
        return True

    def tell(self) -> int:
        """The position."""
        return self._pos

    def seek(self, pos: int, whence: int = io.SEEK_SET) -> int:
        """Move the position (from the start, the current position or the end)."""
        if whence == io.SEEK_CUR:
            pos += self._pos
        elif whence == io.SEEK_END:
            pos += len(self._buf)
        if pos < 0:
            raise ValueError("negative seek position")
        self._pos = pos
        return pos

    def read(self, size: int | None = -1) -> bytes:
        """Up to `size` bytes (all the rest when negative or None)."""
        start = self._pos
        end = len(self._buf) if size is None or size < 0 else min(len(self._buf), start + size)
        if end <= start:
            return b""
        self._pos = end
        return self._buf[start:end].tobytes()

    def peek(self, size: int = 0) -> bytes:
        """Some of the bytes ahead, without moving (at most PEEK_BYTES)."""
        return self._buf[self._pos : self._pos + PEEK_BYTES].tobytes()

    def readinto(self, b) -> int:
        """Read into a writable buffer; the number of bytes read."""
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)


def _buffer_file_init(self, buf, name=None, onclose=None) -> None:
    """BufferFile.__init__ as Whoosh 2.7 writes it, reading a memoryview (a part of a mapped segment) in place
    instead of through a BytesIO copy; bytes keep their BytesIO, which shares them without copying."""
    self._buf = buf
    self._name = name
    self.file = MemoryViewFile(buf) if isinstance(buf, memoryview) else io.BytesIO(buf)
    self.onclose = onclose
    self.is_real = False
    self.is_closed = False


def install() -> None:
    """Make Whoosh's BufferFile read its buffer in place (idempotent)."""
    structfile.BufferFile.__init__ = _buffer_file_init
