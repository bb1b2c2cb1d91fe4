"""Word (.docx) files: paragraphs and table rows in document order, and the core properties."""

from __future__ import annotations

from datetime import date, datetime

from npf_tui.core.sources.formats.base import ImportedText, ImportRejected


def read_docx(data: bytes) -> ImportedText:
    """A Word file: its paragraphs and table rows in order; core properties title, author and created date."""
    import io
    import zipfile

    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ImportRejected(f"not a readable .docx file ({type(exc).__name__})") from None
    except Exception as exc:  # python-docx raises its own PackageNotFoundError and lxml errors
        raise ImportRejected(f"not a readable .docx file ({type(exc).__name__})") from None
    paragraphs: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells = list(dict.fromkeys(c.text.strip() for c in row.cells if c.text.strip()))
                if cells:
                    paragraphs.append(" | ".join(cells))
        elif block.text.strip():
            paragraphs.append(block.text)
    props = document.core_properties
    meta = {"title": props.title or "", "author": props.author or ""}
    if isinstance(props.created, (datetime, date)):
        meta["published"] = (
            props.created.date().isoformat() if isinstance(props.created, datetime) else props.created.isoformat()
        )
    return ImportedText(paragraphs=paragraphs, meta=meta)
