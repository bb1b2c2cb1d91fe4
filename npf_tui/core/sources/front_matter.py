"""Front matter: the YAML block at the top of a document file, read safely and written back.

Its own module so that PyYAML (~20 ms to import, with its resolvers' regular expressions) is loaded by what reads
or writes a document, not by every search: a search reads passages from the index.
"""

from __future__ import annotations

import re

import yaml

from npf_tui.core.errors import CorpusError
from npf_tui.core.sources.corpus import MAX_FRONT_MATTER_CHARS, MAX_FRONT_MATTER_DEPTH, MAX_FRONT_MATTER_NODES

# libyaml's C loader when PyYAML was built with it: front matter is parsed for every document of a build, and the
# pure-Python loader is ten times slower. Both are "safe" loaders (no arbitrary objects).
_YAML_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _FrontMatterLoader(_YAML_BASE):  # type: ignore[valid-type,misc]  # PyYAML's loaders are untyped
    """The safe loader with dates and times left as the text written: `published: 2024-02-30` (an impossible date in
    a hand-edited file) used to raise ValueError from PyYAML's date constructor and take every command down; as text
    it is kept and shown as written. (2024-05-20 read as a date came out as '2024-05-20' anyway.)"""

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
        for first, resolvers in _YAML_BASE.yaml_implicit_resolvers.items()
    }


def load_front_matter(source: str):
    """Parse front matter as safe YAML, refusing what no metadata needs and an attacker could use: more than
    MAX_FRONT_MATTER_CHARS, aliases (a 400-byte "billion laughs" of nested aliases expanded into gigabytes when its
    values were turned into text), more nodes or nesting than metadata has. Any failure is one CorpusError line."""
    if len(source) > MAX_FRONT_MATTER_CHARS:
        raise CorpusError(f"front matter too large (over {MAX_FRONT_MATTER_CHARS // 1024} KB)")
    loader = _FrontMatterLoader(source)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_front_matter_nodes(node)
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark else ""
        raise CorpusError(f"front matter is not valid YAML{where}") from None
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:  # a value PyYAML cannot construct
        raise CorpusError(f"front matter has a value that cannot be read ({type(exc).__name__})") from None
    finally:
        loader.dispose()


def _check_front_matter_nodes(root) -> None:
    """Walk the composed YAML nodes before anything is constructed: a node met twice is an alias, refused (the
    walk itself stays small, since an alias is one shared node); too many nodes or too deep is refused too."""
    seen: set[int] = set()
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if id(node) in seen:
            raise CorpusError("front matter uses YAML aliases (*name), which metadata never needs")
        seen.add(id(node))
        if len(seen) > MAX_FRONT_MATTER_NODES or depth > MAX_FRONT_MATTER_DEPTH:
            raise CorpusError("front matter is too large or too deeply nested to be metadata")
        if isinstance(node, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend(((key, depth + 1), (value, depth + 1)))


class _FrontMatterDumper(yaml.SafeDumper):
    """YAML as npf writes front matter: UTF-8 as is, keys in the given order, one line per value."""


# PyYAML writes NEL, LINE SEPARATOR and the like raw inside plain or single-quoted values, where every YAML loader
# folds them into a space: such values are written double-quoted, where they are escaped (\N, \L, \P).
_FOLDED_BREAKS = re.compile("[\r\n\x85\u2028\u2029]")


def _represent_str(dumper: yaml.SafeDumper, value: str):
    style = '"' if _FOLDED_BREAKS.search(value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_FrontMatterDumper.add_representer(str, _represent_str)


def dump_front_matter(meta: dict) -> str:
    """The YAML text of a front matter mapping (without the --- lines); loads back to the same strings."""
    return yaml.dump(
        meta, Dumper=_FrontMatterDumper, allow_unicode=True, sort_keys=False, width=1000, default_flow_style=False
    )
