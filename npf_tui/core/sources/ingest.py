"""Bring source files into the corpus (`npf add`), take documents out again, and edit their front-matter metadata."""

from __future__ import annotations

import errno
import fcntl
import os
import re
import stat
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from pathlib import Path

from npf_tui.core.errors import CorpusError, NpfError
from npf_tui.core.fsutil import atomic_write_text, fsync_dir
from npf_tui.core.models import META_KEYS, Document
from npf_tui.core.sources.corpus import (
    DOC_SUFFIX,
    MAX_DOCUMENT_BYTES,
    MAX_PARAGRAPHS,
    FileStamp,
    as_text,
    content_hash,
    document_paths,
    document_stamps,
    dump_front_matter,
    find_document,
    load_document,
    make_doc_id,
    render_document,
    split_front_matter,
    stamp,
)
from npf_tui.core.sources.formats.base import ImportRejected
from npf_tui.core.sources.importing import NOT_REGULAR, SUPPORTED_SUFFIXES, import_file
from npf_tui.core.text.controls import make_safe

ProgressFn = Callable[[int, int, str], None]

#: Front-matter keys npf computes itself; `edit_meta` refuses to set them.
COMPUTED_KEYS = ("content_hash",)
_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]*$")
_ISO_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_STALE_TMP_SECONDS = 3600
#: errno values meaning "this filesystem cannot make hard links" (then a plain rename is used).
_NO_LINK_ERRNOS = {
    getattr(errno, n) for n in ("EPERM", "ENOTSUP", "EOPNOTSUPP", "EXDEV", "EMLINK") if hasattr(errno, n)
}


@dataclass
class AddedDoc:
    """A source file that became (or, in a dry run, would become) a corpus document."""

    source: str  # the file as given (absolute path)
    doc_id: str
    file: str  # the corpus file written
    title: str
    language: str
    paragraphs: int


@dataclass
class Duplicate:
    """A source file whose content is already in the corpus."""

    source: str
    doc_id: str

    @property
    def reason(self) -> str:
        """The one-line explanation shown to the person."""
        return f"already in corpus as {self.doc_id}"


@dataclass
class NotAdded:
    """A source file that was not added, and why (one line)."""

    source: str
    reason: str


@dataclass
class AddReport:
    """What `add_paths` did: every file it met ends in exactly one of the lists."""

    added: list[AddedDoc] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    failed: list[NotAdded] = field(default_factory=list)  # named or found files that could not be imported
    skipped: list[NotAdded] = field(default_factory=list)  # files of unsupported types met inside folders
    not_added: list[NotAdded] = field(default_factory=list)  # files left over after an interruption or a write error
    interrupted: bool = False
    error: str = ""  # why the run stopped early, if it did (other than an interruption)
    dry_run: bool = False
    #: The corpus's document files (name -> stamp) as listed under the lock, with the files this import wrote: the
    #: index update that follows starts from it instead of listing and stat-ing the folder again (0.7 s at 45,797
    #: files). Not part of the report's JSON.
    listing: dict[str, FileStamp] | None = field(default=None, repr=False, compare=False)

    @property
    def all_in(self) -> bool:
        """True when every file given is now in the corpus (added or already there); skipped types do not count."""
        return not (self.failed or self.not_added or self.interrupted or self.error)

    def to_dict(self) -> dict:
        """The report as plain data (the `--json` form)."""
        data = asdict(replace(self, listing=None))  # not copied through asdict: 9,661 stamps at 100 MB
        del data["listing"]
        data["duplicates"] = [dict(asdict(d), reason=d.reason) for d in self.duplicates]
        data["all_in"] = self.all_in
        return data


@dataclass
class FilePlan:
    """The files a set of paths expands to, and the paths that cannot be imported at all."""

    files: list[Path] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    failed: list[NotAdded] = field(default_factory=list)
    skipped: list[NotAdded] = field(default_factory=list)

    @property
    def total_bytes(self) -> int:
        """The summed size of the planned files."""
        return sum(self.sizes)


