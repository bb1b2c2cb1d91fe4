"""Writing projects: the quotes copied for one paper, kept together so that they are cited together — numbered in
the order they were first quoted for a numeric style, told apart (n.d.-a, n.d.-b) for an author-date one — and the
paper's bibliography printed in a style, as BibTeX or as CSL-JSON (for pandoc's ``--citeproc`` and biblatex).

A project is a folder of the user's data (``~/.local/share/npf-tui/projects/NAME/``), never of the corpus or the
repo. Its quotes are ``quotes.jsonl``: one JSON object a line, appended and fsynced one at a time, so that a kill
loses at most the quote being written and never an earlier one (a torn last line is skipped on reading, and the next
append starts on a fresh line). Each quote keeps its source's metadata as it was when quoted, and the corpus it came
from: the bibliography uses the document as it is now when the corpus still has it (an edited title shows), and the
kept metadata otherwise (a paper's sources do not vanish with a corpus). The active project (``npf project use``) is
the one every copied quote also goes to.
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

from npf_tui.core.cite.collection import Cite, RenderedTogether, render_together
from npf_tui.core.errors import NpfError
from npf_tui.core.fsutil import atomic_write_text, fsync_dir
from npf_tui.core.models import Document
from npf_tui.core.paths import data_dir

QUOTES_FILE = "quotes.jsonl"
ACTIVE_FILE = "ACTIVE"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class ProjectError(NpfError):
    """A project that does not exist, a bad name, or a quote that is not in the project."""


@dataclass
class ProjectQuote:
    """One quote of a project: where it came from, its text, and its source's metadata when it was quoted."""

    id: str
    added: str  # ISO 8601, UTC
    corpus: str  # the corpus folder the document was in
    doc_id: str
    paragraph: int
    start: int
    end: int
    text: str
    key: str  # the document's citation key
    meta: dict = field(default_factory=dict)  # Document.meta() and "extra", as quoted

    def document(self) -> Document:
        """The source as it was when quoted (used when its corpus no longer has it)."""
        meta = dict(self.meta)
        extra = meta.pop("extra", {}) or {}
        known = {k: v for k, v in meta.items() if k in Document.__dataclass_fields__ and k != "paragraphs"}
        return Document(doc_id=self.doc_id, extra=dict(extra), **known)


@dataclass
class ProjectInfo:
    """A project in the list: its name, how many quotes it holds, whether it is the active one."""

    name: str
    quotes: int
    active: bool
    path: str


def projects_dir() -> Path:
    """Where projects live: the platform's data folder for npf-tui, ``projects/``."""
    return data_dir() / "projects"


def check_name(name: str) -> str:
    """A project name as given, if it is a safe folder name (letters, digits, ``.``, ``_``, ``-``; 1–64)."""
    if not _NAME.fullmatch(name or ""):
        raise ProjectError(f"bad project name {name!r}: use letters, digits, '.', '_' and '-' (at most 64)")
    return name


def project_dir(name: str) -> Path:
    """The folder of project `name` (not created here)."""
    return projects_dir() / check_name(name)


def create_project(name: str) -> Path:
    """Create project `name` (an empty quotes file); an existing project is left as it is."""
    folder = project_dir(name)
    folder.mkdir(parents=True, exist_ok=True)
    quotes = folder / QUOTES_FILE
    if not quotes.exists():
        quotes.touch()
        fsync_dir(folder)
    return folder


def _existing(name: str) -> Path:
    """The folder of an existing project; ProjectError naming the projects there are otherwise."""
    folder = project_dir(name)
    if not (folder / QUOTES_FILE).is_file():
        names = ", ".join(p.name for p in list_projects()) or "none yet"
        raise ProjectError(f"no project '{name}' (projects: {names}; create one with 'npf project new NAME')")
    return folder


def active_project() -> str | None:
    """The name of the active project, if one is set and still exists."""
    path = projects_dir() / ACTIVE_FILE
    try:
        name = path.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    if not name or not _NAME.fullmatch(name) or not (project_dir(name) / QUOTES_FILE).is_file():
        return None
    return name


def use_project(name: str | None) -> None:
    """Make `name` the active project (None: no active project)."""
    path = projects_dir() / ACTIVE_FILE
    if name is None:
        path.unlink(missing_ok=True)
        return
    _existing(name)
    atomic_write_text(path, name + "\n")


