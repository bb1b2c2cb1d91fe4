"""`npf add`, `npf remove`, `npf edit-meta`: bring sources into the corpus, take them out, fix their metadata."""

from __future__ import annotations

import sys
from collections import Counter
from contextlib import contextmanager, nullcontext
from pathlib import Path

from npf_tui.core.errors import NpfError
from npf_tui.core.search.index import ensure_index, known_documents, left_stale
from npf_tui.core.sources.ingest import AddReport, add_paths, collect_files, edit_meta, remove_document

from .. import output

#: Exit status when Ctrl-C stopped an import part-way (the shell's convention for SIGINT).
EXIT_INTERRUPTED = 130
_LEFT_OVER_SHOWN = 5


def register(sub) -> None:
    """Add the import subcommands."""
    p = sub.add_parser(
        "add",
        help="import files or folders (.txt .md .html .pdf .docx) into the corpus and index",
        description="Import source files into the corpus. Folders are searched recursively (hidden "
        "files left out). Exit status: 0 when every file is now in the corpus (added, or already "
        "there), 1 when some could not be added, 130 when interrupted.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders to import")
    p.add_argument("--dry-run", action="store_true", help="say what would be added; change nothing")
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    p.set_defaults(func=run_add)

    p = sub.add_parser("remove", help="take a document out of the corpus and the index")
    p.add_argument("doc", help="document id, unique id prefix, or number from 'npf docs'")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run_remove)

    p = sub.add_parser("edit-meta", help="set a document's metadata (key=value; an empty value clears it)")
    p.add_argument("doc", help="document id, unique id prefix, or number from 'npf docs'")
    p.add_argument(
        "pairs",
        nargs="+",
        metavar="KEY=VALUE",
        help="e.g. author='Li Wei' published=2024-03-15 (standard keys: title author outlet published "
        "url language source_file; any other key is kept as extra metadata)",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run_edit_meta)


def run_add(args, ctx) -> int:
    """Import the given paths, update the index, and report file by file."""
    paths = [Path(p) for p in args.paths]
    show_bar = sys.stderr.isatty() and not args.json
    # What the index already knows of the corpus's files spares re-reading them all to find duplicates.
    known = known_documents(ctx.index_dir)
    try:
        if show_bar:
            with _progress_bar(len(collect_files(paths).files)) as progress:
                report = add_paths(paths, ctx.corpus_dir, dry_run=args.dry_run, progress=progress, known_files=known)
        else:
            report = add_paths(paths, ctx.corpus_dir, dry_run=args.dry_run, known_files=known)
    except KeyboardInterrupt:  # before any file was taken on (e.g. while folders were listed)
        print("npf: interrupted; nothing was added", file=sys.stderr)
        return EXIT_INTERRUPTED
    index_error = ""
    if report.added and not args.dry_run:
        index_error = _sync_index(ctx, show_bar)
    if args.json:
        data = report.to_dict()
        data["index_updated"] = bool(report.added) and not args.dry_run and not index_error
        data["index_error"] = index_error
        print(output.dumps(data))
    else:
        _print_report(report, output.use_colour())
        if index_error:
            print(
                f"npf: the documents are in the corpus, but the index was not updated: {index_error}\n"
                "     (it will be brought up to date the next time npf opens the corpus)",
                file=sys.stderr,
            )
    if report.interrupted:
        return EXIT_INTERRUPTED
    return 0 if report.all_in and not index_error else 1


def run_remove(args, ctx) -> int:
    """Delete one document file and drop it from the index."""
    removed = remove_document(ctx.corpus_dir, args.doc)
    index_error = _sync_index(ctx, False)
    if args.json:
        print(
            output.dumps(
                {
                    "removed": removed.doc_id,
                    "file": removed.file,
                    "title": removed.title,
                    "index_updated": not index_error,
                    "index_error": index_error,
                }
            )
        )
    else:
        print(f"removed {removed.doc_id}" + (f" ({removed.title})" if removed.title else ""))
        if index_error:
            print(f"npf: the index was not updated: {index_error}", file=sys.stderr)
    return 1 if index_error else 0


def run_edit_meta(args, ctx) -> int:
    """Set front-matter keys of one document and re-index it."""
    changes: dict[str, str] = {}
    for pair in args.pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise NpfError(f"'{pair}' is not key=value (use key= to clear a value)")
        changes[key.strip()] = value
    edit = edit_meta(ctx.corpus_dir, args.doc, changes)
    index_error = _sync_index(ctx, False) if edit.changes else ""
    if args.json:
        print(
            output.dumps(
                {
                    "doc_id": edit.doc_id,
                    "file": edit.file,
                    "changes": {k: {"old": old, "new": new} for k, (old, new) in edit.changes.items()},
                    "index_updated": bool(edit.changes) and not index_error,
                    "index_error": index_error,
                }
            )
        )
    elif not edit.changes:
        print(f"{edit.doc_id}: nothing changed")
    else:
        for key, (old, new) in edit.changes.items():
            print(f"{edit.doc_id}: {key}: {old!r} → {new!r}")
        if index_error:
            print(f"npf: the index was not updated: {index_error}", file=sys.stderr)
    return 1 if index_error else 0


