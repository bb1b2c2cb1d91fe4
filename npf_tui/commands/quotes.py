"""`npf quote` (the best passage or sentence for a query, with its citation) and `npf cite` (a document's reference)."""

from __future__ import annotations

import json
import sys

from npf_tui.core.cite.citation import STYLES, bibliography_entry, bibtex, csl_json, in_text, resolve_style


def register(sub) -> None:
    """Add `quote` and `cite`."""
    styles = ", ".join(STYLES)
    p = sub.add_parser("quote", help="the best matching passage (or sentence) with its citation, ready to paste")
    p.add_argument("query", nargs="+", help="query words (as for 'npf search')")
    p.add_argument("--style", "-s", help=f"citation style: {styles} (default: settings, else chicago-author-date)")
    p.add_argument(
        "--format", "-f", choices=("plain", "markdown"), help="output format (default: settings, else plain)"
    )
    p.add_argument("--sentence", action="store_true", help="quote only the sentence with the first match")
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


def _hit_span(doc, hit, sentence: bool) -> tuple[int, int] | None:
    """The span to quote in the document's paragraph: None for the whole paragraph, else the first match's sentence."""
    if not sentence:
        return None
    from npf_tui.core.text.sentences import sentence_at

    para = doc.paragraph(hit.paragraph)
    base = 0 if hit.text == para else max(para.find(hit.text), 0)
    offset = base + (hit.spans[0].start if hit.spans else 0)
    found = sentence_at(para, offset)
    return (found.start, found.end) if found else None


def run_quote(args, ctx) -> int:
    """Print the best passage for a query with its citation; exit 1 when nothing matches, or when --copy could not
    save it in the quotes file."""
    from npf_tui.core.cite.clipboard import copy, terminal_osc52_writer
    from npf_tui.core.cite.quotes import make_quote

    settings = _settings()
    style = resolve_style(args.style or settings.default_style).name
    fmt = args.format or settings.default_format
    query = " ".join(args.query)
    lib = ctx.library()
    result = lib.search(query, limit=1, exact=args.exact)
    if not result.hits:
        print(f"npf: no passage matches '{query}'", file=sys.stderr)
        return 1
    hit = result.hits[0]
    doc = lib.document(hit.doc_id)
    quote = make_quote(doc, hit.paragraph, _hit_span(doc, hit, args.sentence), style=style, fmt=fmt)
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
    return 0


def _find(ctx, ref: str):
    """The document for `ref`, read straight from the corpus (no index needed to cite)."""
    from npf_tui.core.sources.corpus import find_document, load_corpus

    return find_document(load_corpus(ctx.corpus_dir), ref)


def run_cite(args, ctx) -> int:
    """Print a document's reference."""
    doc = _find(ctx, args.doc)
    if args.csl_json:
        print(json.dumps([csl_json(doc)], ensure_ascii=False, indent=2))
        return 0
    if args.bibtex:
        print(bibtex(doc), end="")
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
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        print(entry.text)
    return 0
