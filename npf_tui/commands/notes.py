"""`npf note`, `npf notes` (list, search, export, rm, edit), `npf tag`, `npf status`, `npf tags`: annotations and
document tags and reading status on the command line. The core is npf_tui/core/annotations (docs/annotations.md)."""

from __future__ import annotations

import argparse
import sys

from npf_tui.core.annotations import (
    STATUSES,
    Annotation,
    AnnotationError,
    AnnotationStore,
    anchor_all,
    export_markdown,
    search,
)
from npf_tui.core.annotations.anchoring import squeeze
from npf_tui.core.cite.citation import STYLES, resolve_style
from npf_tui.core.errors import NpfError

from .. import output
from .search import _positive

#: The first word of `npf notes` that names an action rather than a query word.
NOTES_ACTIONS = ("export", "rm", "edit")


def register(sub) -> None:
    """Add `note`, `notes`, `tag`, `status` and `tags`."""
    p = sub.add_parser("note", help="annotate a paragraph, sentence or span of a document (prints the new id)")
    p.add_argument("doc", help="document id, unique id prefix, or number from 'npf docs'")
    p.add_argument("--para", "-p", type=_positive, required=True, metavar="N", help="paragraph number")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--quote", "-q", metavar="TEXT", help="mark this text of the paragraph (width/case/space-blind)")
    where.add_argument("--sentence", type=_positive, metavar="K", help="mark the K-th sentence of the paragraph")
    where.add_argument("--span", type=_span, metavar="A:B", help="mark characters A to B (0-based, B excluded)")
    p.add_argument("--note", "-m", default="", help="the note")
    p.add_argument("--tag", "-t", action="append", default=[], metavar="T", help="a tag (repeat for several)")
    p.add_argument("--json", action="store_true", help="print the annotation as JSON")
    p.set_defaults(func=run_note)

    styles = ", ".join(STYLES)
    p = sub.add_parser(
        "notes",
        help="list or search annotations; 'notes export', 'notes rm ID', 'notes edit ID'",
        description="npf notes [QUERY]: list annotations matching a query (words, note:, quote:, tag:, doc:, kind:, "
        "anchor:, -term). npf notes export [QUERY]: Markdown with citations. npf notes rm ID. "
        "npf notes edit ID [--note TEXT] [--tag T]... (a query that starts with one of these words: quote it whole, "
        "e.g. 'export controls').",
    )
    p.add_argument("words", nargs="*", metavar="QUERY", help="query, or an action: export, rm ID, edit ID")
    p.add_argument("--doc", "-d", help="only the annotations of this document (id, prefix or number)")
    tag_help = "list/export: only with this tag; edit: set the tags (repeat for several)"
    p.add_argument("--tag", "-t", action="append", default=None, metavar="T", help=tag_help)
    p.add_argument("--note", "-m", help="edit: the new note ('' to clear it)")
    p.add_argument("--add-tag", action="append", default=[], metavar="T", help="edit: add a tag")
    p.add_argument("--remove-tag", action="append", default=[], metavar="T", help="edit: remove a tag")
    p.add_argument("--style", "-s", help=f"export: citation style: {styles} (default: settings)")
    p.add_argument("--output", "-o", metavar="FILE", help="export: write to FILE instead of printing")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run_notes)

    p = sub.add_parser("tag", help="show or change a document's tags: npf tag DOC +method -todo")
    p.add_argument("--json", action="store_true", help="print the document's tags and status as JSON")
    p.add_argument("doc", help="document id, unique id prefix, or number from 'npf docs'")
    p.add_argument("changes", nargs=argparse.REMAINDER, metavar="+TAG|-TAG", help="tags to add (+) or remove (-)")
    p.set_defaults(func=run_tag)

    p = sub.add_parser("status", help="show or set a document's reading status: " + ", ".join(STATUSES))
    p.add_argument("doc", help="document id, unique id prefix, or number from 'npf docs'")
    p.add_argument("status", nargs="?", choices=(*STATUSES, "none"), help="the new status ('none' clears it)")
    p.add_argument("--json", action="store_true", help="print the document's tags and status as JSON")
    p.set_defaults(func=run_status)

    p = sub.add_parser("tags", help="documents with tags or a reading status (filter with --tag, --status)")
    p.add_argument("--tag", "-t", help="only documents with this tag")
    p.add_argument("--status", choices=STATUSES, help="only documents with this status")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.set_defaults(func=run_tags)


def _span(text: str) -> tuple[int, int]:
    """argparse type: `A:B`, two offsets with 0 ≤ A < B."""
    first, sep, second = text.partition(":")
    try:
        start, end = int(first), int(second)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a span A:B: {text!r}") from None
    if not sep or start < 0 or end <= start:
        raise argparse.ArgumentTypeError(f"not a span A:B with 0 ≤ A < B: {text!r}")
    return start, end


