"""Citation keys: stable, readable names for documents (``rainey2024NewCatchPhrase``), as a pandoc or LaTeX user
writes them (``[@rainey2024NewCatchPhrase, para. 16]``, ``\\autocite{…}``) and as BibTeX and CSL-JSON carry them.

The rule is Better BibTeX's ``auth.lower + year + shorttitle(3,3)``, which Zotero users already read:

- the first author's family name, lower case, letters and digits only, accents dropped (``Müller`` → ``muller``);
  a Chinese name in characters gives its surname in pinyin (``习近平`` → ``xi``, ``欧阳修`` → ``ouyang``); an
  organisation its words run together (``Brookings Institution`` → ``brookingsinstitution``); no author: the outlet
  the same way, else ``anon``;
- the year of publication, if there is one;
- the first three words of the title that are not function words, each capitalised (``A New Catch Phrase in Xi's
  China`` → ``NewCatchPhrase``); a Chinese title gives its first three words (as jieba cuts them) in pinyin
  (``加快发展新质生产力`` → ``JiakuaiFazhanXinzhi``).

A key is given once and never changes: keys live in ``citekeys.json`` in the corpus's own folder of the user's data
(`paths.library_state_dir`), so editing a title or an author later does not break a draft that cites the old key. A
front-matter ``citekey`` is the person's own choice and always wins. Keys are unique within a corpus: a key already
given makes the next one ``…a``, ``…b`` (as Better BibTeX does). Documents get their keys in id order, so a corpus
gets the same keys on every machine when nothing was keyed before.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from npf_tui.core.cite.citation import parse_person, split_authors
from npf_tui.core.fsutil import atomic_write_text
from npf_tui.core.models import Document
from npf_tui.core.paths import library_state_dir

KEYS_FILE = "citekeys.json"

#: Words a short title skips (Better BibTeX's list of English function words, the common ones).
_FUNCTION_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "nor",
        "but",
        "of",
        "on",
        "in",
        "at",
        "to",
        "for",
        "from",
        "by",
        "with",
        "without",
        "into",
        "onto",
        "upon",
        "over",
        "under",
        "about",
        "as",
        "than",
        "via",
        "vs",
        "versus",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "its",
        "it",
        "this",
        "that",
        "these",
        "those",
    ]
)
_COMPOUND_SURNAMES = frozenset(
    [
        "欧阳",
        "司马",
        "诸葛",
        "上官",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "轩辕",
        "令狐",
        "端木",
        "独孤",
        "南宫",
        "西门",
        "百里",
    ]
)
_HAN = re.compile(r"[\u3400-\u9fff\U00020000-\U0003ffff]")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def ascii_fold(text: str) -> str:
    """Letters and digits only, accents dropped (``Müller-Lüdenscheidt`` → ``MullerLudenscheidt``)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if ch.isascii() and ch.isalnum())


def _pinyin(text: str) -> list[str]:
    """Toneless pinyin syllables of Chinese text (pypinyin's reading in context)."""
    from pypinyin import lazy_pinyin

    return [ascii_fold(s) for s in lazy_pinyin(text, errors="ignore") if ascii_fold(s)]


def _author_part(doc: Document) -> str:
    """The author part of a key: the first author's family name, else the outlet, else "anon"."""
    names = split_authors(doc.author)
    if names:
        first = names[0]
        if _HAN.search(first):
            chinese = "".join(_HAN.findall(first))
            surname = chinese[:2] if chinese[:2] in _COMPOUND_SURNAMES else chinese[:1]
            return "".join(_pinyin(surname)).lower() or "anon"
        person = parse_person(first)
        family = person.get("family") or person.get("literal") or ""
        folded = ascii_fold(family).lower()
        if folded:
            return folded
    if doc.outlet:
        folded = ascii_fold(doc.outlet).lower() if not _HAN.search(doc.outlet) else "".join(_pinyin(doc.outlet))
        if folded:
            return folded.lower()
    return "anon"