def list_projects() -> list[ProjectInfo]:
    """Every project, by name."""
    root = projects_dir()
    if not root.is_dir():
        return []
    active = active_project()
    out = []
    for folder in sorted(root.iterdir()):
        if folder.is_dir() and (folder / QUOTES_FILE).is_file() and _NAME.fullmatch(folder.name):
            out.append(ProjectInfo(folder.name, len(load_quotes(folder.name)), folder.name == active, str(folder)))
    return out


def load_quotes(name: str) -> list[ProjectQuote]:
    """The project's quotes in the order they were added (a torn or damaged line is skipped)."""
    path = _existing(name) / QUOTES_FILE
    out = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            data = json.loads(line)
            out.append(ProjectQuote(**data))
        except (ValueError, TypeError):
            continue  # the torn last line of a killed write, or a line edited by hand into something else
    return out


def add_quote(
    name: str, corpus_dir: Path, doc: Document, key: str, paragraph: int, start: int, end: int
) -> ProjectQuote:
    """Append a quote of `doc` (paragraph `paragraph`, span [start, end)) to project `name`; durable on return."""
    path = _existing(name) / QUOTES_FILE
    text = doc.paragraph(paragraph)[start:end].strip()
    quote = ProjectQuote(
        id=uuid.uuid4().hex[:8],
        added=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        corpus=str(Path(corpus_dir).resolve()),
        doc_id=doc.doc_id,
        paragraph=paragraph,
        start=start,
        end=end,
        text=text,
        key=key,
        meta=doc.meta() | {"extra": dict(doc.extra)},
    )
    line = json.dumps(asdict(quote), ensure_ascii=False) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    try:
        # A torn line left by a killed write would swallow this one: start on a fresh line.
        size = os.fstat(fd).st_size
        if size and _last_byte(path) != b"\n":
            line = "\n" + line
        os.write(fd, line.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    return quote


def _last_byte(path: Path) -> bytes:
    with open(path, "rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1)


def remove_quote(name: str, quote_id: str) -> ProjectQuote:
    """Remove one quote (by id or unique id prefix) from the project; the file is rewritten atomically."""
    quotes = load_quotes(name)
    matches = [q for q in quotes if q.id.startswith(quote_id)] if quote_id else []
    if len(matches) != 1:
        what = "no quote" if not matches else f"{len(matches)} quotes"
        raise ProjectError(f"{what} with id '{quote_id}' in project '{name}'")
    kept = [q for q in quotes if q is not matches[0]]
    text = "".join(json.dumps(asdict(q), ensure_ascii=False) + "\n" for q in kept)
    atomic_write_text(project_dir(name) / QUOTES_FILE, text)
    return matches[0]


def current_documents(quotes: list[ProjectQuote]) -> dict[tuple[str, str], Document]:
    """Each quoted source as its corpus has it now, by (corpus, doc id); the kept metadata when the corpus or the
    document is gone (or cannot be read)."""
    from npf_tui.core.sources.corpus import load_document

    out: dict[tuple[str, str], Document] = {}
    for quote in quotes:
        where = (quote.corpus, quote.doc_id)
        if where in out:
            continue
        path = Path(quote.corpus) / f"{quote.doc_id}.md"
        try:
            out[where] = load_document(path)
        except (OSError, ValueError, NpfError):
            out[where] = quote.document()
    return out


@dataclass
class ProjectRendering:
    """A project rendered in one style: each quote with its in-text citation (in the paper's context), the
    reference list, and the keys of the sources in reference-list order."""

    name: str
    quotes: list[ProjectQuote]
    rendered: RenderedTogether
    documents: list[Document]  # the sources, in reference-list order
    keys: list[str]  # their citation keys, in the same order


def render_project(name: str, style: str) -> ProjectRendering:
    """The project's quotes cited together in `style`, and its reference list."""
    quotes = load_quotes(name)
    docs = current_documents(quotes)
    # One source quoted from two corpora is two sources: the registry tells them apart by a per-corpus id.
    ids: dict[tuple[str, str], Document] = {}
    for (corpus, doc_id), doc in docs.items():
        unique = doc_id if all(d != doc_id or c == corpus for c, d in docs) else f"{doc_id}@{len(ids)}"
        ids[(corpus, doc_id)] = Document(**{**doc.__dict__, "doc_id": unique})
    cites = [Cite(ids[(q.corpus, q.doc_id)], q.paragraph) for q in quotes]
    rendered = render_together(cites, style)
    by_id = {d.doc_id: (d, q.key) for q in quotes for where, d in ids.items() if where == (q.corpus, q.doc_id)}
    ordered = [by_id[doc_id] for doc_id in rendered.order]
    return ProjectRendering(name, quotes, rendered, [d for d, _ in ordered], [k for _, k in ordered])
