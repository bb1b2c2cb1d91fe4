"""The `npf` command line: global options, subcommand dispatch, one-line errors; the bare command opens the reader."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path
from typing import TextIO

from npf_tui.core.errors import NpfError
from npf_tui.output import TerminalGuard

from .commands import COMMANDS, Context, command_modules

#: The global options that take a value (the first other word is the subcommand, as argparse reads it).
_VALUE_OPTIONS = ("--corpus", "--index")


def command_word(argv: list[str]) -> str | None:
    """The subcommand word of a command line (None when there is none, e.g. the bare `npf` or `npf --help`)."""
    skip = False
    for word in argv:
        if skip:
            skip = False
        elif word in _VALUE_OPTIONS:
            skip = True
        elif word == "--":
            return None
        elif not word.startswith("-"):
            return word
    return None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; with `command`, only the module that registers that subcommand is imported and
    registered (see commands.COMMANDS), otherwise every subcommand is."""
    parser = argparse.ArgumentParser(
        prog="npf",
        description="Bilingual (Chinese + English) search, reading and quoting for policy sources. "
        "Run without a command to open the terminal reader.",
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--corpus",
        metavar="DIR",
        help="corpus folder (default: $NPF_CORPUS, else your library once you have imported a file, else the demo)",
    )
    which.add_argument(
        "--demo", action="store_true", help="open the bundled demo articles (never changed: imports go to your library)"
    )
    parser.add_argument(
        "--index", metavar="DIR", help="index folder (default: $NPF_INDEX, else one for the corpus in the cache)"
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        default=None,
        help="the reader reopens the documents of the last session where they were left (setting: resume = true)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in command_modules(command):
        module.register(sub)
    if command is None or command == "pick" or command not in COMMANDS:
        _register_pick(sub)
    return parser


def _register_pick(sub) -> None:
    """`npf pick`, registered here rather than in commands/: it runs a Textual app, which no command may load."""
    from npf_tui.core.cite.citation import STYLES

    styles = ", ".join(STYLES)
    p = sub.add_parser(
        "pick", help="choose a quote interactively (inline, under the prompt) and print it with its citation"
    )
    p.add_argument("query", nargs="*", help="initial query (edit it in the picker)")
    p.add_argument("--style", "-s", help=f"citation style: {styles} (default: settings, else chicago-author-date)")
    p.add_argument(
        "--format",
        "-f",
        choices=("plain", "markdown", "pandoc", "latex"),
        help="output format (default: settings, else plain); pandoc for :r !npf pick -f pandoc in a Markdown paper",
    )


def make_context(args: argparse.Namespace) -> Context:
    """Resolve the corpus and index folders from options, environment and defaults (core/paths.py: choose_corpus)."""
    from npf_tui.core.paths import choose_corpus, default_index_dir

    choice = choose_corpus(args.corpus, os.environ.get("NPF_CORPUS"), demo=getattr(args, "demo", False))
    index = args.index or os.environ.get("NPF_INDEX") or None
    index_dir = Path(index).expanduser() if index else default_index_dir(choice.corpus_dir)
    return Context(corpus_dir=choice.corpus_dir, index_dir=index_dir, choice=choice)


def main(argv: list[str] | None = None) -> int:
    """Entry point of `npf`; returns the exit status (and exits with it when run as a script)."""
    streams = sys.stdout, sys.stderr
    # Nothing a command prints can act on the terminal (a document's or a file name's escape sequences are made
    # visible): argparse's own messages repeat what was typed, so the guard goes up before parsing.
    sys.stdout, sys.stderr = TerminalGuard(sys.stdout), TerminalGuard(sys.stderr)
    try:
        return _run(argv, streams)
    finally:
        if isinstance(sys.stdout, TerminalGuard):
            sys.stdout = streams[0]
        if isinstance(sys.stderr, TerminalGuard):
            sys.stderr = streams[1]


def _run(argv: list[str] | None, streams: tuple[TextIO, TextIO]) -> int:
    """Parse, dispatch and turn errors into one line and an exit status (see main)."""
    words = sys.argv[1:] if argv is None else argv
    parser = build_parser(command_word(words))
    args = parser.parse_args(argv)
    ctx = make_context(args)
    try:
        if not args.command:
            from .ui.app import run_app  # only the bare command loads Textual

            # Textual draws on the real terminal: the guard would turn its own escape sequences into text. What it
            # shows of documents is safe already (core/text/controls.py, applied when documents are loaded).
            sys.stdout, sys.stderr = streams
            explicit = ctx.choice is not None and ctx.choice.explicit
            status = run_app(ctx.corpus_dir, ctx.index_dir, explicit=explicit, resume=args.resume)
        elif args.command == "pick":
            status = _run_pick(args, ctx, streams)
        else:
            status = args.func(args, ctx)
    except NpfError as exc:
        print(f"npf: error: {exc}", file=sys.stderr)
        status = exc.exit_code
    except KeyboardInterrupt:
        print("npf: interrupted", file=sys.stderr)
        status = 130
    except BrokenPipeError:
        # The reader of our output went away (e.g. `npf docs | head`): not an error worth a traceback.
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - replaces stdout until the process exits
        status = 0
    if argv is None:
        if args.command:
            # Everything a command writes is committed and synced by now; skipping the interpreter's teardown
            # (freeing an index's worth of objects one by one) saves ~70 ms of every `npf add` or `npf search`.
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            except (BrokenPipeError, OSError):
                pass
            os._exit(status)
        sys.exit(status)
    return status


def _run_pick(args: argparse.Namespace, ctx: Context, streams: tuple[TextIO, TextIO]) -> int:
    """Run the picker on the terminal and print the chosen quote on stdout, alone; 1 when cancelled."""
    from npf_tui.core.cite.citation import resolve_style
    from npf_tui.core.settings import load_settings

    settings = load_settings()  # a bad style or settings file is a one-line error before anything is drawn
    style = resolve_style(args.style or settings.default_style).name
    fmt = args.format or settings.default_format

    from .ui.pick import run_pick  # Textual, only for this command

    guarded = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = streams  # Textual draws on the real terminal (see the bare command)
    try:
        text = run_pick(ctx.corpus_dir, ctx.index_dir, " ".join(args.query), style, fmt)
    finally:
        sys.stdout, sys.stderr = guarded
    if text is None:
        return 1
    print(text, end="")
    return 0


if __name__ == "__main__":  # pragma: no cover
    main()