def collect_files(paths: list[Path]) -> FilePlan:
    """Expand files and folders (recursively, hidden files and folders left out) into the files to import.

    Only regular files are planned: a FIFO, device or socket is reported, never opened (opening a FIFO waits for a
    writer: `npf add` on a folder holding one hung forever). In a folder, a link that leads outside the folder named
    on the command line is reported and not followed (`passwd.txt -> /etc/passwd` imported the system's password
    file as a document), whether to a file or to a folder; links to folders inside are not followed either (what
    they lead to is walked anyway). A path named on the command line is followed wherever it leads.
    """
    plan = FilePlan()
    seen: set[Path] = set()

    def consider(path: Path, root: Path | None) -> None:
        """Plan one file (met in the folder `root`, or named when None), or note why it is left out."""
        key = path.resolve()
        if key in seen:
            return
        if root is not None and not key.is_relative_to(root):
            # Not marked as seen: the same file named on the command line is still imported.
            plan.failed.append(NotAdded(str(path.absolute()), _outside_reason("file", key)))
            return
        seen.add(key)
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            target = plan.failed if root is None else plan.skipped
            target.append(NotAdded(str(key), f"unsupported file type '{make_safe(path.suffix or path.name)}'"))
            return
        try:
            st = path.stat()
        except OSError as exc:
            plan.failed.append(NotAdded(str(key), f"cannot read the file ({exc.strerror})"))
            return
        if not stat.S_ISREG(st.st_mode):
            plan.failed.append(NotAdded(str(key), NOT_REGULAR))
            return
        plan.files.append(path)
        plan.sizes.append(st.st_size)

    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            root = path.resolve()

            def unreadable(exc: OSError, path: Path = path) -> None:
                """os.walk's error handler: a folder it cannot list."""
                plan.failed.append(
                    NotAdded(str(Path(exc.filename or path).resolve()), f"cannot read the folder ({exc.strerror})")
                )

            for folder, dirs, files in os.walk(path, onerror=unreadable):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in dirs:
                    linked = Path(folder) / name
                    if linked.is_symlink():
                        target = linked.resolve()
                        if not target.is_relative_to(root):
                            plan.failed.append(NotAdded(str(linked.absolute()), _outside_reason("folder", target)))
                for name in sorted(files):
                    if not name.startswith("."):
                        consider(Path(folder) / name, root)
        elif path.exists():
            consider(path, None)
        else:
            plan.failed.append(NotAdded(str(path.absolute()), "not found"))
    return plan


def _outside_reason(kind: str, target: Path) -> str:
    """Why a link met in a folder is not followed."""
    return f"a link to a {kind} outside the folder ({make_safe(str(target))}); name it on the command line to import it"


def corpus_hashes(
    corpus_dir: Path,
    known_files: dict[str, tuple[int, int, str, str]] | None = None,
    listing: dict[str, FileStamp] | None = None,
) -> dict[str, str]:
    """content hash -> doc id for the documents already in the corpus, hashed from their text (so hand edits count).

    `known_files` (file name -> (size, mtime_ns, content hash, doc id), from the index's manifest) spares reading
    the files that have not changed since they were indexed: a 20 MB corpus took 0.7 s to read and hash.
    `listing` is the folder as already listed (corpus.document_stamps), else it is listed here.
    """
    known_files = known_files or {}
    hashes: dict[str, str] = {}
    corpus_dir = Path(corpus_dir)
    # One listing with one stat a file, and a Path only for a file that must be read: listing Paths and stat-ing
    # each took 0.15 s of an `npf add` at 9,661 files.
    for name, st in listing.items() if listing is not None else document_stamps(corpus_dir):
        seen = known_files.get(name)
        if seen is not None and (st.size, st.mtime_ns) == (seen[0], seen[1]):
            hashes.setdefault(seen[2], seen[3])
            continue
        try:
            doc = load_document(corpus_dir / name)
        except NpfError:
            continue  # a broken document cannot be a duplicate of anything; the index reports it
        hashes.setdefault(content_hash(doc.paragraphs), doc.doc_id)
    return hashes