def _year_part(doc: Document) -> str:
    """The year of publication, or nothing."""
    match = re.match(r"\s*(\d{4})", doc.published or "")
    return match.group(1) if match else ""


def _title_words(title: str) -> list[str]:
    """The words of a title as a key spells them: English words (function words skipped) and Chinese words in
    pinyin, in the order they come."""
    from npf_tui.core.text.analysis import segment

    words: list[str] = []
    for match in re.finditer(r"[\u3400-\u9fff\U00020000-\U0003ffff]+|" + _WORD.pattern, title):
        piece = match.group(0)
        if _HAN.match(piece):
            for word, _start, _end in segment(piece):
                syllables = _pinyin(word)
                if syllables:
                    words.append("".join(syllables).capitalize())
        elif piece.casefold() not in _FUNCTION_WORDS:
            folded = ascii_fold(piece)
            if folded:
                words.append(folded[0].upper() + folded[1:])
    return words


def base_key(doc: Document) -> str:
    """The key the rule gives a document, before it is made unique."""
    return _author_part(doc) + _year_part(doc) + "".join(_title_words(doc.title)[:3])


def _suffixed(base: str, taken: set[str]) -> str:
    """`base`, or `base` + a, b, … z, aa, ab … when taken."""
    if base not in taken:
        return base
    n = 0
    while True:
        suffix, m = "", n + 1
        while m:
            m, rest = divmod(m - 1, 26)
            suffix = chr(ord("a") + rest) + suffix
        if base + suffix not in taken:
            return base + suffix
        n += 1


def _read(path: Path) -> dict[str, str]:
    """The keys given so far (doc id → key); an unreadable file is an error, never silently replaced."""
    from npf_tui.core.errors import NpfError

    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        keys = data["keys"]
        if not isinstance(keys, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in keys.items()):
            raise ValueError("keys is not a mapping of strings")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise NpfError(f"citation keys file {path} is damaged ({exc}); fix or remove it") from exc
    return dict(keys)


@contextlib.contextmanager
def _locked(folder: Path):
    """An exclusive lock on the keys of one corpus, across processes (flock: released if the holder dies)."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".citekeys.lock", "a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        yield


def citation_keys(corpus_dir: Path, docs: Iterable[Document]) -> dict[str, str]:
    """The citation key of each document (doc id → key): the ones given before, and new ones for the rest, saved
    before they are returned so that they never change."""
    docs = sorted(docs, key=lambda d: d.doc_id)
    folder = library_state_dir(corpus_dir)
    path = folder / KEYS_FILE
    explicit = {d.doc_id: d.extra["citekey"].strip() for d in docs if d.extra.get("citekey", "").strip()}
    given = _read(path)
    if all(d.doc_id in given or d.doc_id in explicit for d in docs):
        return {d.doc_id: explicit.get(d.doc_id) or given[d.doc_id] for d in docs}
    with _locked(folder):
        given = _read(path)  # another process may have given keys meanwhile
        taken = set(given.values()) | set(explicit.values())
        added = False
        for doc in docs:
            if doc.doc_id in given or doc.doc_id in explicit:
                continue
            key = _suffixed(base_key(doc), taken)
            given[doc.doc_id] = key
            taken.add(key)
            added = True
        if added:
            payload: dict[str, object] = {
                "about": "npf citation keys: given once, never changed (npf_tui/core/cite/keys.py)",
                "keys": given,
            }
            atomic_write_text(path, json.dumps(payload, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    return {d.doc_id: explicit.get(d.doc_id) or given[d.doc_id] for d in docs}


def citation_key(corpus_dir: Path, doc: Document, corpus: Iterable[Document]) -> str:
    """One document's key; `corpus` is every document of the corpus (so that keys are given in id order)."""
    return citation_keys(corpus_dir, list(corpus))[doc.doc_id]
