"""Benchmark queries and their ground truth: a plain scan over every paragraph, the way grep would find them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

#: Classes whose ground truth is a literal scan; pinyin has none (what a pinyin query should find is a judgement).
RECALL_CLASSES = ("zh_word", "zh_cross2", "zh_cross3", "zh_trad", "en_word", "phrase", "boolean")
_TOKEN = re.compile(r'"([^"]+)"|(\S+)')
_OPERATORS = {"AND", "OR", "NOT"}
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass
class Query:
    """One benchmark query: its class, its text, and a note saying why it is in the set."""

    cls: str
    text: str
    note: str = ""


@dataclass
class Term:
    """One literal of a query: a word or a quoted phrase, possibly negated."""

    text: str
    negated: bool = False
    phrase: bool = False


def load_queries(path: Path) -> list[Query]:
    """Read queries.txt: `class<TAB>query[<TAB>note]` lines; '#' starts a comment line."""
    queries = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split("\t")
        queries.append(Query(parts[0].strip(), parts[1].strip(), parts[2].strip() if len(parts) > 2 else ""))
    return queries


def parse_boolean(text: str) -> list[list[Term]]:
    """A query as OR-groups of AND-ed terms: `a b OR "c d" NOT e` -> [[a, b], [c d, -e]]."""
    groups: list[list[Term]] = [[]]
    negate = False
    for match in _TOKEN.finditer(text):
        phrase, word = match.group(1), match.group(2)
        if word in _OPERATORS:
            if word == "OR":
                groups.append([])
            negate = word == "NOT"
            continue
        groups[-1].append(Term(phrase or word, negated=negate, phrase=phrase is not None))
        negate = False
    return [g for g in groups if g]


def is_chinese(text: str) -> bool:
    """True when the text contains Han characters (then it is matched as a plain substring)."""
    return bool(_CJK.search(text))


@cache
def _t2s():
    """OpenCC's Traditional-to-Simplified converter (loaded once)."""
    import opencc

    return opencc.OpenCC("t2s")


def literal_forms(term: str, cls: str) -> list[str]:
    """The literal strings a term stands for: a Traditional query also stands for its Simplified form."""
    if cls == "zh_trad":
        simplified = _t2s().convert(term)
        return [term] if simplified == term else [term, simplified]
    return [term]


@lru_cache(maxsize=4096)
def term_pattern(term: str) -> re.Pattern:
    """How the ground truth matches a literal: Han text as a substring, Latin text as whole words, any case."""
    if is_chinese(term):
        return re.compile(re.escape(term))
    words = [re.escape(w) for w in term.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


def term_matches(term: Term, cls: str, paragraphs: list[tuple[str, int, str]]) -> set[tuple[str, int]]:
    """The (doc_id, paragraph) pairs whose text contains the term in one of its literal forms."""
    patterns = [term_pattern(form) for form in literal_forms(term.text, cls)]
    return {(doc, n) for doc, n, text in paragraphs if any(p.search(text) for p in patterns)}


def ground_truth(query: Query, paragraphs: list[tuple[str, int, str]]) -> set[tuple[str, int]] | None:
    """All passages a complete search must return for the query; None where the class has no literal truth."""
    if query.cls not in RECALL_CLASSES:
        return None
    universe = None
    found: set[tuple[str, int]] = set()
    for group in parse_boolean(query.text):
        current: set[tuple[str, int]] | None = None
        for term in group:
            hits = term_matches(term, query.cls, paragraphs)
            if term.negated:
                if universe is None:
                    universe = {(doc, n) for doc, n, _ in paragraphs}
                hits = universe - hits
            current = hits if current is None else current & hits
        found |= current or set()
    return found


def corpus_paragraphs(docs) -> list[tuple[str, int, str]]:
    """Every paragraph of the corpus as (doc_id, 1-based number, text)."""
    return [(d.doc_id, i, text) for d in docs for i, text in enumerate(d.paragraphs, 1)]


def recall_figures(found: set[tuple[str, int]], truth: set[tuple[str, int]]) -> dict:
    """Recall and precision of one system's full answer against the truth."""
    inter = len(found & truth)
    return {
        "truth": len(truth),
        "found": len(found),
        "correct": inter,
        "recall": (inter / len(truth)) if truth else None,
        "precision": (inter / len(found)) if found else None,
    }
