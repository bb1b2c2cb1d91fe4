"""Exceptions the core raises for problems a user can cause (shown as one line, never a traceback)."""


class NpfError(Exception):
    """Base class: a problem the user can fix; its message is one clear line."""

    exit_code = 1


class QuerySyntaxError(NpfError):
    """The query cannot be understood even as plain words."""

    exit_code = 2


class CorpusError(NpfError):
    """The corpus folder or one of its files is missing or malformed."""


class DocumentNotFound(NpfError):
    """No document has the requested id (or a unique prefix of it)."""


class IndexError_(NpfError):
    """The index cannot be opened, built or written."""


class Cancelled(NpfError):
    """A slow operation was cancelled through its cancel event."""