def add_paths(
    paths: list[Path],
    corpus_dir: Path,
    *,
    dry_run: bool = False,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
    known_files: dict[str, tuple[int, int, str, str]] | None = None,
) -> AddReport:
    """Import files and folders into the corpus folder, one atomically written document file per new source.

    progress(bytes_done, bytes_total, path) is called once before the first file (path "") and after each file.
    Stops early, keeping what was completely added, on KeyboardInterrupt or `cancel`; raises CorpusError before
    writing anything when the corpus folder cannot be written. Never touches the index (`known_files`: see
    corpus_hashes).
    """
    corpus_dir = Path(corpus_dir)
    if not dry_run:
        _prepare_corpus_dir(corpus_dir)
    lock = nullcontext() if dry_run else corpus_write_lock(corpus_dir, progress)
    with lock:
        return _add_locked(paths, corpus_dir, dry_run, progress, cancel, known_files)


def _add_locked(
    paths,
    corpus_dir: Path,
    dry_run: bool,
    progress: ProgressFn | None,
    cancel: threading.Event | None,
    known_files=None,
) -> AddReport:
    """The body of add_paths, run while holding the writer lock."""
    if not dry_run:
        _remove_leftovers(corpus_dir)
    report = AddReport(dry_run=dry_run)
    plan = collect_files(paths)
    report.failed.extend(plan.failed)
    report.skipped.extend(plan.skipped)
    listing = dict(document_stamps(corpus_dir)) if corpus_dir.is_dir() else {}
    known = corpus_hashes(corpus_dir, known_files, listing)
    existing = {n[: -len(DOC_SUFFIX)] for n in listing}
    done_bytes, total = 0, plan.total_bytes
    finished = 0  # files dealt with (added, duplicate or failed), in plan order
    attempt = _Attempt()
    try:
        if progress:
            progress(0, total, "")
        for number, (path, size) in enumerate(zip(plan.files, plan.sizes, strict=True)):
            if cancel is not None and cancel.is_set():
                report.interrupted = True
                break
            attempt = _Attempt(path=path)
            try:
                _add_one(path, corpus_dir, known, existing, report, dry_run, attempt)
            except OSError as exc:
                report.error = f"cannot write to the corpus folder {corpus_dir} ({exc.strerror or exc})"
                break
            finished = number + 1
            done_bytes += size
            if progress:
                progress(done_bytes, total, str(path.resolve()))
    except KeyboardInterrupt:
        report.interrupted = True
        # `doc` is set before `placed`, and `reported` only on an attempt at a file: the None checks skip nothing.
        if attempt.placed is not None and attempt.doc is not None and not attempt.reported:
            # The interrupt came after the document file was in place: it is added, so say so.
            report.added.append(attempt.doc)
            attempt.reported = True
        if attempt.reported and attempt.path is not None:
            finished = max(finished, plan.files.index(attempt.path) + 1)
    reason = ("not added: " + report.error) if report.error else "not added: the import was interrupted"
    report.not_added.extend(NotAdded(str(p.resolve()), reason) for p in plan.files[finished:])
    if not dry_run:
        for added in report.added:
            with suppress(OSError):  # gone already: the index update will not find it either
                listing[Path(added.file).name] = stamp(Path(added.file))
        report.listing = listing
    return report


@dataclass
class _Attempt:
    """The state of the file being added, so an interruption at any point can be reported truthfully."""

    path: Path | None = None
    doc: AddedDoc | None = None
    placed: Path | None = None  # set as soon as the document file is in the corpus
    reported: bool = False  # the outcome (added, duplicate or failed) is in the report


