"""The query language: Whoosh's parser for the syntax, then each word or phrase compiled for both languages.

A word becomes: its jieba/English-stem term in `words` (boosted: whole words rank first), a phrase of character
bigrams in `cjk` for Chinese (any substring, across word boundaries), the corpus's Chinese strings that typed pinyin
spells (through the bigram pinyin map), and the other-language names of a glossary or mined bilingual pair
(cross-language expansion, search/expansions.py). Pinyin typed a syllable or a few at a time (`xin zhi sheng chan
li`) is read as one string across the words. The syntax itself is search/syntax.py; filters on document metadata
(author:, published: …) are search/metadata_filters.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from whoosh import query as Q

from npf_tui.core.errors import QuerySyntaxError
from npf_tui.core.search.expansions import Expansions, regional_forms
from npf_tui.core.search.metadata_filters import MetadataFilters
from npf_tui.core.search.pinyin_map import best_readings, chinese_for
from npf_tui.core.search.syntax import (
    clean,
    has_error,
    only_negative,
    parse,
    plain_query,
    stray_operator,
)
from npf_tui.core.text.analysis import stem, word_tokens
from npf_tui.core.text.pinyin import readings, split_typed, strip_tones
from npf_tui.core.text.textnorm import HAN_RUN_RE, RUN_RE, has_han, normalize

#: Whole-word matches count this many times a substring-only match.
WORD_BOOST = 3.0
#: Names added by cross-language expansion weigh a little less than what was typed.
EXPANSION_BOOST = 0.5
#: Dictionary equivalents (CC-CEDICT) weigh less again: below what was typed and below the glossary's names.
DICTIONARY_BOOST = 0.3
#: Longest run of typed English words looked up as one dictionary sense ("file system", "operating system").
MAX_GLOSS_RUN = 4
MAX_QUERY_CHARS = 2000
META_FIELDS = ("title", "author", "outlet")
#: Longest run of typed-apart words read as one pinyin string ("zhong hua ren min gong he guo" is 7): bounds the
#: readings tried per word of a long query (450 one-syllable words, 1,979 characters: 15 ms to compile, measured).
MAX_PINYIN_RUN = 8


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


class QueryCompiler:
    """Turns a query string into a Whoosh query over the passage index; one per search (it holds its results)."""

    def __init__(
        self,
        searcher,
        expansions: Expansions | None,
        exact: bool = False,
        pinyin_map=None,
        catalog: dict[str, dict] | None = None,
        meta=None,
        count_meta: bool = False,
        passages: Callable[[str], Mapping[int, float]] | None = None,
        count: Callable[[Q.Query], int] | None = None,
    ):
        """`pinyin_map` is a callable returning the index's PinyinMap (called only when pinyin is typed); `catalog`
        maps doc_id → metadata, for the author:/outlet:/title:/published: filters. `meta` (documents.MetaIndex)
        notes in `meta_words` the typed words some title/author/outlet holds; with `count_meta` such a word also
        matches every passage of those documents (search/documents.py). `passages(term)`: the passages holding a
        `words` term (the block ranker's cached postings), for the corpus evidence that picks dictionary senses
        (without it, every sense the dictionary gives is used)."""
        self.passages = passages
        self.count = count  # how many passages a query matches (the block ranker's; Whoosh's search when None)
        self.meta = meta
        self.count_meta = count_meta
        self.meta_words: set[str] = set()
        self.meta_docs: set[str] = set()  # the documents whose metadata holds one of meta_words
        self.catalog = catalog or {}
        self.filters = MetadataFilters(self.catalog)
        self.searcher = searcher
        self.expansions = expansions
        self.exact = exact
        self.pinyin_map = pinyin_map
        self.literals = Literals()
        self.expanded: list[str] = []
        self._english_words: dict[str, bool] = {}
        self._regional: dict[str, list[str]] = {}  # folded Chinese run typed → its mainland wording
        self._typed_only = False  # set while the words of a pinyin run are compiled one by one
        self._no_dictionary = False  # set while the words of a dictionary phrase are compiled one by one

    # -- entry point -------------------------------------------------------------------------------------------
    def compile(self, text: str) -> CompiledQuery:
        """Parse and compile; bad syntax falls back to plain words with a notice; nothing searchable raises."""
        if len(text) > MAX_QUERY_CHARS:
            raise QuerySyntaxError(f"query too long ({len(text)} characters; at most {MAX_QUERY_CHARS})")
        typed_text = text
        if not self.exact:
            # clean() and the parser fold Traditional to Simplified character by character: the regional wording
            # must be read from the text as typed (軟體 → 软件, where the folding only gives 软体).
            self._regional = {normalize(run): regional_forms(run) for run in HAN_RUN_RE.findall(text)}
        text = clean(text)
        if not text.strip():
            raise QuerySyntaxError("empty query")
        if self.expansions is not None and not self.exact:
            text = self.expansions.quote_names(text)
        notice = ""
        parsed = parse(text)
        if parsed is Q.NullQuery and re.match(r"\s*-\S", text):
            parsed = parse("*:* " + text)  # only exclusions: everything except them
        if has_error(parsed) or stray_operator(text):
            notice = "query syntax not understood; searched as plain words"
            parsed = parse(plain_query(text))
            if has_error(parsed):
                raise QuerySyntaxError("nothing to search for in this query")
        compiled = self._rewrite(parsed, negated=False)
        if compiled is None or compiled is Q.NullQuery:
            raise QuerySyntaxError("nothing to search for in this query (only punctuation or operators?)")
        if only_negative(compiled):
            compiled = Q.And([Q.Every(), compiled])
        # What was typed is no expansion, even when a reading came back to it (xi jinping → 习近平 → Xi Jinping).
        typed = " ".join(typed_text.split()).casefold()
        expanded = [e for e in self.expanded if " ".join(e.split()).casefold() != typed]
        return CompiledQuery(compiled.normalize(), self.literals, expanded, notice)

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
        # The dictionary expands a term, not each word of a longer query: "file system" is 文件系统 (a gloss run),
        # never 文件 and 系统 wherever they are (docs/search.md).
        several = sum(1 for c in children if getattr(c, "fieldname", None) == "text") > 1
        no_dictionary, self._no_dictionary = self._no_dictionary, self._no_dictionary or several
        try:
            while i < len(children):
                run = self._gloss_run(children, i, negated) or self._pinyin_run(children, i, negated)
                if run is not None:
                    kid, i = run
                else:
                    kid, i = self._rewrite(children[i], negated), i + 1
                if kid is not None:
                    kids.append(kid)
        finally:
            self._no_dictionary = no_dictionary
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
            before, self._no_dictionary = self._no_dictionary, False  # one string read: one term (文件系统)
            try:
                py = self._pinyin(words[:stop], negated)
            finally:
                self._no_dictionary = before
            if py is None:
                continue
            # The words apart are read as pinyin too (xinzhi → 新质), but only what they spell together expands
            # across languages: 生产力's equivalents are no equivalents of 新质生产力.
            self._typed_only = True
            try:
                typed = [
                    t for t in (self._rewrite(c, negated) for c in children[start : start + stop]) if t is not None
                ]
            finally:
                self._typed_only = False
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
            return self.filters.date_range(fieldname, q)
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
            return self._with_meta(raw, self._with_expansion(raw, self.word(raw, negated), negated), negated)
        if fieldname in META_FIELDS:
            return self.filters.words(fieldname, raw)
        if fieldname == "lang":
            return Q.Term("lang", raw.lower())
        if fieldname == "doc":
            return Q.Prefix("doc_id", raw.lower())
        if fieldname == "published":
            return self.filters.published_within(raw)
        return None

    def _field_phrase(self, fieldname, raw: str, negated: bool):
        """A quoted phrase on a field."""
        if fieldname == "text":
            return self._with_meta(raw, self._with_expansion(raw, self.phrase(raw, negated), negated), negated)
        if fieldname in META_FIELDS:
            return self.filters.words(fieldname, raw)
        return self._field_word(fieldname, raw, negated)

    def _prefix(self, fieldname, raw: str, negated: bool):
        """`innov*`: words starting so; for Chinese also the substring itself."""
        if fieldname != "text":
            if fieldname == "doc":
                return Q.Prefix("doc_id", raw.lower())
            if fieldname == "published":
                return self.filters.published_within(raw)
            if fieldname == "lang":
                return Q.Prefix("lang", raw.lower())
            return self.filters.words(fieldname, raw, prefix=True) if fieldname in META_FIELDS else None
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
            return self.filters.pattern(fieldname, raw)
        if fieldname == "doc":
            return self.filters.doc_ids(sorted(d for d in self.catalog if fnmatchcase(d, raw.lower())))
        if fieldname == "lang":
            return Q.Wildcard("lang", raw.lower())
        raise QuerySyntaxError(
            f"{fieldname}:{raw}: no wildcards on {fieldname}: (use YYYY, YYYY-MM, YYYY-MM-DD or a range)"
            if fieldname == "published"
            else f"{fieldname}:{raw}: no wildcards on {fieldname}:"
        )

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
        if self.searcher is None or self.pinyin_map is None or self._typed_only:
            return None  # _typed_only: the words of a run that spells Chinese together are not read apart too
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
                if chinese not in strings and self._common_reading(chinese, syllables):
                    strings.append(chinese)
        # Words of the corpus first: 备份 for 'beifen', never 被分 straddling 被|分词 beside it (pinyin_map.py)
        strings = best_readings(strings, self._is_word)
        if not strings:
            return None
        # Shown with the expansions: the person sees what their pinyin was read as.
        self.expanded.extend(s for s in strings if s not in self.expanded)
        # ... and a single reading expands across languages as the Chinese typed would (xinzhi shengchanli →
        # 新质生产力); the English of each of several homophones (xianshi: 显示 show, 现实 actuality) would compound
        # the guess.
        parts = [self._substring(s, negated) for s in strings]
        if len(parts) == 1:
            parts = [self._with_expansion(strings[0], parts[0], negated)]
        return Q.Or(parts) if len(parts) > 1 else parts[0]

    def _common_reading(self, chinese: str, syllables: list[str]) -> bool:
        """Whether a Chinese string is commonly read as the typed syllables, not only through a rare reading of a
        character (pypinyin lists 眼 as yan and wen, 前 as qian and jian: `wenjian` is no spelling of 眼前): a
        dictionary word must have that reading in the dictionary (眼前 is yan qian, 格式 ge shi, 可是 ke shi);
        another string must read so with each character's first, most common, reading. Without a dictionary,
        any reading counts."""
        dictionary = self.expansions.dictionary if self.expansions is not None else None
        if dictionary is None or len(chinese) != len(syllables):
            return True
        entries = dictionary.entries(chinese)
        if entries:
            return any(_toneless(e.pinyin) == syllables for e in entries)
        return all((readings(c) or ("",))[0] == syl for c, syl in zip(chinese, syllables, strict=True))

    def _english(self, word: str) -> bool:
        """Whether a typed word is an English word of the corpus's text (then it is not pinyin on its own).

        A word of the text that spells two or more pinyin syllables and is no English word of the dictionary is a
        romanised Chinese name ('Zhuanglong' in "Minister Jin Zhuanglong said…"): it is read as pinyin too, so that
        `jin zhuanglong` also finds 金壮龙 where the Chinese text names him. 'china' (a CC-CEDICT gloss) is not;
        with --exact nothing typed as an English word of the text crosses to Chinese."""
        found = self._english_words.get(word)
        if found is None:
            found = self.searcher.doc_frequency("words", stem(normalize(word))) > 0
            dictionary = self.expansions.dictionary if self.expansions is not None and not self.exact else None
            if found and dictionary is not None and len((split_typed(word) or [[]])[0]) >= 2:
                found = dictionary.has_key(normalize(word))
            self._english_words[word] = found
        return found

    def _with_meta(self, raw: str, compiled, negated: bool):
        """A typed word or phrase that a document's title/author/outlet holds also matches that document's passages
        (boosted, never required: it is an alternative), when `count_meta`; always noted in `meta_words`."""
        if compiled is None or negated or self.meta is None:
            return compiled
        docs = self.meta.documents(raw)
        if not docs:
            return compiled
        self.meta_words.add(raw)
        self.meta_docs |= docs
        if not self.count_meta:
            return compiled
        from npf_tui.core.search.documents import META_BOOST

        in_meta = self.filters.doc_ids(sorted(docs))
        in_meta.boost = META_BOOST
        return Q.Or([compiled, in_meta])

    def _with_expansion(self, raw: str, compiled, negated: bool):
        """Add the other-language names of a known term (shown to the user as 'expanded'): the regional wording of
        Traditional text, the glossary's and mined pairs' names (or those of a known name the query is part of),
        else the dictionary's equivalents, each family weighted below what was typed (docs/search.md)."""
        if compiled is None or self.exact or self.expansions is None:
            return compiled
        extra = [
            q for q in (self._alternatives_query(alts, boost, negated) for alts, boost in self._equivalents(raw)) if q
        ]
        if not extra:
            return compiled
        return Q.Or([compiled, *extra])

    def _equivalents(self, raw: str) -> list[tuple[list[str], float]]:
        """(names, boost) of each family of equivalents of a typed word or phrase, best family first."""
        assert self.expansions is not None
        regional = self._regional.get(normalize(raw), [])
        families: list[tuple[list[str], float]] = [(regional, EXPANSION_BOOST)] if regional else []
        known: list[str] = []
        for name in [raw, *regional]:
            known += [a for a in self.expansions.known_alternatives(name, self._frequency) if a not in known]
        if known:
            families.append((known, EXPANSION_BOOST))
        elif not self._no_dictionary:
            found: list[str] = []
            for name in regional or [raw]:  # the mainland wording when there is one: 软件, not 软体 (soft-bodied)
                found += [
                    a
                    for a in self.expansions.dictionary_alternatives(
                        name, self._present, self._word_frequency, self._together_or_none()
                    )
                    if a not in found
                ]
            if found:
                families.append((found, DICTIONARY_BOOST))
        return families

    def _alternatives_query(self, alternatives: list[str], boost: float, negated: bool):
        """The best-matching of some equivalents, listed as expanded; None when none compiles."""
        alt_queries = []
        for alt in alternatives:
            # An equivalent is searched as written, never read as pinyin again: 习近平's "Xi Jinping" would read
            # as 习近平 and expand once more, without end.
            typed_only, self._typed_only = self._typed_only, True
            try:
                alt_q = (
                    self._word_of_vocabulary(alt, negated) if boost == DICTIONARY_BOOST else self.phrase(alt, negated)
                )
            finally:
                self._typed_only = typed_only
            if alt_q is not None:
                alt_queries.append(alt_q)
                if alt not in self.expanded:
                    self.expanded.append(alt)
        # The best-matching equivalent counts, not their sum: a passage naming the thing three ways in English
        # must not outrank one with the very term that was typed.
        return Q.DisjunctionMax(alt_queries, boost=boost) if alt_queries else None

    def _present(self, text: str) -> bool:
        """Whether a dictionary equivalent is in the corpus: a Chinese word of the index's vocabulary (its jieba
        words), or English whose every word the index holds."""
        if self.searcher is None:
            return False
        norm = normalize(text)
        if HAN_RUN_RE.fullmatch(norm):
            return self._is_word(norm)
        words = [t for t, _, _ in word_tokens(norm)]
        return bool(words) and all(self.searcher.doc_frequency("words", w) > 0 for w in words)

    def _frequency(self, han: str) -> int:
        """How many passages hold a Chinese string (a substring count: jieba need not keep it one word), or English
        words (those holding its rarest word: a bound, cheap)."""
        norm = normalize(han)
        if self.searcher is None:
            return 0
        if not HAN_RUN_RE.fullmatch(norm):
            words = [t for t, _, _ in word_tokens(norm)]
            return min((self.searcher.doc_frequency("words", w) for w in words), default=0)
        counts = self.expansions.counts if self.expansions is not None else {}
        key = ("substring", norm)
        if key not in counts:
            grams = [norm[i : i + 2] for i in range(len(norm) - 1)] or [norm]
            query = Q.Term("cjk", grams[0]) if len(grams) == 1 else Q.Phrase("cjk", grams)
            # the block ranker's phrase matching: ~4 ms where Whoosh's span matchers took ~20 (字符串, 20 MB)
            counts[key] = self.count(query) if self.count is not None else sum(1 for _ in query.docs(self.searcher))
        return counts[key]

    def _word_of_vocabulary(self, alt: str, negated: bool):
        """A dictionary equivalent as a whole word of the text: a Chinese headword as jieba's word (文件, not inside
        文件系统 or 文件名: another term), English as its words in order. A substring search of a common headword
        costs more than the rest of the query (文件 at 20 MB: 36 ms against 9 without it)."""
        norm = normalize(alt)
        if not HAN_RUN_RE.fullmatch(norm):
            return self.phrase(alt, negated)
        if not negated:
            self.literals.terms.add(norm)
        return Q.Term("words", norm, boost=WORD_BOOST)

    def _word_frequency(self, text: str) -> int:
        """Passages holding a word of the vocabulary (a dictionary equivalent is one), or English words (those holding
        the rarest): the index's own counts, no search (a substring count of 文件 took ~5 ms at 20 MB)."""
        if self.searcher is None:
            return 0
        words = [t for t, _, _ in word_tokens(normalize(text))]
        return min((self.searcher.doc_frequency("words", w) for w in words), default=0)

    def _together_or_none(self) -> Callable[[str, str], int] | None:
        """The co-occurrence count the dictionary's senses are chosen by, when postings can be read."""
        return self._together if self.passages is not None else None

    def _together(self, first: str, second: str) -> int:
        """Passages holding both texts (every `words` term of each): the corpus's evidence that one translates the
        other. The postings read are the ranker's, cached: those of the word and its kept equivalents are read for
        the ranking anyway."""
        counts = self.expansions.counts if self.expansions is not None else {}
        key = ("together", first, second)
        if key in counts:
            return counts[key]
        held = [self._holding(first), self._holding(second)]
        found = 0
        if held[0] and held[1]:
            small, large = sorted(held, key=len)
            found = sum(1 for d in small if d in large)
        counts[key] = found
        return found

    def _holding(self, text: str):
        """The passages holding every `words` term of a text (a mapping or set of passage numbers)."""
        assert self.passages is not None
        words = [t for t, _, _ in word_tokens(normalize(text))]
        try:
            parts = sorted((self.passages(w) for w in words), key=len)
        except Exception:  # noqa: BLE001 - postings the ranker cannot read (another codec): no evidence
            return None
        if not parts:
            return None
        if len(parts) == 1:
            return parts[0]
        return set(parts[0]).intersection(*parts[1:])

    def _is_word(self, han: str) -> bool:
        """Whether a Chinese string is one word of the index's vocabulary."""
        return self.searcher is not None and self.searcher.doc_frequency("words", normalize(han)) > 0

    def _gloss_run(self, children: list, start: int, negated: bool) -> tuple[Q.Query, int] | None:
        """(the typed English words from `start` OR their dictionary equivalents, index after them) for the longest
        run of two to MAX_GLOSS_RUN words that is one dictionary sense ("file system"); its words are then searched
        as typed, without their own equivalents (文件 and 系统 apart are no file system)."""
        if self.exact or self.expansions is None or self.expansions.dictionary is None or negated:
            return None
        words: list[str] = []
        for child in children[start : start + MAX_GLOSS_RUN]:
            if type(child) is not Q.Term or child.fieldname != "text" or has_han(child.text):
                break
            words.append(child.text)
        for stop in range(len(words), 1, -1):
            phrase = " ".join(words[:stop])
            if self.expansions.known_alternatives(phrase) or not self.expansions.dictionary.has_key(phrase):
                continue
            alternatives = self.expansions.dictionary_alternatives(
                phrase, self._present, self._word_frequency, self._together_or_none()
            )
            if not alternatives:
                continue
            before, self._no_dictionary = self._no_dictionary, True
            try:
                typed = [
                    t for t in (self._rewrite(c, negated) for c in children[start : start + stop]) if t is not None
                ]
            finally:
                self._no_dictionary = before
            alt_q = self._alternatives_query(alternatives, DICTIONARY_BOOST, negated)
            if not typed or alt_q is None:
                continue
            return Q.Or([Q.And(typed) if len(typed) > 1 else typed[0], alt_q]), start + stop
        return None


def _toneless(pinyin: str) -> list[str]:
    """CC-CEDICT's numbered pinyin as typed syllables: 'yan3 qian2' → ['yan', 'qian'], 'lu:4' → ['lv']."""
    return [strip_tones(s.replace("u:", "v")) for s in pinyin.lower().split()]


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
