"""`npf search`, `npf docs`, `npf show`, `npf index`: the search core on the command line."""

from __future__ import annotations

import argparse
import sys

from npf_tui.core.errors import NpfError

from .. import output


def register(sub) -> None:
    """Add the search-core subcommands."""
    p = sub.add_parser("search", help="ranked passages for a query (Chinese, English, pinyin)")
    p.add_argument("query", nargs="+", help="query words (see the README for the query language)")
    p.add_argument("--limit", "-n", type=_positive, default=10, help="how many passages (default 10)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--exact", action="store_true", help="no cross-language expansion")
    p.add_argument(
        "--by-doc",
        action="store_true",
        help="group by document: the best documents (--limit counts documents), each with its best passages",
    )
    p.set_defaults(func=run_search)

    p = sub.add_parser("docs", help="list the documents and their metadata")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.set_defaults(func=run_docs)

    p = sub.add_parser("show", help="print a document (or one paragraph) with paragraph numbers")
    p.add_argument("doc", help="document id, unique id prefix, or number from 'npf docs'")
    p.add_argument("--para", type=_positive, help="only this paragraph")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run_show)

    p = sub.add_parser("index", help="build or update the index")
    p.add_argument("--rebuild", action="store_true", help="rebuild from scratch")
    p.add_argument("--json", action="store_true", help="print a JSON summary")
    p.set_defaults(func=run_index)


