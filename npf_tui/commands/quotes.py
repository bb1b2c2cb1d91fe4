"""`npf quote` (the best passage or sentence for a query, with its citation) and `npf cite` (a document's reference)."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

from npf_tui.core.cite.citation import STYLES, bibliography_entry, bibtex, csl_json_keyed, in_text, resolve_style
from npf_tui.core.cite.quotes import FORMATS
from npf_tui.core.errors import NpfError

from .search import _positive

if TYPE_CHECKING:
    from npf_tui.core.search.query import Literals


def register(sub) -> None:
    """Add `quote` and `cite`."""
    styles = ", ".join(STYLES)
    p = sub.add_parser("quote", help="the best matching passage (or sentence) with its citation, ready to paste")
    p.add_argument("query", nargs="+", help="query words (as for 'npf search')")
    p.add_argument("--style", "-s", help=f"citation style: {styles} (default: settings, else chicago-author-date)")
    p.add_argument(
        "--format",
        "-f",
        choices=FORMATS,
        help="output format (default: settings, else plain); pandoc: '> quote [@key, para. N]'; latex: \\blockcquote",
    )
    p.add_argument(
        "--in-text-only", action="store_true", help="no reference entry (the reference list is built elsewhere)"
    )
    p.add_argument(
        "--project",
        "-p",
        metavar="NAME",
        help="add the quote to this writing project and cite it in the paper's context ([3], n.d.-b); "
        "--copy adds it to the active project",
    )
    p.add_argument(
        "--sentence", action="store_true", help="quote only the sentence that best matches (the query's words in order)"
    )
    p.add_argument(
        "--hit", type=_positive, default=1, metavar="N", help="quote the N-th hit, as 'npf search' numbers them"
    )
    p.add_argument(
        "--copy", "-c", action="store_true", help="also copy to the clipboard (always saved to the quotes file)"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--exact", action="store_true", help="no cross-language expansion")
    p.set_defaults(func=run_quote)

    p = sub.add_parser("cite", help="a document's reference in a citation style, BibTeX or CSL-JSON")
    p.add_argument("doc", help="document id, unique id prefix, or number from 'npf docs'")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--style", "-s", help=f"citation style: {styles}")
    group.add_argument("--bibtex", action="store_true", help="print a BibTeX entry")
    group.add_argument("--csl-json", action="store_true", help="print CSL-JSON (for Zotero and other managers)")
    p.add_argument("--json", action="store_true", help="print the reference and in-text citation as JSON")
    p.set_defaults(func=run_cite)


def _settings():
    """The user's settings (a malformed file is a one-line error)."""
    from npf_tui.core.settings import load_settings

    return load_settings()


def _sentence_span(lib, doc, hit, query: str, exact: bool) -> tuple[int, int] | None:
    """The span of the sentence to quote from the hit's paragraph: the best one for the query by the rule of
    core/text/sentences.py: best_sentence (the query's phrase, else its rarest terms), from the spans the search
    core's own matcher finds — the same folding as the search, no second matcher."""
    from npf_tui.core.text.sentences import best_sentence

    para = doc.paragraph(hit.paragraph)
    literals = lib.compile(query, exact=exact).literals
    found = best_sentence(para, _term_spans(para, literals), _phrase_spans(para, query))
    return (found.start, found.end) if found else None


def _term_spans(para: str, literals: Literals) -> dict[str, list[tuple[int, int]]]:
    """Each distinct thing the compiled query looks for (a word, phrase, prefix or Chinese string, expansions
    included) → its spans in `para`. One at a time, because a hit's own spans are merged and no longer say which
    term they are, and the rule weighs terms by how many sentences hold each."""
    from npf_tui.core.search.highlight import match_spans
    from npf_tui.core.search.query import Literals

    single = [(f"word:{t}", Literals(terms={t})) for t in literals.terms]
    single += [(f"phrase:{' '.join(p)}", Literals(phrases={p})) for p in literals.phrases]
    single += [(f"prefix:{p}", Literals(prefixes={p})) for p in literals.prefixes]
    single += [(f"han:{h}", Literals(han={h})) for h in literals.han]
    out: dict[str, list[tuple[int, int]]] = {}
    for key, one in single:
        spans = match_spans(para, one)
        if spans:
            out[key] = [(span.start, span.end) for span in spans]
    return out


def _phrase_spans(para: str, query: str) -> list[tuple[int, int]]:
    """Where the query's words occur in `para` in the order typed, with nothing but spaces and punctuation between
    them: each word (an English stem, or a run of Chinese characters as a substring) found by the search core's
    matcher, then chained. Chinese runs are chained rather than segmented, because jieba may cut a run of the query
    otherwise than the same characters inside a longer run of the paragraph. Quotes and brackets are no words (a
    quoted phrase is a phrase); the words of operators and filters are (`OR`, `-climate`, `author:xu`), so a query
    that uses them holds no phrase and its terms decide."""
    from npf_tui.core.search.highlight import match_spans
    from npf_tui.core.search.query import Literals
    from npf_tui.core.text.analysis import scan, stem
    from npf_tui.core.text.textnorm import RUN_RE, normalize

    normalized, runs = scan(query)
    words = [(is_han, normalized[start:end]) for is_han, start, end in runs]
    if not words:
        return []
    found: dict[tuple[bool, str], list[tuple[int, int]]] = {}
    for is_han, word in set(words):
        one = Literals(han={word}) if is_han else Literals(terms={stem(word)})
        found[(is_han, word)] = [(span.start, span.end) for span in match_spans(para, one)]
    text = normalize(para)
    chains = {end: start for start, end in reversed(found[words[0]])}  # where a chain ends → its earliest start
    for piece in words[1:]:
        following: dict[int, int] = {}
        for start, end in found[piece]:
            before = [first for last, first in chains.items() if last <= start and not RUN_RE.search(text, last, start)]
            if before:
                following[end] = min(before)
        chains = following
        if not chains:
            return []
    return sorted((start, end) for end, start in chains.items())


