"""`npf entities` and `npf entity`: who and what the sources talk about, in both languages."""

from __future__ import annotations

import sys

from npf_tui.core.entities.store import EntityCount, EntityStore
from npf_tui.core.errors import NpfError
from npf_tui.core.glossary import ENTITY_TYPES

from .. import output


class EntityNotFound(NpfError):
    """No entity has the requested name."""


def register(sub) -> None:
    """Add `entities` and `entity`."""
    p = sub.add_parser("entities", help="people, organisations, places, concepts and media in a document or the corpus")
    p.add_argument("doc", nargs="?", help="document id, unique id prefix or number (default: the whole corpus)")
    p.add_argument("--type", "-t", choices=ENTITY_TYPES, help="only entities of this type")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.set_defaults(func=run_entities)

    p = sub.add_parser("entity", help="one entity: its names in both languages and where it is mentioned")
    p.add_argument("name", nargs="+", help="any name or alias, English or Chinese (e.g. CAPS, 刘海清, Xi Jinping)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run_entity)


def _store(lib) -> EntityStore:
    """The entity store of the library's index generation."""
    said = len(lib.notices)
    store = lib.entity_store()  # brought up to date first with the documents added since (entity_sync.py)
    for notice in lib.notices[said:]:
        print(f"npf: {notice}", file=sys.stderr)
    if not store.available:
        raise NpfError("no entity data in the index yet (run 'npf index' to build it)")
    return store


def entity_json(ec: EntityCount) -> dict:
    """One entity in the `npf entities --json` schema."""
    e = ec.entity
    return {
        "id": e.id,
        "name": e.name,
        "name_en": e.name_en,
        "name_zh": e.name_zh,
        "names": e.names,
        "type": e.type,
        "count": ec.count,
        "docs": ec.docs,
        "note": e.note,
    }


def run_entities(args, ctx) -> int:
    """List entities of one document (grouped by type) or of the corpus (most mentioned first)."""
    lib = ctx.library()
    store = _store(lib)
    if args.doc:
        doc = lib.document(args.doc)
        rows = store.for_document(doc.doc_id)
    else:
        doc = None
        rows = store.all()
    if args.type:
        rows = [ec for ec in rows if ec.entity.type == args.type]
    if args.json:
        print(output.dumps([entity_json(ec) for ec in rows]))
        return 0
    if not rows:
        print("no entities found", file=sys.stderr)
        return 1
    colour = output.use_colour()
    where = f"in {doc.doc_id}" if doc else f"in {len(lib.documents)} documents"
    print(f"{len(rows)} entities {where}")
    for typ in ENTITY_TYPES:
        group = [ec for ec in rows if ec.entity.type == typ]
        if not group:
            continue
        print()
        print(_bold(f"{typ} ({len(group)})", colour))
        for ec in group:
            e = ec.entity
            names = " · ".join(n for n in (e.name_en, e.name_zh) if n)
            docs = "" if doc else f" in {len(ec.docs)} doc{'s' if len(ec.docs) != 1 else ''}"
            print(f"  {ec.count:>5}×  {names}{docs}")
    return 0


def run_entity(args, ctx) -> int:
    """Show one entity's names and the documents and paragraphs that mention it."""
    lib = ctx.library()
    store = _store(lib)
    name = " ".join(args.name)
    entity = store.find(name)
    # count() is None only for an id outside the store, which find() never returns: one error for both
    count = store.count(entity.id) if entity is not None else None
    if entity is None or count is None:
        raise EntityNotFound(f"no entity named '{name}' (see 'npf entities')")
    mentions = store.mentions(entity.id)
    by_doc: dict[str, list] = {}
    for m in mentions:
        by_doc.setdefault(m.doc_id, []).append(m)
    titles = {d.doc_id: d.title for d in lib.documents}
    if args.json:
        data = entity_json(count)
        data["mentions"] = [
            {
                "doc_id": d,
                "title": titles.get(d, ""),
                "paragraphs": sorted({m.paragraph for m in ms}),
                "mentions": [{"paragraph": m.paragraph, "start": m.start, "end": m.end, "text": m.text} for m in ms],
            }
            for d, ms in by_doc.items()
        ]
        print(output.dumps(data))
        return 0
    colour = output.use_colour()
    print(_bold(" · ".join(n for n in (entity.name_en, entity.name_zh) if n) or entity.id, colour), f"({entity.type})")
    others = [n for n in entity.names if n not in (entity.name_en, entity.name_zh)]
    if others:
        print("also:", ", ".join(others))
    if entity.note:
        print(entity.note)
    print(
        f"{count.count} mention{'s' if count.count != 1 else ''} in {len(by_doc)} document"
        f"{'s' if len(by_doc) != 1 else ''}"
    )
    for d, ms in by_doc.items():
        paras = sorted({m.paragraph for m in ms})
        print(f"  {d}  ¶ {', '.join(map(str, paras))}")
        if titles.get(d):
            print(f"      {titles[d]}")
    return 0


def _bold(text: str, colour: bool) -> str:
    """Bold on a colour terminal."""
    return f"\x1b[1m{text}\x1b[0m" if colour else text
