"""The query language: Whoosh's parser for the syntax, then each word or phrase compiled for both languages.

A word becomes: its jieba/English-stem term in `words` (boosted: whole words rank first), a phrase of character
bigrams in `cjk` for Chinese (any substring, across word boundaries), the corpus's Chinese strings that typed pinyin
spells (through the bigram pinyin map), and
the other-language names of a glossary or mined bilingual pair (cross-language expansion). Pinyin typed a syllable
or a few at a time (`xin zhi sheng chan li`) is read as one string across the words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from whoosh import qparser
from whoosh import query as Q
from whoosh.analysis import Token, Tokenizer
from whoosh.fields import ID, TEXT, Schema

from npf_tui.core.errors import QuerySyntaxError
from npf_tui.core.search.pinyin_map import chinese_for
from npf_tui.core.text.analysis import plain_words, stem, word_tokens
from npf_tui.core.text.pinyin import split_typed
from npf_tui.core.text.textnorm import HAN_RUN_RE, RUN_RE, fold_table, normalize

#: Whole-word matches count this many times a substring-only match.
WORD_BOOST = 3.0
#: Names added by cross-language expansion weigh a little less than what was typed.
EXPANSION_BOOST = 0.5
MAX_QUERY_CHARS = 2000
META_FIELDS = ("title", "author", "outlet")
_DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
#: Whoosh's operators (upper case only: `and`, `or`, `not` are words). Binary ones need a word on both sides.
_BINARY_OPERATORS = frozenset({"AND", "OR", "ANDNOT", "ANDMAYBE", "REQUIRE"})
_OPERATORS = _BINARY_OPERATORS | {"NOT"}
#: Longest run of typed-apart words read as one pinyin string ("zhong hua ren min gong he guo" is 7): bounds the
#: readings tried per word of a long query (450 one-syllable words, 1,979 characters: 15 ms to compile, measured).
MAX_PINYIN_RUN = 8


class _WholeText(Tokenizer):
    """Query-time analyzer of the pseudo field `text`: the raw word or phrase as one token (we compile it ourselves)."""

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        t.text, t.boost, t.stopped = value, 1.0, False
        if positions:
            t.pos = start_pos
        if chars:
            t.startchar, t.endchar = start_char, start_char + len(value)
        yield t


_QUERY_SCHEMA = Schema(
    text=TEXT(analyzer=_WholeText(), phrase=True),
    title=TEXT(analyzer=_WholeText(), phrase=True),
    author=TEXT(analyzer=_WholeText(), phrase=True),
    outlet=TEXT(analyzer=_WholeText(), phrase=True),
    lang=ID(),
    doc=ID(),
    published=ID(),
)


def _parser() -> qparser.QueryParser:
    """Whoosh's parser with AND as the default, `-word`/`+word`, `>`/`<` ranges, and no single-quote phrases
    (an apostrophe is part of words like Xi's and xi'an)."""
    parser = qparser.QueryParser("text", _QUERY_SCHEMA, group=qparser.AndGroup)
    parser.remove_plugin_class(qparser.SingleQuotePlugin)
    # Only a sign at the start of a word is an operator: "high-quality", "GPT-4o" and 2024-05 stay whole.
    parser.add_plugin(
        qparser.PlusMinusPlugin(plusexpr=r"(?:(?<=[\s(])|^)\+(?=\S)", minusexpr=r"(?:(?<=[\s(])|^)-(?=\S)")
    )
    parser.add_plugin(qparser.GtLtPlugin())
    return parser


_PARSER = _parser()


@dataclass
class Literals:
    """What a compiled query looks for, used to highlight matches in any passage text."""

    terms: set[str] = field(default_factory=set)  # `words` terms (jieba words, English stems)
    phrases: set[tuple[str, ...]] = field(default_factory=set)  # `words` term sequences
    prefixes: set[str] = field(default_factory=set)
    han: set[str] = field(default_factory=set)  # normalised Chinese substrings

    def empty(self) -> bool:
        """True when nothing can be highlighted."""
        return not (self.terms or self.phrases or self.prefixes or self.han)


@dataclass
class CompiledQuery:
    """A query ready for the searcher, with what to highlight and what expansion added."""

    query: Q.Query
    literals: Literals
    expanded: list[str]
    notice: str = ""


class Expansions:
    """Equivalent names across languages (glossary entries and mined pairs), looked up by normalised name."""

    def __init__(self, groups: list[list[str]]):
        self._by_key: dict[str, list[str]] = {}
        for names in groups:
            names = [n.strip() for n in names if n and n.strip()]
            for name in names:
                key = self.key(name)
                bucket = self._by_key.setdefault(key, [])
                for other in names:
                    if self.key(other) != key and other not in bucket:
                        bucket.append(other)
        multi = sorted((k for k in self._by_key if " " in k), key=len, reverse=True)
        self._multiword = (
            re.compile(
                r"(?<![\w\"])(" + "|".join(re.escape(k).replace(r"\ ", r"\s+") for k in multi) + r")(?![\w\"])", re.I
            )
            if multi
            else None
        )

    @staticmethod
    def key(name: str) -> str:
        """Folded form used for look-up: width, case, Traditional/Simplified and spacing do not matter."""
        return " ".join(normalize(name).split())

    def alternatives(self, name: str) -> list[str]:
        """Other names of the same thing (empty when none is known)."""
        return self._by_key.get(self.key(name), [])

    def quote_names(self, text: str) -> str:
        """Wrap known multi-word names outside quotes in quotes, so `Liu Haiqing` is one phrase to expand."""
        if self._multiword is None:
            return text
        pieces = re.split(r'("[^"]*")', text)
        for i in range(0, len(pieces), 2):
            pieces[i] = self._multiword.sub(lambda m: f'"{m.group(1)}"', pieces[i])
        return "".join(pieces)


class QueryCompiler:
    """Turns a query string into a Whoosh query over the passage index; one per search (it holds its results)."""

    def __init__(
        self,
        searcher,
        expansions: Expansions | None,
        exact: bool = False,
        pinyin_map=None,
        catalog: dict[str, dict] | None = None,
    ):
        """`pinyin_map` is a callable returning the index's PinyinMap (called only when pinyin is typed); `catalog`
        maps doc_id → metadata, for the author:/outlet:/title:/published: filters."""
        self.catalog = catalog or {}
        self.searcher = searcher
        self.expansions = expansions
        self.exact = exact
        self.pinyin_map = pinyin_map
        self.literals = Literals()
        self.expanded: list[str] = []
        self._english_words: dict[str, bool] = {}

    # -- entry point -------------------------------------------------------------------------------------------
    def compile(self, text: str) -> CompiledQuery:
        """Parse and compile; bad syntax falls back to plain words with a notice; nothing searchable raises."""
        if len(text) > MAX_QUERY_CHARS:
            raise QuerySyntaxError(f"query too long ({len(text)} characters; at most {MAX_QUERY_CHARS})")
        text = _clean(text)
        if not text.strip():
            raise QuerySyntaxError("empty query")
        if self.expansions is not None and not self.exact:
            text = self.expansions.quote_names(text)
        notice = ""
        parsed = _parse(text)
        if parsed is Q.NullQuery and re.match(r"\s*-\S", text):
            parsed = _parse("*:* " + text)  # only exclusions: everything except them
        if _has_error(parsed) or _stray_operator(text):
            notice = "query syntax not understood; searched as plain words"
            parsed = _parse(_plain_words(text))
            if _has_error(parsed):
                raise QuerySyntaxError("nothing to search for in this query")
        compiled = self._rewrite(parsed, negated=False)
        if compiled is None or compiled is Q.NullQuery:
            raise QuerySyntaxError("nothing to search for in this query (only punctuation or operators?)")
        if _only_negative(compiled):
            compiled = Q.And([Q.Every(), compiled])
        return CompiledQuery(compiled.normalize(), self.literals, self.expanded, notice)

    # -- tree rewriting ---------------------------------------------------------------------------------------
    def _rewrite(self, q, negated: bool):
        """Replace every leaf on our pseudo fields by its compiled form, tracking negation (no highlights there)."""
        if isinstance(q, Q.Not):
            inner = self._rewrite(q.query, not negated)
            return Q.Not(inner) if inner is not None else None
        if isinstance(q, Q.AndNot):
            a, b = self._rewrite(q.a, negated), self._rewrite(q.b, not negated)
            if a is None:
                return Q.Not(b) if b is not None else None
            return Q.AndNot(a, b) if b is not None else a
        if type(q) is Q.And:
            return self._and(q, negated)
        if isinstance(q, (Q.CompoundQuery, Q.BinaryQuery)):
            kids = [k for k in (self._rewrite(c, negated) for c in q.children()) if k is not None]
            if not kids:
                return None
            if isinstance(q, Q.BinaryQuery):
                if len(kids) != 2:
                    return kids[0]
                return type(q)(kids[0], kids[1])
            return type(q)(kids, boost=q.boost) if len(kids) > 1 else kids[0]
        if isinstance(q, Q.WrappingQuery):
            inner = self._rewrite(q.child, negated)
            return q.__class__(inner) if inner is not None else None
        return self._leaf(q, negated)

    def _and(self, q: Q.And, negated: bool):
        """Words that must all occur; consecutive words that spell pinyin together also find the Chinese they spell
        (`xin zhi sheng chan li` → 新质生产力: each of those words alone is one syllable, which reads as nothing)."""
        children = list(q.children())
        kids = []
        i = 0
        while i < len(children):
            run = self._pinyin_run(children, i, negated)
            if run is not None:
                kid, i = run
            else:
                kid, i = self._rewrite(children[i], negated), i + 1
            if kid is not None:
                kids.append(kid)
        if not kids:
            return None
        return Q.And(kids, boost=q.boost) if len(kids) > 1 else kids[0]

    def _pinyin_run(self, children: list, start: int, negated: bool) -> tuple[Q.Query, int] | None:
        """(the words from `start` as typed OR the Chinese they spell together, index after them) for the longest
        run of two words or more that reads as a corpus string; None when no run starting there does."""
        if self.searcher is None or self.pinyin_map is None:
            return None
        words: list[str] = []
        for child in children[start : start + MAX_PINYIN_RUN]:
            word = _typed_word(child)
            if word is None:
                break
            words.append(word)
        for stop in range(len(words), 1, -1):
            py = self._pinyin(words[:stop], negated)
            if py is None:
                continue
            typed = [t for t in (self._rewrite(c, negated) for c in children[start : start + stop]) if t is not None]
            if not typed:
                return py, start + stop
            return Q.Or([Q.And(typed) if len(typed) > 1 else typed[0], py]), start + stop
        return None

    def _leaf(self, q, negated: bool):
        """Compile one parsed leaf (term, phrase, prefix, wildcard, range) by its field."""
        fieldname = getattr(q, "fieldname", None)
        if isinstance(q, Q.Phrase):
            raw = " ".join(q.words)
            return self._field_phrase(fieldname, raw, negated)
        if isinstance(q, Q.TermRange):
            return self._range(fieldname, q)
        if isinstance(q, (Q.Prefix, Q.Wildcard)):
            raw = q.text.rstrip("*") if isinstance(q, Q.Wildcard) else q.text
            if isinstance(q, Q.Wildcard) and ("?" in raw or "*" in raw):
                return self._wildcard(fieldname, q.text, negated)
            return self._prefix(fieldname, raw, negated)
        if isinstance(q, Q.Term):
            return self._field_word(fieldname, q.text, negated)
        if isinstance(q, Q.Every):
            return Q.Every()  # `*` or `*:*`: every passage (our pseudo field is not indexed)
        return None

    # -- per field --------------------------------------------------------------------------------------------
    def _field_word(self, fieldname, raw: str, negated: bool):
        """A bare word on a field."""
        if fieldname == "text":
            return self._with_expansion(raw, self.word(raw, negated), negated)
        if fieldname in META_FIELDS:
            return self._meta_words(fieldname, raw)
        if fieldname == "lang":
            return Q.Term("lang", raw.lower())
        if fieldname == "doc":
            return Q.Prefix("doc_id", raw.lower())
        if fieldname == "published":
            return self._published_within(raw)
        return None

    def _field_phrase(self, fieldname, raw: str, negated: bool):
        """A quoted phrase on a field."""
        if fieldname == "text":
            return self._with_expansion(raw, self.phrase(raw, negated), negated)
        if fieldname in META_FIELDS:
            return self._meta_words(fieldname, raw)
        return self._field_word(fieldname, raw, negated)

    # Document metadata is not indexed per passage (it would repeat a title's words in every paragraph): a filter
    # on it is answered from the catalog of documents and becomes "one of these doc_ids".
    def _documents(self, keep) -> Q.Query:
        """Passages of the documents whose metadata satisfies `keep` (a query matching nothing if none does)."""
        return self._doc_ids(sorted(doc_id for doc_id, meta in self.catalog.items() if keep(meta)))

    @staticmethod
    def _doc_ids(ids: list[str]) -> Q.Query:
        """Passages of these documents (a query matching nothing if there are none)."""
        if not ids:
            return Q.Term("doc_id", "\x00no-document")
        return Q.Or([Q.Term("doc_id", doc_id) for doc_id in ids]) if len(ids) > 1 else Q.Term("doc_id", ids[0])

    def _published_within(self, raw: str) -> Q.Query:
        """published:2024 or published:2024-05 — documents dated within that year, month or day."""
        if not _DATE_RE.match(raw):
            raise QuerySyntaxError(f"published:{raw} is not a date (use YYYY, YYYY-MM or YYYY-MM-DD)")
        return self._documents(lambda meta: meta.get("published", "").startswith(raw))

    def _meta_words(self, fieldname: str, raw: str, prefix: bool = False):
        """author:/outlet:/title: their words in order (`outlet:"global times"`), case and script folded."""
        words = _plain_tokens(raw)
        if not words:
            return None

        def keep(meta: dict) -> bool:
            have = _plain_tokens(meta.get(fieldname, ""))
            n = len(words)
            for i in range(len(have) - n + 1):
                if have[i : i + n - 1] == words[:-1] and (
                    have[i + n - 1].startswith(words[-1]) if prefix else have[i + n - 1] == words[-1]
                ):
                    return True
            return False

        return self._documents(keep)

    def _range(self, fieldname, q: Q.TermRange):
        """published:[2024-01 TO 2024-06] — inclusive on whole months/years; other fields do not take ranges."""
        if fieldname != "published":
            raise QuerySyntaxError(f"ranges work on published: only (not {fieldname}:)")
        for bound in (q.start, q.end):
            if bound and not _DATE_RE.match(bound):
                raise QuerySyntaxError(f"'{bound}' is not a date (use YYYY, YYYY-MM or YYYY-MM-DD)")
        start, end = q.start or "", q.end or ""

        def keep(meta: dict) -> bool:
            # ISO dates compare as text; a bound that is a whole year or month covers every day in it.
            date = meta.get("published", "")
            if not date:
                return False  # an undated document is in no date range
            if start:
                if q.startexcl and (date.startswith(start) or date < start):
                    return False
                if not q.startexcl and date < start:
                    return False
            if end:
                within = date.startswith(end)
                if q.endexcl and (within or date > end):
                    return False
                if not q.endexcl and date > end and not within:
                    return False
            return True

        return self._documents(keep)

    def _prefix(self, fieldname, raw: str, negated: bool):
        """`innov*`: words starting so; for Chinese also the substring itself."""
        if fieldname != "text":
            if fieldname == "doc":
                return Q.Prefix("doc_id", raw.lower())
            if fieldname == "published":
                return self._published_within(raw)
            if fieldname == "lang":
                return Q.Prefix("lang", raw.lower())
            return self._meta_words(fieldname, raw, prefix=True) if fieldname in META_FIELDS else None
        norm = normalize(raw).strip()
        if not norm:
            return None
        parts = [Q.Prefix("words", norm, boost=WORD_BOOST)]
        han = HAN_RUN_RE.fullmatch(norm)
        if han:
            parts.append(self._substring(norm, negated))
        if not negated:
            self.literals.prefixes.add(norm)
        return Q.Or(parts) if len(parts) > 1 else parts[0]

    def _wildcard(self, fieldname, raw: str, negated: bool):
        """`in*ion` style wildcards on words; on title:/author:/outlet: (`title:*o*`: a word of the title with an o),
        doc: (the whole id) and lang:. A date is no pattern: published: says what it takes."""
        if fieldname == "text":
            return Q.Wildcard("words", normalize(raw))
        if fieldname in META_FIELDS:
            return self._meta_pattern(fieldname, raw)
        if fieldname == "doc":
            return self._doc_ids(sorted(d for d in self.catalog if fnmatchcase(d, raw.lower())))
        if fieldname == "lang":
            return Q.Wildcard("lang", raw.lower())
        raise QuerySyntaxError(
            f"{fieldname}:{raw}: no wildcards on {fieldname}: (use YYYY, YYYY-MM, YYYY-MM-DD or a range)"
            if fieldname == "published"
            else f"{fieldname}:{raw}: no wildcards on {fieldname}:"
        )

    def _meta_pattern(self, fieldname: str, raw: str) -> Q.Query:
        """A wildcard on a metadata field: its word patterns (`*` any letters, `?` one) matching consecutive words
        of the value, folded as everywhere (case, width, Traditional/Simplified)."""
        patterns = [
            re.compile(".*".join(".".join(re.escape(p) for p in part.split("?")) for part in word.split("*")))
            for word in re.findall(r"[\w*?]+", normalize(raw))
        ]
        n = len(patterns)

        def keep(meta: dict) -> bool:
            have = re.findall(r"\w+", normalize(meta.get(fieldname, "")))
            return any(
                all(pattern.fullmatch(word) for pattern, word in zip(patterns, have[i : i + n], strict=True))
                for i in range(len(have) - n + 1)
            )

        return self._documents(keep)

    # -- words and phrases --------------------------------------------------------------------------------------
    def word(self, raw: str, negated: bool = False):
        """Compile one typed word (it may hold several tokens, e.g. GPT-4o or 新质生产力)."""
        norm = normalize(raw)
        tokens = [t for t, _, _ in word_tokens(norm)]
        if not tokens:
            return None
        runs = list(RUN_RE.finditer(norm))
        if len(runs) == 1 and runs[0].lastgroup == "word":
            return self._latin_word(runs[0].group(), tokens[0], negated)
        if all(r.lastgroup == "word" for r in runs):
            # "high-quality", or a quoted phrase that Whoosh handed over as one term: its words in order.
            return self.phrase(raw, negated)
        return self._mixed(norm, tokens, runs, negated)

    def phrase(self, raw: str, negated: bool = False):
        """Compile a quoted phrase: consecutive words; Chinese as a substring; all-pinyin as the Chinese it spells."""
        norm = normalize(raw)
        tokens = [t for t, _, _ in word_tokens(norm)]
        if not tokens:
            return None
        runs = list(RUN_RE.finditer(norm))
        if all(r.lastgroup == "word" for r in runs):
            word_q = Q.Term("words", tokens[0]) if len(tokens) == 1 else Q.Phrase("words", tokens)
            word_q.boost = WORD_BOOST
            if not negated:
                (self.literals.terms.add(tokens[0]) if len(tokens) == 1 else self.literals.phrases.add(tuple(tokens)))
            py = self._pinyin([r.group() for r in runs], negated)
            return Q.Or([word_q, py]) if py is not None else word_q
        return self._mixed(norm, tokens, runs, negated)

    def _latin_word(self, surface: str, term: str, negated: bool):
        """An English (or other alphabetic) word, with pinyin as an alternative when it is no English word here."""
        if not negated:
            self.literals.terms.add(term)
        word_q = Q.Term("words", term, boost=WORD_BOOST)
        py = self._pinyin([surface], negated)
        return Q.Or([word_q, py]) if py is not None else word_q

    def _mixed(self, norm: str, tokens: list[str], runs, negated: bool):
        """Text with Chinese: whole words (boosted) or, for full recall, every Chinese run as a substring."""
        word_q = Q.Term("words", tokens[0]) if len(tokens) == 1 else Q.Phrase("words", tokens)
        word_q.boost = WORD_BOOST
        parts = []
        for run in runs:
            if run.lastgroup == "han":
                parts.append(self._substring(run.group(), negated))
            else:
                term = stem(run.group())
                parts.append(Q.Term("words", term))
                if not negated:
                    self.literals.terms.add(term)
        substring_q = Q.And(parts) if len(parts) > 1 else parts[0]
        return Q.Or([word_q, substring_q])

    def _substring(self, han: str, negated: bool):
        """Any occurrence of a Chinese string: consecutive bigrams (one character: a bigram prefix or run end)."""
        if not negated:
            self.literals.han.add(han)
        if len(han) == 1:
            return Q.Prefix("cjk", han)
        grams = [han[i : i + 2] for i in range(len(han) - 1)]
        return Q.Term("cjk", grams[0]) if len(grams) == 1 else Q.Phrase("cjk", grams)

    def _pinyin(self, words: list[str], negated: bool):
        """The Chinese strings of the corpus that typed pinyin ('xinzhi', 'shengchanli', or 'xin zhi' apart) spells,
        as substrings — unless English words of the corpus are all there is ('china' is not read as chi-na, nor
        'an wang' as an-wang).

        At least two syllables must come from words that are not English words of the corpus: such a word alone
        ('xinzhi') or a run of them ('xin zhi') is read as pinyin, and a syllable that is also an English word here
        ('li', 'xi', 'he') joins a run only beside them ('xin zhi sheng chan li', 'xi jin ping'). What is read is an
        alternative to the words as typed, never a replacement, and it must spell a string the corpus holds."""
        if self.searcher is None or self.pinyin_map is None:
            return None
        syllable_lists: list[list[str]] = [[]]
        anchored = 0
        for word in words:
            splits = split_typed(word)
            if not splits:
                return None
            if not self._english(word):
                anchored += len(splits[0])
            syllable_lists = [a + b for a in syllable_lists for b in splits][:4]
        if anchored < 2:
            return None
        strings: list[str] = []
        for syllables in syllable_lists:
            for chinese in chinese_for(syllables, self.pinyin_map()):
                if chinese not in strings:
                    strings.append(chinese)
        if not strings:
            return None
        # Shown with the expansions: the person sees what their pinyin was read as.
        self.expanded.extend(s for s in strings if s not in self.expanded)
        parts = [self._substring(s, negated) for s in strings]
        return Q.Or(parts) if len(parts) > 1 else parts[0]

    def _english(self, word: str) -> bool:
        """Whether a typed word is a word of the corpus's text (then it is not pinyin on its own)."""
        found = self._english_words.get(word)
        if found is None:
            found = self._english_words[word] = self.searcher.doc_frequency("words", stem(normalize(word))) > 0
        return found

    def _with_expansion(self, raw: str, compiled, negated: bool):
        """Add the other-language names of a known term (shown to the user as 'expanded')."""
        if compiled is None or self.exact or self.expansions is None:
            return compiled
        alternatives = self.expansions.alternatives(raw)
        if not alternatives:
            return compiled
        alt_queries = []
        for alt in alternatives:
            alt_q = self.phrase(alt, negated)
            if alt_q is not None:
                alt_queries.append(alt_q)
                if alt not in self.expanded:
                    self.expanded.append(alt)
        if not alt_queries:
            return compiled
        # The best-matching equivalent counts, not their sum: a passage naming the thing three ways in English
        # must not outrank one with the very term that was typed.
        return Q.Or([compiled, Q.DisjunctionMax(alt_queries, boost=EXPANSION_BOOST)])