def _add_one(
    path: Path,
    corpus_dir: Path,
    known: dict[str, str],
    existing: set[str],
    report: AddReport,
    dry_run: bool,
    attempt: _Attempt,
) -> None:
    """Import one file and write it as a document (or record why not); OSError means the corpus write failed."""
    source = str(path.resolve())
    try:
        imported = import_file(path)
    except ImportRejected as exc:
        report.failed.append(NotAdded(source, str(exc)))
        attempt.reported = True
        return
    if len(imported.paragraphs) > MAX_PARAGRAPHS:
        # The corpus loader would skip such a file: refuse it here, before it is written.
        report.failed.append(
            NotAdded(
                source,
                f"too many paragraphs ({len(imported.paragraphs)}; at most "
                f"{MAX_PARAGRAPHS}): split the file into several",
            )
        )
        attempt.reported = True
        return
    digest = content_hash(imported.paragraphs)
    if digest in known:
        report.duplicates.append(Duplicate(source, known[digest]))
        attempt.reported = True
        return
    doc = _document_for(path, source, imported, digest, existing)
    if (
        sum(len(p) for p in doc.paragraphs) * 3 > MAX_DOCUMENT_BYTES
        and len(render_document(doc).encode("utf-8")) > MAX_DOCUMENT_BYTES
    ):
        report.failed.append(
            NotAdded(
                source,
                f"too large for one document (over {MAX_DOCUMENT_BYTES // 2**20} MB "
                "of text): split the file into several",
            )
        )
        attempt.reported = True
        return
    attempt.doc = added = AddedDoc(
        source=source,
        doc_id=doc.doc_id,
        file=str(corpus_dir / f"{doc.doc_id}{DOC_SUFFIX}"),
        title=doc.title,
        language=doc.language,
        paragraphs=len(doc.paragraphs),
    )
    if not dry_run:
        _create_document(corpus_dir, doc, existing, attempt, added)
    existing.add(doc.doc_id)
    known[digest] = doc.doc_id
    report.added.append(attempt.doc)
    attempt.reported = True


def _document_for(path: Path, source: str, imported, digest: str, existing: set[str]) -> Document:
    """The corpus Document for an imported file: its metadata, provenance and a fresh id."""
    meta = dict(imported.meta)
    known = {key: meta.pop(key, "") for key in META_KEYS}
    # File names are metadata too, and a name can hold an escape sequence like any text.
    known["source_file"] = known["source_file"] or make_safe(path.name)
    extra = {k: v for k, v in meta.items() if k not in ("content_hash", "source_path")}
    extra["content_hash"] = digest
    extra["source_path"] = make_safe(source)
    if known["url"] and not extra.get("accessed"):  # an online source is cited with the day it was read
        extra["accessed"] = date.today().isoformat()
    if imported.encoding and imported.encoding not in ("utf-8", "utf-8-sig", "ascii"):
        extra["source_encoding"] = imported.encoding
    doc_id = make_doc_id(_ascii_fold(known["title"]), existing, fallback="")
    if not doc_id:  # no ASCII letters in the title: only then load pypinyin (0.2 s)
        doc_id = make_doc_id(_fallback_id(known["title"], path), existing)
    return Document(doc_id=doc_id, paragraphs=imported.paragraphs, extra=extra, **known)