def _sync_index(ctx, show_progress: bool) -> str:
    """Bring the index up to date with the corpus folder; returns '' or why it could not be (one line).

    Only the index is updated (no library is opened to search it: its searcher alone costs ~40 ms at 20 MB).
    """
    lib = getattr(ctx, "_library", None)
    notices: list[str] = []
    try:
        with (
            _progress_bar(0, label="updating the index", unit="documents") if show_progress else nullcontext()
        ) as progress:
            if lib is not None:
                seen = len(lib.notices)
                lib.refresh(progress=progress)
                notices = lib.notices[seen:]
            else:
                ensure_index(ctx.corpus_dir, ctx.index_dir, progress=progress, notices=notices)
    except NpfError as exc:
        return str(exc)
    except KeyboardInterrupt:
        return "interrupted"
    stale = left_stale(notices)
    if stale:
        # The index folder could not be written (read-only, full): the corpus has the files, the index not yet.
        return stale
    for notice in notices:
        print(f"npf: {notice}", file=sys.stderr)
    return ""


@contextmanager
def _progress_bar(files: int, label: str = "adding", unit: str = "bytes"):
    """A Rich progress bar on stderr fed by core progress(done, total, message) calls.

    For imports it shows files done, bytes and time left; for the index step, documents done.
    """
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = [TextColumn("[bold]{task.description}"), BarColumn()]
    if unit == "bytes":
        columns += [TextColumn("{task.fields[files_done]}/{task.fields[files]} files"), DownloadColumn()]
    else:
        columns.append(MofNCompleteColumn())
    columns += [TimeRemainingColumn(), TextColumn("{task.fields[name]}", style="dim")]
    bar = Progress(*columns, console=Console(stderr=True), transient=True)
    task = bar.add_task(label, total=None, files=files, files_done=0, name="")
    count = [0]

    def progress(done: int, total: int, message: str) -> None:
        """Move the bar; a non-empty message after the first call means one more file is done."""
        if message and not total:  # a notice such as waiting for another npf process
            bar.update(task, name=message)
            return
        if message and unit == "bytes":
            count[0] += 1
        name = Path(message).name if unit == "bytes" else message
        bar.update(task, completed=done, total=total or None, files_done=count[0], name=name[:40])

    with bar:
        yield progress


def _print_report(report: AddReport, colour: bool) -> None:
    """The human-readable summary: what was added, what was already there, what failed and why."""

    def style(text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if colour else text

    verb = "would add" if report.dry_run else "added"
    if report.added:
        print(style(f"{verb} {len(report.added)} document{'s' * (len(report.added) != 1)}:", "1"))
        for doc in report.added:
            print(
                f"  {style('+', '32')} {doc.doc_id}  ← {Path(doc.source).name}  "
                f"({doc.language}, {doc.paragraphs} ¶) {doc.title}"
            )
    if report.duplicates:
        print(style(f"already in the corpus ({len(report.duplicates)}):", "1"))
        for dup in report.duplicates:
            print(f"  {style('=', '36')} {Path(dup.source).name}: {dup.reason}")
    problems = report.failed + report.not_added
    if problems:
        print(style(f"not added ({len(problems)}):", "1"))
        for item in report.failed:
            print(f"  {style('✗', '31')} {item.source}: {item.reason}")
        # After an interruption the untouched files share one reason: a few names are enough.
        for item in report.not_added[:_LEFT_OVER_SHOWN]:
            print(f"  {style('✗', '31')} {item.source}: {item.reason}")
        if len(report.not_added) > _LEFT_OVER_SHOWN:
            print(f"  … and {len(report.not_added) - _LEFT_OVER_SHOWN} more files not reached (--json lists them all)")
    if report.skipped:
        kinds = Counter(Path(s.source).suffix or "(no extension)" for s in report.skipped)
        listed = ", ".join(f"{ext} ×{n}" for ext, n in kinds.most_common())
        print(f"skipped {len(report.skipped)} file{'s' * (len(report.skipped) != 1)} of unsupported types ({listed})")
    if report.error:
        print(style(f"stopped: {report.error}", "31"))
    if report.interrupted:
        print(
            style(
                "interrupted: the files listed as not added were not imported; run the same command again "
                "to finish (files already added are recognised as duplicates)",
                "33",
            )
        )
    parts = [f"{len(report.added)} {verb}", f"{len(report.duplicates)} already in corpus", f"{len(problems)} not added"]
    if report.skipped:
        parts.append(f"{len(report.skipped)} skipped")
    print(", ".join(parts))