def _store(ctx) -> AnnotationStore:
    return AnnotationStore.for_corpus(ctx.corpus_dir)


def _documents(ctx):
    """The corpus's documents, read straight from its files (no index needed)."""
    from npf_tui.core.sources.corpus import load_corpus

    return load_corpus(ctx.corpus_dir)


def _find_in(docs, ref: str):
    from npf_tui.core.sources.corpus import find_document

    return find_document(docs, ref)


def _quote_span(paragraph: str, quote: str) -> tuple[int, int]:
    """Where `quote` is in `paragraph`, compared folded and without whitespace; it must occur exactly once."""
    key, _ = squeeze(quote)
    if not key:
        raise AnnotationError("--quote is empty")
    text, offsets = squeeze(paragraph)
    found = []
    at = text.find(key)
    while at != -1:
        found.append((offsets[at], offsets[at + len(key) - 1] + 1))
        at = text.find(key, at + 1)
    if not found:
        raise AnnotationError(f"the paragraph does not contain {quote!r}")
    if len(found) > 1:
        raise AnnotationError(f"{quote!r} occurs {len(found)} times in the paragraph: quote more of it, or use --span")
    return found[0]


def run_note(args, ctx) -> int:
    """Add an annotation; print its id (or its JSON)."""
    from npf_tui.core.text.sentences import split_sentences

    doc = _find_in(_documents(ctx), args.doc)
    if args.para > len(doc.paragraphs):
        raise AnnotationError(f"{doc.doc_id} has {len(doc.paragraphs)} paragraphs (asked for ¶{args.para})")
    para = doc.paragraph(args.para)
    start: int | None = None
    end: int | None = None
    if args.quote is not None:
        start, end = _quote_span(para, args.quote)
    elif args.sentence is not None:
        sentences = split_sentences(para)
        if args.sentence > len(sentences):
            raise AnnotationError(f"¶{args.para} of {doc.doc_id} has {len(sentences)} sentences")
        start, end = sentences[args.sentence - 1].start, sentences[args.sentence - 1].end
    elif args.span is not None:
        start, end = args.span
    ann = _store(ctx).add(doc, args.para, start, end, note=args.note, tags=args.tag)
    print(output.dumps(ann.to_json()) if args.json else ann.id)
    return 0


def _selected(args, ctx, words: list[str]) -> tuple[list[Annotation], list]:
    """The annotations for a listing or an export (anchored against the corpus), and the corpus's documents."""
    docs = _documents(ctx)
    query = " ".join(words)
    doc_id = _find_in(docs, args.doc).doc_id if args.doc else None
    anns = anchor_all(_store(ctx), docs, doc_id=doc_id)
    anns = search(anns, query)
    for tag in args.tag or []:
        wanted = tag.strip().lstrip("#").casefold()
        anns = [a for a in anns if wanted in {t.casefold() for t in a.tags}]
    return anns, docs


def _refuse(args, allowed: set[str], action: str) -> None:
    """One-line error for an option that does not apply to `action`."""
    given = {
        "--note": args.note is not None,
        "--add-tag": bool(args.add_tag),
        "--remove-tag": bool(args.remove_tag),
        "--style": args.style is not None,
        "--output": args.output is not None,
        "--doc": args.doc is not None,
        "--tag": args.tag is not None,
    }
    wrong = [name for name, present in given.items() if present and name not in allowed]
    if wrong:
        raise NpfError(f"{', '.join(wrong)} cannot be used with 'npf notes {action}'".replace("notes list", "notes"))


def run_notes(args, ctx) -> int:
    """List, search, export, remove or edit annotations (the first word chooses; see register)."""
    words = list(args.words)
    action = words.pop(0) if words and words[0] in NOTES_ACTIONS else "list"
    if action == "list":
        _refuse(args, {"--doc", "--tag"}, action)
        anns, _ = _selected(args, ctx, words)
        if args.json:
            print(output.dumps([a.to_json() for a in anns]))
        else:
            for ann in anns:
                print(_annotation_text(ann))
        if not anns:
            filtered = words or args.doc or args.tag
            hint = "no annotation matches" if filtered else "no annotations yet (add one: npf note DOC --para N)"
            print(f"npf: {hint}", file=sys.stderr)
        return 0 if anns else 1
    if action == "export":
        _refuse(args, {"--doc", "--tag", "--style", "--output"}, action)
        return _export(args, ctx, words)
    if len(words) != 1:
        raise NpfError(f"'npf notes {action}' takes one annotation id (see 'npf notes')")
    store = _store(ctx)
    if action == "rm":
        _refuse(args, set(), action)
        ann = store.remove(words[0])
        print(output.dumps({"removed": ann.to_json()}) if args.json else f"removed {ann.id}")
        return 0
    _refuse(args, {"--note", "--tag", "--add-tag", "--remove-tag"}, action)
    if args.note is None and args.tag is None and not args.add_tag and not args.remove_tag:
        raise NpfError("'npf notes edit ID' needs --note, --tag, --add-tag or --remove-tag")
    ann = store.edit(words[0], note=args.note, tags=args.tag, add_tags=args.add_tag, remove_tags=args.remove_tag)
    print(output.dumps(ann.to_json()) if args.json else _annotation_text(ann))
    return 0