def _plain_tokens(text: str) -> list[str]:
    """Folded words of a metadata value (no stemming), as the metadata filters compare them."""
    return [word for word, _, _ in plain_words(text)]


def _parse(text: str):
    """Whoosh's parse, or None where Whoosh itself fails (it raises IndexError on e.g. '<0')."""
    try:
        return _PARSER.parse(text)
    except Exception:  # noqa: BLE001 - any parser failure means "not valid syntax": the caller falls back
        return None


def _clean(text: str) -> str:
    """Fold width and quote forms so “curly” and full-width quotes delimit phrases; drop control characters."""
    text = text.translate(fold_table())
    return "".join(c if c.isprintable() else " " for c in text)


def _plain_words(text: str) -> str:
    """The fallback for a query the parser cannot take: its words only, no syntax characters (an operator's word in
    lower case: the parser would take `AND` as an operator again, `and` is a word)."""
    return " ".join(w.lower() if w in _OPERATORS else w for w in re.findall(r"\w+", text))


def _stray_operator(text: str) -> bool:
    """True when an operator has nothing to work on: `AND OR NOT`, `a AND`, `OR b`, `a OR OR b`, `a NOT`.

    Whoosh does not mark these as errors: it reads a stray operator as the word (`AND` searched "and") or drops it
    (`a OR OR b` became a AND b), both without a word to the user. Such a query is searched as plain words, with
    the notice every query the parser cannot take gets. Phrases in quotes hold words, not operators.
    """
    tokens = re.findall(r"[()]|[^\s()]+", re.sub(r'"[^"]*"', " phrase ", text))
    if not _OPERATORS.intersection(tokens):
        return False
    for i, token in enumerate(tokens):
        if token not in _OPERATORS:
            continue
        before = tokens[i - 1] if i > 0 else None
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        if after is None or after == ")" or after in _BINARY_OPERATORS:
            return True  # nothing after it
        if token in _BINARY_OPERATORS and (before is None or before == "(" or before in _OPERATORS):
            return True  # nothing before it
    return False


def _typed_word(q) -> str | None:
    """The word of a plain term on the passage text that reads as pinyin syllables ('xin', 'shengchanli'), else
    None (a phrase, a prefix, a field, Chinese, a word that is no pinyin)."""
    if type(q) is not Q.Term or q.fieldname != "text":
        return None
    runs = list(RUN_RE.finditer(normalize(q.text)))
    if len(runs) != 1 or runs[0].lastgroup != "word":
        return None
    word = runs[0].group()
    return word if split_typed(word) else None


def _has_error(q) -> bool:
    """True if the parser marked any part of the query as an error (or produced nothing)."""
    if q is None or q is Q.NullQuery:
        return True
    if getattr(q, "error", None):
        return True
    return any(_has_error(c) for c in q.children()) if q.children() else False


def _only_negative(q) -> bool:
    """A query of exclusions only (`-foo`) means 'everything but foo'."""
    if isinstance(q, Q.Not):
        return True
    if isinstance(q, Q.And):
        return all(_only_negative(c) for c in q.subqueries)
    return False
