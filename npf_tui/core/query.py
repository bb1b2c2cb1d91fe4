"""The query language: Whoosh's parser for the syntax, then each word or phrase compiled for both languages.

A word becomes: its jieba/English-stem term in `words` (boosted: whole words rank first), a phrase of character
bigrams in `cjk` for Chinese (any substring, across word boundaries), a phrase of syllables in `py` for pinyin, and
the other-language names of a glossary or mined bilingual pair (cross-language expansion).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from whoosh import qparser
from whoosh import query as Q
from whoosh.analysis import Token, Tokenizer
from whoosh.fields import ID, TEXT, Schema

from .analysis import PlainTokenizer, stem, word_tokens
from .errors import QuerySyntaxError
from .pinyin import split_typed
from .textnorm import HAN_RUN_RE, RUN_RE, fold_table, normalize

#: Whole-word matches count this many times a substring-only match.
WORD_BOOST = 3.0
#: Names added by cross-language expansion weigh a little less than what was typed.
EXPANSION_BOOST = 0.5
MAX_QUERY_CHARS = 2000
_DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


class _WholeText(Tokenizer):
    """Query-time analyzer of the pseudo field `text`: the raw word or phrase as one token (we compile it ourselves)."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
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
    parser.add_plugin(qparser.PlusMinusPlugin(plusexpr=r"(?:(?<=[\s(])|^)\+(?=\S)", minusexpr=r"(?:(?<=[\s(])|^)-(?=\S)"))
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
    pinyin: set[tuple[str, ...]] = field(default_factory=set)  # syllable sequences

    def empty(self) -> bool:
        """True when nothing can be highlighted."""
        return not (self.terms or self.phrases or self.prefixes or self.han or self.pinyin)


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
        self._multiword = re.compile(
            r"(?<![\w\"])(" + "|".join(re.escape(k).replace(r"\ ", r"\s+") for k in multi) + r")(?![\w\"])", re.I
        ) if multi else None

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

    def __init__(self, searcher, expansions: Expansions | None, exact: bool = False):
        self.searcher = searcher
        self.expansions = expansions
        self.exact = exact
        self.literals = Literals()
        self.expanded: list[str] = []

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
        if _has_error(parsed):
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
        if fieldname in ("title", "author", "outlet"):
            return self._meta_words(fieldname, raw)
        if fieldname == "lang":
            return Q.Term("lang", raw.lower())
        if fieldname == "doc":
            return Q.Prefix("doc_id", raw.lower())
        if fieldname == "published":
            if not _DATE_RE.match(raw):
                raise QuerySyntaxError(f"published:{raw} is not a date (use YYYY, YYYY-MM or YYYY-MM-DD)")
            return Q.Prefix("published", raw)
        return None

    def _field_phrase(self, fieldname, raw: str, negated: bool):
        """A quoted phrase on a field."""
        if fieldname == "text":
            return self._with_expansion(raw, self.phrase(raw, negated), negated)
        if fieldname in ("title", "author", "outlet"):
            return self._meta_words(fieldname, raw)
        return self._field_word(fieldname, raw, negated)

    def _meta_words(self, fieldname: str, raw: str):
        """author:/outlet:/title: match their words in order (`outlet:"global times"`)."""
        words = [t.text for t in PlainTokenizer()(raw)]
        if not words:
            return None
        return Q.Term(fieldname, words[0]) if len(words) == 1 else Q.Phrase(fieldname, words)

    def _range(self, fieldname, q: Q.TermRange):
        """published:[2024-01 TO 2024-06] — inclusive on whole months/years; other fields do not take ranges."""
        if fieldname != "published":
            raise QuerySyntaxError(f"ranges work on published: only (not {fieldname}:)")
        for bound in (q.start, q.end):
            if bound and not _DATE_RE.match(bound):
                raise QuerySyntaxError(f"'{bound}' is not a date (use YYYY, YYYY-MM or YYYY-MM-DD)")
        end = (q.end + "\uffff") if q.end and not q.endexcl else q.end
        return Q.TermRange("published", q.start or None, end or None, q.startexcl, q.endexcl)

    def _prefix(self, fieldname, raw: str, negated: bool):
        """`innov*`: words starting so; for Chinese also the substring itself."""
        if fieldname != "text":
            if fieldname == "doc":
                return Q.Prefix("doc_id", raw.lower())
            if fieldname == "published":
                return Q.Prefix("published", raw)
            return Q.Prefix(fieldname, normalize(raw)) if fieldname in ("title", "author", "outlet") else None
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
        """`in*ion` style wildcards on words."""
        if fieldname != "text":
            return None
        return Q.Wildcard("words", normalize(raw))

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
        """Compile a quoted phrase: consecutive words; Chinese as a substring; all-pinyin as a syllable phrase."""
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
            py = self._pinyin(" ".join(r.group() for r in runs), [r.group() for r in runs], negated)
            return Q.Or([word_q, py]) if py is not None else word_q
        return self._mixed(norm, tokens, runs, negated)

    def _latin_word(self, surface: str, term: str, negated: bool):
        """An English (or other alphabetic) word, with pinyin as an alternative when it is no English word here."""
        if not negated:
            self.literals.terms.add(term)
        word_q = Q.Term("words", term, boost=WORD_BOOST)
        py = self._pinyin(surface, [surface], negated)
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
        grams = [han[i:i + 2] for i in range(len(han) - 1)]
        return Q.Term("cjk", grams[0]) if len(grams) == 1 else Q.Phrase("cjk", grams)

    def _pinyin(self, surface: str, words: list[str], negated: bool):
        """Syllable phrases for typed pinyin ('xinzhi', 'shengchanli'), unless the word is an English word here."""
        if self.searcher is None:
            return None
        syllable_lists: list[list[str]] = [[]]
        for word in words:
            if self.searcher.doc_frequency("words", stem(normalize(word))) > 0:
                return None
            splits = split_typed(word)
            if not splits:
                return None
            syllable_lists = [a + b for a in syllable_lists for b in splits][:4]
        options = [s for s in syllable_lists if len(s) >= 2]
        if not options:
            return None
        if not negated:
            self.literals.pinyin.update(tuple(s) for s in options)
        phrases = [Q.Phrase("py", s) for s in options]
        return Q.Or(phrases) if len(phrases) > 1 else phrases[0]

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
    """The fallback for a query the parser cannot take: its words only, no syntax characters."""
    return " ".join(re.findall(r"\w+", text))


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