def _ascii_fold(text: str) -> str:
    """Latin letters without their accents (Café -> Cafe), so ids stay readable."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def _fallback_id(title: str, path: Path) -> str:
    """An id for titles without ASCII letters: their pinyin, else the file name, else 'doc'."""
    from pypinyin import lazy_pinyin

    for candidate in (" ".join(lazy_pinyin(title[:12])), path.stem):
        slug = make_doc_id(candidate, set(), fallback="")
        if slug:
            return slug
    return "doc"


#: Hidden lock file in the corpus folder: one writer (add, remove, edit-meta) at a time, others wait.
LOCK_NAME = ".npf-write.lock"


@contextmanager
def corpus_write_lock(corpus_dir: Path, progress: ProgressFn | None = None):
    """Hold the corpus folder's writer lock (waiting for another npf process to finish, with a progress message).

    Without it, two `npf add` runs could each miss the other's duplicates. npf is POSIX-only: the index's writer
    lock (search/index.py) needs flock too.
    """
    try:
        handle = open(Path(corpus_dir) / LOCK_NAME, "a+b")  # noqa: SIM115 - closed by the with below
    except OSError as exc:
        raise CorpusError(f"cannot write to the corpus folder {corpus_dir} ({exc.strerror or exc})") from None
    with handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if progress:
                progress(0, 0, "waiting for another npf process that is changing the corpus")
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _prepare_corpus_dir(corpus_dir: Path) -> None:
    """Make sure the corpus folder exists and can be written (before anything is written)."""
    try:
        corpus_dir.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".npf-write-test.", dir=corpus_dir)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise CorpusError(f"cannot write to the corpus folder {corpus_dir} ({exc.strerror or exc})") from None


#: The temporary file of a document being written: `.<id>.md.<8 random characters>.tmp`, as tempfile.mkstemp names
#: it in _create_document (and fsutil.atomic_write_bytes for edit_meta); and the write probe of _prepare_corpus_dir.
_DOC_TMP = re.compile(rf"^\..+{re.escape(DOC_SUFFIX)}\.[a-z0-9_]{{8}}\.tmp$")
_PROBE_TMP = re.compile(r"^\.npf-write-test\.[a-z0-9_]{8}$")


def _remove_leftovers(corpus_dir: Path) -> None:
    """Delete the temporary files of writers that were killed (SIGKILL, power loss) before renaming them.

    Called with the writer lock held: every writer of document files (add, edit-meta) holds it while its temporary
    file exists, so any such file now is a dead writer's, whatever its age. Write probes are made before the lock is
    taken, so only those over an hour old are removed.
    """
    try:
        with os.scandir(corpus_dir) as entries:
            names = [(e.name, e.is_file(follow_symlinks=False)) for e in entries if e.name.startswith(".")]
    except OSError:
        return
    now = time.time()
    for name, is_file in names:
        if not is_file:
            continue
        path = corpus_dir / name
        try:
            if _DOC_TMP.match(name) or (_PROBE_TMP.match(name) and now - path.stat().st_mtime > _STALE_TMP_SECONDS):
                path.unlink()
        except OSError:
            pass  # gone meanwhile, or not ours to delete: either way nothing to report


def _create_document(corpus_dir: Path, doc: Document, existing: set[str], attempt: _Attempt, added: AddedDoc) -> Path:
    """Write a new document file atomically without ever replacing another (a concurrent `npf add` may take an id).

    The text goes to a hidden temporary file, is fsynced, then hard-linked to its final name, which fails instead of
    overwriting when the name was taken meanwhile; then the next free id is tried. `added` (the attempt's doc) gets
    the id and file finally used.
    """
    while True:
        path = corpus_dir / f"{doc.doc_id}{DOC_SUFFIX}"
        if path.exists():
            existing.add(doc.doc_id)
            doc.doc_id = make_doc_id(doc.title, existing, fallback=doc.doc_id)
            continue
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=corpus_dir)
        try:
            with os.fdopen(fd, "wb") as handle:
                os.fchmod(handle.fileno(), 0o666 & ~_umask())  # mkstemp makes 0600; documents are ordinary files
                handle.write(render_document(doc).encode("utf-8"))
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(tmp, path)
            except FileExistsError:
                existing.add(doc.doc_id)
                continue
            except OSError as exc:
                if exc.errno not in _NO_LINK_ERRNOS:
                    raise
                os.replace(tmp, path)  # a filesystem without hard links: the exists() check above must do
            attempt.placed = path
            added.doc_id, added.file = doc.doc_id, str(path)
        finally:
            with suppress(OSError):
                os.unlink(tmp)
        fsync_dir(corpus_dir)
        return path


def _umask() -> int:
    """The process umask (read by setting and restoring it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _find(corpus_dir: Path, ref: str) -> Path:
    """The path of the document `ref` names (id, unique id prefix, or 1-based number)."""
    light = [Document(doc_id=p.stem, path=p) for p in document_paths(corpus_dir)]
    path = find_document(light, ref).path
    assert path is not None  # each of `light` was made with its path
    return path


@dataclass
class RemovedDoc:
    """A document taken out of the corpus."""

    doc_id: str
    file: str
    title: str


def remove_document(corpus_dir: Path, doc_ref: str) -> RemovedDoc:
    """Delete one document file from the corpus (a single unlink: it is either there or gone)."""
    with corpus_write_lock(Path(corpus_dir)):
        return _remove_locked(Path(corpus_dir), doc_ref)


def _remove_locked(corpus_dir: Path, doc_ref: str) -> RemovedDoc:
    """The body of remove_document, run while holding the writer lock."""
    path = _find(corpus_dir, doc_ref)
    try:
        title = load_document(path).title
    except NpfError:
        title = ""
    try:
        path.unlink()
    except FileNotFoundError:
        raise CorpusError(f"document {path.stem} was removed meanwhile") from None
    except OSError as exc:
        raise CorpusError(f"cannot remove {path} ({exc.strerror or exc})") from None
    fsync_dir(path.parent)
    return RemovedDoc(doc_id=path.stem, file=str(path), title=title)


@dataclass
class MetaEdit:
    """The metadata changes made to one document: key -> (old value, new value)."""

    doc_id: str
    file: str
    changes: dict[str, tuple[str, str]]


def validate_meta(changes: dict[str, str]) -> dict[str, str]:
    """Check keys and values for `edit_meta`; returns them cleaned, raises NpfError naming the first bad one."""
    clean: dict[str, str] = {}
    for key, value in changes.items():
        key, value = str(key).strip(), str(value).strip()
        if not _KEY.match(key):
            raise NpfError(f"'{key}' is not a metadata key (letters, digits, '-' and '_', starting with a letter)")
        if key in COMPUTED_KEYS:
            raise NpfError(f"'{key}' is computed from the text and cannot be set")
        if key in ("published", "accessed") and value:
            value = _check_date(value, key)
        if key == "language":
            value = value.lower()
        clean[key] = value
    return clean


def _check_date(value: str, key: str = "published") -> str:
    """An ISO-like date YYYY, YYYY-MM or YYYY-MM-DD that exists on the calendar."""
    match = _ISO_DATE.match(value)
    if match:
        year, month, day = (int(g) if g else 1 for g in match.groups())
        try:
            date(year, month, day)
            return value
        except ValueError:
            pass
    raise NpfError(f"{key} must be a date like 2024, 2024-03 or 2024-03-15 (got '{value}')")


def edit_meta(corpus_dir: Path, doc_ref: str, changes: dict[str, str]) -> MetaEdit:
    """Set (or, with an empty value, clear) front-matter keys of one document; the body is kept byte for byte.

    Standard keys keep their place at the top; a cleared extra key is removed. The file is rewritten atomically.
    """
    clean = validate_meta(changes)
    with corpus_write_lock(Path(corpus_dir)):
        return _edit_locked(Path(corpus_dir), doc_ref, clean)


def _edit_locked(corpus_dir: Path, doc_ref: str, clean: dict[str, str]) -> MetaEdit:
    """The body of edit_meta, run while holding the writer lock."""
    path = _find(corpus_dir, doc_ref)
    try:
        text = path.read_text(encoding="utf-8")
        front, body = split_front_matter(text)
    except (OSError, UnicodeDecodeError, CorpusError) as exc:
        raise CorpusError(f"{path}: cannot edit ({getattr(exc, 'strerror', None) or exc})") from None
    meta = {key: as_text(front.get(key)) for key in META_KEYS}
    meta.update({str(k): as_text(v) for k, v in front.items() if k not in META_KEYS})
    done: dict[str, tuple[str, str]] = {}
    for key, value in clean.items():
        old = meta.get(key, "")
        if old == value:
            continue
        if value or key in META_KEYS:
            meta[key] = value
        else:
            meta.pop(key, None)
        done[key] = (old, value)
    if done:
        dumped = dump_front_matter(meta)
        try:
            atomic_write_text(path, f"---\n{dumped}---\n{body}")
        except OSError as exc:
            raise CorpusError(f"cannot write {path} ({exc.strerror or exc})") from None
    return MetaEdit(doc_id=path.stem, file=str(path), changes=done)