def run_quote(args, ctx) -> int:
    """Print the best passage for a query (or its N-th with --hit) with its citation; exit 1 when nothing matches or
    there is no N-th hit, or when --copy could not save it in the quotes file."""
    from npf_tui.core.cite.clipboard import copy, terminal_osc52_writer
    from npf_tui.core.cite.keys import citation_keys
    from npf_tui.core.cite.quotes import make_quote

    settings = _settings()
    style = resolve_style(args.style or settings.default_style).name
    fmt = args.format or settings.default_format
    query = " ".join(args.query)
    lib = ctx.library()
    result = lib.search(query, limit=args.hit, exact=args.exact)
    if not result.hits:
        print(f"npf: no passage matches '{query}'", file=sys.stderr)
        return 1
    if args.hit > len(result.hits):
        # Nothing found at that rank: exit 1 like no match at all (2 is for what cannot be understood, e.g. 0).
        count = f"{result.total} hit{'s' if result.total != 1 else ''}"
        raise NpfError(f"no hit {args.hit} for '{query}': it has {count}")
    hit = result.hits[args.hit - 1]
    doc = lib.document(hit.doc_id)
    span = _sentence_span(lib, doc, hit, query, args.exact) if args.sentence else None
    key = citation_keys(ctx.corpus_dir, [doc])[doc.doc_id]
    project = _project_for(args)
    # In a project the in-text citation is the paper's ([3], n.d.-b), rendered once the quote is in it.
    cite = _cite_in_project(project, ctx.corpus_dir, doc, key, hit.paragraph, span, style) if project else None
    quote = make_quote(
        doc, hit.paragraph, span, style=style, fmt=fmt, key=key, in_text_only=args.in_text_only, cite=cite
    )
    report = None
    if args.copy:
        report = copy(
            quote.formatted.strip(),
            quotes_file=settings.quotes_path(),
            citation=quote.reference,
            write_osc52=terminal_osc52_writer(),
            source=f"{doc.doc_id} ¶{hit.paragraph}",
        )
    if args.json:
        data = quote.to_json()
        if project is not None:
            data["project"] = project
        if report is not None:
            data["copy"] = {
                "summary": report.summary(),
                "quotes_file": str(report.quotes_file) if report.quotes_file else None,
                "saved": report.saved,
                "clipboard": report.pyperclip,
                "osc52": report.osc52,
            }
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(quote.formatted, end="")
    if report is not None:
        if not report.saved:
            # --copy promises the quotes file ("always saved"): a quote that did not get there is a problem with a
            # file (exit 1), even when it was printed and reached a clipboard — a script must not take it as kept.
            why = report.save_error.removeprefix("quotes file not written: ")
            print(
                f"npf: error: quote not saved in {report.quotes_file} ({why}); {report.clipboards()}", file=sys.stderr
            )
            return 1
        print(f"npf: {report.summary()}", file=sys.stderr)
    if project is not None:
        print(f"npf: added to project '{project}'", file=sys.stderr)
    return 0


def _project_for(args) -> str | None:
    """The writing project a quote goes to: --project, else the active project when the quote is copied."""
    from npf_tui.core.cite.project import active_project, check_name

    if args.project:
        return check_name(args.project)
    return active_project() if args.copy else None


def _cite_in_project(project: str, corpus_dir, doc, key: str, paragraph: int, span, style: str):
    """Add the quote (paragraph `paragraph`, or its part `span`) to the project; its in-text citation there."""
    from npf_tui.core.cite.project import add_quote, render_project

    start, end = span if span else (0, len(doc.paragraph(paragraph)))
    added = add_quote(project, corpus_dir, doc, key, paragraph, start, end)
    rendered = render_project(project, style)
    index = next(i for i, q in enumerate(rendered.quotes) if q.id == added.id)
    return rendered.rendered.citations[index]


def _find(ctx, ref: str):
    """The document for `ref`, read straight from the corpus (no index needed to cite)."""
    from npf_tui.core.sources.corpus import find_document, load_corpus

    return find_document(load_corpus(ctx.corpus_dir), ref)


def run_cite(args, ctx) -> int:
    """Print a document's reference."""
    from npf_tui.core.cite.keys import citation_keys

    doc = _find(ctx, args.doc)
    key = citation_keys(ctx.corpus_dir, [doc])[doc.doc_id]
    if args.csl_json:
        print(json.dumps([csl_json_keyed(doc, key)], ensure_ascii=False, indent=2))
        return 0
    if args.bibtex:
        print(bibtex(doc, key), end="")
        return 0
    style = resolve_style(args.style or _settings().default_style).name
    entry = bibliography_entry(doc, style)
    cite = in_text(doc, style)
    if args.json:
        print(
            json.dumps(
                {
                    "doc_id": doc.doc_id,
                    "style": style,
                    "reference": entry.text,
                    "reference_markdown": entry.markdown,
                    "in_text": cite.text,
                    "key": key,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        print(entry.text)
    return 0
