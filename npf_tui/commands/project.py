"""`npf project`: writing projects — the quotes copied for one paper, cited together, and its bibliography."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from npf_tui.core.cite.citation import STYLES, bibtex, csl_json_keyed, resolve_style
from npf_tui.core.errors import NpfError


def register(sub) -> None:
    """Add `project` and its actions."""
    styles = ", ".join(STYLES)
    p = sub.add_parser("project", help="writing projects: a paper's quotes cited together, and its bibliography")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    a = actions.add_parser("new", help="create a project (and make it the active one with --use)")
    a.add_argument("name")
    a.add_argument("--use", action="store_true", help="make it the active project (copied quotes go to it)")
    a.set_defaults(func=run_new)

    a = actions.add_parser("use", help="make a project the active one (copied quotes also go to it); --none: none")
    a.add_argument("name", nargs="?")
    a.add_argument("--none", action="store_true", help="no active project")
    a.set_defaults(func=run_use)

    a = actions.add_parser("list", help="the projects, the active one marked")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=run_list)

    a = actions.add_parser("show", help="a project's quotes with their in-text citations, in the paper's context")
    a.add_argument("name", nargs="?", help="project (default: the active one)")
    a.add_argument("--style", "-s", help=f"citation style: {styles} (default: settings)")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=run_show)

    a = actions.add_parser("bib", help="a project's bibliography: in a style, as BibTeX or as CSL-JSON (pandoc)")
    a.add_argument("name", nargs="?", help="project (default: the active one)")
    group = a.add_mutually_exclusive_group()
    group.add_argument("--style", "-s", help=f"citation style: {styles} (default: settings)")
    group.add_argument("--bibtex", action="store_true", help="BibTeX / biblatex entries keyed by citation key")
    group.add_argument("--csl-json", action="store_true", help="CSL-JSON (ids are the citation keys), for pandoc")
    a.add_argument("--format", "-f", choices=("plain", "markdown"), default="plain", help="for --style output")
    a.add_argument("--output", "-o", metavar="FILE", help="write to FILE (atomically) instead of stdout")
    a.set_defaults(func=run_bib)

    a = actions.add_parser("rm", help="remove a quote from a project (by the id 'npf project show' gives)")
    a.add_argument("quote_id")
    a.add_argument("--project", "-p", help="project (default: the active one)")
    a.set_defaults(func=run_rm)


def _name(given: str | None) -> str:
    """The project named, else the active one; a one-line error when there is neither."""
    from npf_tui.core.cite.project import active_project, check_name

    if given:
        return check_name(given)
    active = active_project()
    if active is None:
        raise NpfError("no project given and no active project (npf project new NAME --use)")
    return active


def _style(given: str | None) -> str:
    from npf_tui.core.settings import load_settings

    return resolve_style(given or load_settings().default_style).name


def run_new(args, ctx) -> int:
    from npf_tui.core.cite.project import create_project, use_project

    folder = create_project(args.name)
    if args.use:
        use_project(args.name)
    print(f"npf: project '{args.name}' at {folder}{' (active)' if args.use else ''}", file=sys.stderr)
    return 0


def run_use(args, ctx) -> int:
    from npf_tui.core.cite.project import use_project

    if args.none == bool(args.name):
        raise NpfError("give a project name, or --none")
    use_project(None if args.none else args.name)
    print(f"npf: active project: {args.name or 'none'}", file=sys.stderr)
    return 0


def run_list(args, ctx) -> int:
    from dataclasses import asdict

    from npf_tui.core.cite.project import list_projects

    projects = list_projects()
    if args.json:
        print(json.dumps([asdict(p) for p in projects], ensure_ascii=False, indent=2))
        return 0
    if not projects:
        print("no projects yet (npf project new NAME --use)", file=sys.stderr)
    for p in projects:
        print(f"{'*' if p.active else ' '} {p.name}  {p.quotes} quote{'s' if p.quotes != 1 else ''}")
    return 0


def run_show(args, ctx) -> int:
    from npf_tui.core.cite.project import render_project

    name = _name(args.name)
    done = render_project(name, _style(args.style))
    rows = []
    for quote, cite in zip(done.quotes, done.rendered.citations, strict=True):
        rows.append(
            {
                "id": quote.id,
                "doc_id": quote.doc_id,
                "key": quote.key,
                "paragraph": quote.paragraph,
                "text": quote.text,
                "in_text": cite.text,
                "added": quote.added,
            }
        )
    if args.json:
        print(json.dumps({"project": name, "style": done.rendered.style, "quotes": rows}, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print(f"project '{name}' has no quotes yet", file=sys.stderr)
    for row in rows:
        print(f"{row['id']}  {row['in_text']}  [{row['key']}, ¶{row['paragraph']}]")
        print(f"    “{row['text']}”")
    return 0


def bibliography_text(name: str, style: str | None, as_bibtex: bool, as_csl: bool, fmt: str) -> str:
    """The project's bibliography as the command prints it."""
    from npf_tui.core.cite.project import render_project

    done = render_project(name, _style(style))
    if as_bibtex:
        return "\n".join(bibtex(doc, key) for doc, key in zip(done.documents, done.keys, strict=True))
    if as_csl:
        items = [csl_json_keyed(doc, key) for doc, key in zip(done.documents, done.keys, strict=True)]
        return json.dumps(items, ensure_ascii=False, indent=2) + "\n"
    refs = done.rendered.references
    if not refs:  # a note style without a bibliography layout: the notes are the references
        refs = done.rendered.citations
    return "".join((ref.markdown if fmt == "markdown" else ref.text) + "\n" for ref in refs)


def run_bib(args, ctx) -> int:
    from npf_tui.core.fsutil import atomic_write_text

    name = _name(args.name)
    text = bibliography_text(name, args.style, args.bibtex, args.csl_json, args.format)
    if args.output:
        atomic_write_text(Path(args.output).expanduser(), text)
        print(f"npf: wrote {args.output}", file=sys.stderr)
    else:
        print(text, end="")
    return 0


def run_rm(args, ctx) -> int:
    from npf_tui.core.cite.project import remove_quote

    name = _name(args.project)
    removed = remove_quote(name, args.quote_id)
    print(f"npf: removed {removed.id} ({removed.doc_id} ¶{removed.paragraph}) from '{name}'", file=sys.stderr)
    return 0
