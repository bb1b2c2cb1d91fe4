"""`npf add`, `npf remove`, `npf edit-meta`: bring sources into the corpus, take them out, fix their metadata."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from npf_tui.core.errors import CorpusError, NpfError
from npf_tui.core.paths import WriteTarget, default_index_dir, user_library_dir, write_target
from npf_tui.core.search.updates import IndexUpdate, import_and_index, prepare_library, sync_index
from npf_tui.core.sources.ingest import AddReport, collect_files, edit_meta, remove_document
from npf_tui.core.text.controls import make_safe

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


def _write_target(ctx) -> tuple[Path, Path, WriteTarget]:
    """(corpus, index, target) a change goes to: the bundled demo is never written to (core/paths.py:
    write_target): a change goes to the person's library instead, or is refused when they named the demo folder."""
    explicit = ctx.choice.explicit if ctx.choice is not None else True
    target = write_target(ctx.corpus_dir, explicit=explicit)
    if not target.redirected:
        return ctx.corpus_dir, ctx.index_dir, target
    return target.corpus_dir, default_index_dir(target.corpus_dir), target


def _refuse_demo_change(ctx, verb: str) -> None:
    """Remove and edit-meta name a document of the opened corpus: on the demo there is nothing of the person's."""
    if write_target(ctx.corpus_dir, explicit=ctx.choice.explicit if ctx.choice is not None else True).redirected:
        raise CorpusError(
            f"cannot {verb} the demo's documents: npf never changes the bundled demo "
            f"(your own imports go to your library, {user_library_dir()})"
        )


def run_add(args, ctx) -> int:
    """Import the given paths, update the index, and report file by file."""
    paths = [Path(p) for p in args.paths]
    corpus_dir, index_dir, target = _write_target(ctx)
    if target.redirected and not args.dry_run:
        prepare_library(corpus_dir)
    show_bars = sys.stderr.isatty() and not args.json
    try:
        files = len(collect_files(paths).files) if show_bars else 0
        with _progress_bars(files, show_bars) as bars:
            result = import_and_index(
                paths,
                corpus_dir,
                index_dir,
                library=None if target.redirected else ctx.opened_library,
                dry_run=args.dry_run,
                progress=bars.importing if bars else None,
                index_progress=bars.indexing if bars else None,
            )
    except KeyboardInterrupt:  # before any file was taken on (e.g. while folders were listed)
        print("npf: interrupted; nothing was added", file=sys.stderr)
        return EXIT_INTERRUPTED
    report, index_error = result.report, result.index_error
    _print_notices(result.index)
    if target.new_library and report.added and not args.dry_run:
        # Said once: from now on `npf` opens the library (it holds a document), and this line is not printed again.
        print(
            f"npf: your library is {corpus_dir}: npf opens it from now on (`npf --demo` reopens the demo articles)",
            file=sys.stderr,
        )
    if args.json:
        data = report.to_dict()
        data["index_updated"] = result.index is not None and result.index.updated
        data["index_error"] = index_error
        data["corpus"] = str(corpus_dir)  # where the documents went: your library when the demo was open
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
    _refuse_demo_change(ctx, "remove")
    removed = remove_document(ctx.corpus_dir, args.doc)
    update = sync_index(ctx.corpus_dir, ctx.index_dir, library=ctx.opened_library)
    _print_notices(update)
    if args.json:
        print(
            output.dumps(
                {
                    "removed": removed.doc_id,
                    "file": removed.file,
                    "title": removed.title,
                    "index_updated": update.updated,
                    "index_error": update.error,
                }
            )
        )
    else:
        print(f"removed {removed.doc_id}" + (f" ({removed.title})" if removed.title else ""))
        if update.error:
            print(f"npf: the index was not updated: {update.error}", file=sys.stderr)
    return 1 if update.error else 0


def run_edit_meta(args, ctx) -> int:
    """Set front-matter keys of one document and re-index it."""
    changes: dict[str, str] = {}
    for pair in args.pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise NpfError(f"'{pair}' is not key=value (use key= to clear a value)")
        changes[key.strip()] = value
    _refuse_demo_change(ctx, "edit")
    edit = edit_meta(ctx.corpus_dir, args.doc, changes)
    update = sync_index(ctx.corpus_dir, ctx.index_dir, library=ctx.opened_library) if edit.changes else None
    _print_notices(update)
    index_error = update.error if update is not None else ""
    if args.json:
        print(
            output.dumps(
                {
                    "doc_id": edit.doc_id,
                    "file": edit.file,
                    "changes": {k: {"old": old, "new": new} for k, (old, new) in edit.changes.items()},
                    "index_updated": update is not None and update.updated,
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


def _print_notices(update: IndexUpdate | None) -> None:
    """The index update's notices (documents skipped, waiting for another npf), one line each on stderr."""
    for notice in update.notices if update is not None else []:
        print(f"npf: {notice}", file=sys.stderr)


class _Bars:
    """One Rich progress display on stderr fed by core progress(done, total, message) calls, with a bar per phase
    added on its first call: the import (files done, bytes, time left), then the index update (documents)."""

    def __init__(self, display, files: int) -> None:
        self.display = display
        self.files = files
        self.files_done = 0
        self.tasks: dict[str, int] = {}

    def _task(self, label: str) -> int:
        """The phase's bar; a new phase ends the previous one's."""
        if label not in self.tasks:
            for task in self.tasks.values():
                self.display.update(task, visible=False)
            self.tasks[label] = self.display.add_task(label, total=None, detail="", name="")
        return self.tasks[label]

    def importing(self, done: int, total: int, message: str) -> None:
        """Import progress in bytes; a non-empty message after the first call means one more file is done."""
        from rich.filesize import decimal

        task = self._task("adding")
        if message and not total:  # a notice such as waiting for another npf process
            self.display.update(task, name=make_safe(message))
            return
        if message:
            self.files_done += 1
        detail = f"{self.files_done}/{self.files} files {decimal(done)}/{decimal(total)}" if total else ""
        self.display.update(
            task, completed=done, total=total or None, detail=detail, name=make_safe(Path(message).name[:40])
        )

    def indexing(self, done: int, total: int, message: str) -> None:
        """Index update progress in documents."""
        task = self._task("updating the index")
        if message and not total:
            self.display.update(task, name=make_safe(message[:60]))
            return
        detail = f"{done}/{total}" if total else ""
        self.display.update(task, completed=done, total=total or None, detail=detail, name=make_safe(message[:40]))


@contextmanager
def _progress_bars(files: int, show: bool) -> Iterator[_Bars | None]:
    """The progress display for `npf add` (None when not shown: not a terminal, or --json)."""
    if not show:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    display = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[name]}", style="dim"),
        # Rich moves the cursor to redraw the bars: it writes past npf's terminal guard (output.TerminalGuard), and
        # the file names it shows are made safe above instead.
        console=Console(file=getattr(sys.stderr, "raw", sys.stderr)),
        transient=True,
    )
    with display:
        yield _Bars(display, files)


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