def _positive(text: str) -> int:
    """argparse type: an integer ≥ 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _print_notices(lib) -> None:
    """Tell the user (on stderr) what opening the index did, e.g. a rebuild."""
    for notice in lib.notices:
        print(f"npf: {notice}", file=sys.stderr)


def run_search(args, ctx) -> int:
    """Print ranked passages (or, with --by-doc, documents); exit 1 when nothing matched."""
    from npf_tui.core.annotations.doc_filters import FILTERED_LIMIT, filtered_search, split_doc_filters

    lib = ctx.library()
    query = " ".join(args.query)
    base, doc_filter = split_doc_filters(query)
    if doc_filter and not args.by_doc:
        # status:/tag: (your documents' reading status and tags): the rest searched, the hits kept by document
        result, _ = filtered_search(lib, query, ctx.corpus_dir, args.limit, exact=args.exact)
        print(output.dumps(search_json(result)) if args.json else output.search_text(result, output.use_colour()))
        return 0 if result.hits else 1
    if args.by_doc:
        if doc_filter:
            from npf_tui.core.annotations import AnnotationStore

            allowed = doc_filter.allowed(AnnotationStore.for_corpus(ctx.corpus_dir).doc_states())
            if base:
                grouped = lib.search_documents(base, limit=FILTERED_LIMIT, exact=args.exact)
            else:  # filters alone: those documents, each with its first paragraph
                grouped = _documents_of(lib, allowed)
            grouped.documents = [d for d in grouped.documents if d.doc_id in allowed][: args.limit]
            grouped.total = len(grouped.documents)
            grouped.query = query
        else:
            grouped = lib.search_documents(query, limit=args.limit, exact=args.exact)
        if args.json:
            print(output.dumps(by_doc_json(grouped)))
        else:
            print(by_doc_text(grouped, output.use_colour()))
        return 0 if grouped.total else 1
    result = lib.search(query, limit=args.limit, exact=args.exact)
    if args.json:
        print(output.dumps(search_json(result)))
    else:
        print(output.search_text(result, output.use_colour()))
    return 0 if result.total else 1


def _documents_of(lib, doc_ids: set[str]):
    """A grouped result listing documents by title, each with its first paragraph (a query of filters alone)."""
    from npf_tui.core.annotations.doc_filters import document_hits
    from npf_tui.core.search.documents import DocumentHits, DocumentSearchResult

    hits = document_hits(lib, doc_ids)
    documents = [
        DocumentHits(hit.doc_id, "document", 0.0, [hit], hit.title, hit.author, hit.outlet, hit.published)
        for hit in hits
    ]
    return DocumentSearchResult(query="", expanded=[], total=len(documents), took_ms=0.0, documents=documents)


def search_json(result) -> dict:
    """The `npf search --json` object: output.search_json's fields unchanged, plus per hit "match" ("passage",
    "metadata" or "document") and "why", and "documents": how many documents hold the words only spread over
    several passages (listed when no passage holds them; 0 otherwise)."""
    from npf_tui.core.search.documents import why

    data = output.search_json(result)
    for hit, row in zip(result.hits, data["hits"], strict=True):
        row["match"] = hit.match
        row["why"] = why(hit.match)
    # Documents are listed only when no passage holds the words; then `total` counts the documents.
    data["documents"] = result.total if any(hit.match == "document" for hit in result.hits) else 0
    return data


def by_doc_json(result) -> dict:
    """The `npf search --by-doc --json` object: documents, each with its metadata, match, why, score and passages
    (each passage in the `npf search --json` hit schema, with its match)."""
    return {
        **output.result_head_json(result),
        "by_doc": True,
        "documents": [
            {
                "doc_id": doc.doc_id,
                "title": doc.title,
                "author": doc.author,
                "outlet": doc.outlet,
                "published": doc.published,
                "match": doc.match,
                "why": doc.why,
                "score": doc.score,
                "passages": [{**output.hit_json(hit), "match": hit.match} for hit in doc.hits],
            }
            for doc in result.documents
        ],
    }


def by_doc_text(result, colour: bool) -> str:
    """Documents best first, each with why it matched and its best passages."""
    _paint = output.style
    lines = output.search_head(result, colour, f"{result.total} document{'s' if result.total != 1 else ''}")
    for n, doc in enumerate(result.documents, 1):
        lines.append("")
        lines.append(f"{n:>2}. {_paint(output.byline(doc.title, doc.outlet, doc.published, doc.author), '1', colour)}")
        lines.append(f"    {_paint(doc.doc_id, '36', colour)}  {_paint('(' + doc.why + ')', '2', colour)}")
        for hit in doc.hits:
            lines.append(f"    {_paint(f'¶{hit.paragraph}', '36', colour)} {output.snippet_text(hit.snippet, colour)}")
    return "\n".join(lines)


def run_docs(args, ctx) -> int:
    """List documents from the index manifest (cheap: no document file is parsed)."""
    lib = ctx.library()
    rows = [output.doc_json(doc_id, e.meta, e.paragraphs) for doc_id, e in sorted(lib.catalog.items())]
    if args.json:
        print(output.dumps(rows))
        return 0
    colour = output.use_colour()
    for n, row in enumerate(rows, 1):
        print(f"{n:>3}. {row['doc_id']}")
        print(
            f"     {output.byline(row['title'], row['outlet'], row['published'], row['author'])}"
            f"  ({row['paragraphs']} ¶)"
        )
    if not rows:
        print("the corpus has no documents (add some with 'npf add PATH')", file=sys.stderr)
    del colour
    return 0


def run_show(args, ctx) -> int:
    """Print one document or paragraph."""
    lib = ctx.library()
    doc = lib.document(args.doc)
    if args.para is not None and args.para > len(doc.paragraphs):
        raise NpfError(f"{doc.doc_id} has {len(doc.paragraphs)} paragraphs (asked for ¶{args.para})")
    if args.json:
        print(output.dumps(output.document_json(doc, args.para)))
    else:
        print(output.document_text(doc, output.use_colour(), args.para))
    return 0


def run_index(args, ctx) -> int:
    """Build (or with --rebuild, rebuild) the index, with progress on a terminal."""
    from npf_tui.core.search.library import Library

    progress = _stderr_progress() if sys.stderr.isatty() and not args.json else None
    lib = Library.open(ctx.corpus_dir, ctx.index_dir, progress=progress, rebuild=args.rebuild)
    if progress:
        print(file=sys.stderr)
    _print_notices(lib)
    docs = len(lib.catalog)
    paras = sum(e.paragraphs for e in lib.catalog.values())
    if args.json:
        print(output.dumps({"index": str(lib.gen_dir), "documents": docs, "paragraphs": paras}))
    else:
        print(f"index up to date: {docs} documents, {paras} paragraphs ({lib.gen_dir})")
    return 0


def _stderr_progress():
    """A one-line progress display on stderr (the CLI's search path stays free of Rich and Textual)."""

    # Clearing the rest of the line is an escape code: only where colour is allowed; elsewhere pad with spaces.
    clear = "\x1b[K" if output.use_colour(sys.stderr) else ""
    width = [0]

    def show(done: int, total: int, message: str) -> None:
        pct = 100 * done // total if total else 100
        line = f"{message} {pct:3d}%"
        pad = "" if clear else " " * max(0, width[0] - len(line))
        width[0] = max(width[0], len(line))
        print(f"\r{line}{pad}{clear}", end="", file=sys.stderr, flush=True)

    return show