def _export(args, ctx, words: list[str]) -> int:
    """Markdown of the selected annotations with citations, printed or written atomically to --output."""
    from pathlib import Path

    from npf_tui.core.fsutil import atomic_write_text
    from npf_tui.core.settings import load_settings

    style = resolve_style(args.style or load_settings().default_style).name
    anns, docs = _selected(args, ctx, words)
    scope = [f"tag {t}" for t in args.tag or []] + ([_find_in(docs, args.doc).doc_id] if args.doc else [])
    title = "Annotations" + (f": {', '.join(scope)}" if scope else "")
    text = export_markdown(anns, docs, style=style, title=title)
    if args.json:
        data = {"style": style, "count": len(anns), "markdown": text, "annotations": [a.to_json() for a in anns]}
        text = output.dumps(data) + "\n"
    if args.output:
        try:
            atomic_write_text(Path(args.output).expanduser(), text)
        except OSError as exc:
            raise NpfError(f"cannot write {args.output}: {exc.strerror or exc}") from None
        print(f"npf: {len(anns)} annotation{'s' if len(anns) != 1 else ''} written to {args.output}", file=sys.stderr)
    else:
        print(text, end="")
    return 0


def _annotation_text(ann: Annotation) -> str:
    """An annotation in a listing: id, place, kind and anchor state; the quote (shortened); note and tags."""
    exact = " ".join(ann.exact.split())
    if len(exact) > 160:
        exact = exact[:159] + "…"
    state = "" if ann.anchor == "anchored" else f"  ({ann.anchor})"
    lines = [f"{ann.id}  {ann.doc_id} ¶{ann.paragraph}  [{ann.kind}]{state}", f"    “{exact}”"]
    if ann.note:
        lines.append(f"    note: {ann.note}")
    if ann.tags:
        lines.append("    tags: " + " ".join(f"#{t}" for t in ann.tags))
    return "\n".join(lines)


def _state_text(state) -> str:
    tags = " ".join(f"#{t}" for t in state.tags) or "(no tags)"
    return f"{state.doc_id}  {state.status or '(no status)'}  {tags}"


def run_tag(args, ctx) -> int:
    """Add (+T) and remove (-T) tags of a document; print its tags and status."""
    changes = list(args.changes)
    as_json = args.json or "--json" in changes
    changes = [c for c in changes if c != "--json"]
    add = [c[1:] for c in changes if c.startswith("+")]
    remove = [c[1:] for c in changes if c.startswith("-")]
    bad = [c for c in changes if not c.startswith(("+", "-"))]
    if bad:
        raise NpfError(f"a tag change is +TAG or -TAG, not {bad[0]!r}")
    doc = _find_in(_documents(ctx), args.doc)
    store = _store(ctx)
    state = store.change_doc_tags(doc.doc_id, add, remove) if changes else store.doc_state(doc.doc_id)
    print(output.dumps(state.to_json()) if as_json else _state_text(state))
    return 0


def run_status(args, ctx) -> int:
    """Set (or show) a document's reading status."""
    doc = _find_in(_documents(ctx), args.doc)
    store = _store(ctx)
    if args.status is None:
        state = store.doc_state(doc.doc_id)
    else:
        state = store.set_status(doc.doc_id, None if args.status == "none" else args.status)
    print(output.dumps(state.to_json()) if args.json else _state_text(state))
    return 0


def run_tags(args, ctx) -> int:
    """List documents with tags or a status, filtered by --tag and --status; exit 1 when none."""
    states = _store(ctx).doc_states()
    wanted = _store(ctx).docs_with(tag=args.tag, status=args.status) if args.tag or args.status else set(states)
    rows = [states[d] for d in sorted(wanted)]
    if args.json:
        print(output.dumps([s.to_json() for s in rows]))
    else:
        for state in rows:
            print(_state_text(state))
        if not rows:
            none = "no document has tags or a status yet (npf tag DOC +TAG, npf status DOC read)"
            print(f"npf: {'no document matches' if args.tag or args.status else none}", file=sys.stderr)
    return 0 if rows else 1
