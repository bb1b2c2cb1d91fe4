"""Per-document entity candidates: English proper-noun phrases with the evidence around them, acronym definitions,
jieba-tagged Chinese names and mined `English (中文)` pairs.

The cue words are in entities.lexicon, acronym definitions in entities.acronyms, type guesses in entities.typeguess.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from npf_tui.core.entities.acronyms import find_acronyms
from npf_tui.core.entities.lexicon import (
    APPOSITIVE,
    COMMON_OPENERS,
    CONCEPT_WORDS,
    CONNECTORS,
    DEMONYMS,
    FURNITURE,
    MEDIA_AFTER,
    MEDIA_BEFORE,
    MEDIA_WORDS,
    MONTHS,
    ORG_WORDS,
    PERSON_BEFORE,
    PERSON_VERBS,
    PLACE_BEFORE,
    PLACE_WORDS,
    TITLES,
    WEEKDAYS,
    ZH_TAGS,
)
from npf_tui.core.entities.typeguess import chinese_name_shape, guess_type_en
from npf_tui.core.glossary import mine_pairs
from npf_tui.core.models import Document
from npf_tui.core.text.textnorm import HAN_RUN_RE, has_han

# Word tokens: dotted abbreviations (U.S., D.C.), a capital initial before a name (John L. Thornton), or words
# with inner apostrophes/hyphens (Xi’an, Hefei-Wuhan, People's).
_TOKEN = re.compile(r"(?:[A-Z]\.){2,}|[A-Z]\.(?= [A-Z])|[^\W\d_][\w]*(?:[-'’][^\W_]+)*|&")
_POSSESSIVE = re.compile(r"^(.*[^\W_])['’]s$")


@dataclass
class DocCandidates:
    """What one document suggests: mined pairs, acronym definitions, English phrases and Chinese names.

    `en` maps phrase -> [count, person votes, media votes, place votes, mid-sentence count, seen in lower case];
    `zh` maps word -> [jieba tag (+ "*" when not in jieba's dictionary), count];
    `acronyms` holds [acronym, expansion] pairs; `pairs` holds [en, zh] pairs.
    """

    fingerprint: str
    pairs: list[list[str]] = field(default_factory=list)
    acronyms: list[list[str]] = field(default_factory=list)
    en: dict[str, list[int]] = field(default_factory=dict)
    zh: dict[str, list] = field(default_factory=dict)

    def to_json(self) -> dict:
        """A JSON-ready dict."""
        return {"fp": self.fingerprint, "pairs": self.pairs, "acr": self.acronyms, "en": self.en, "zh": self.zh}

    @classmethod
    def from_json(cls, data: dict) -> DocCandidates:
        """Rebuild from `to_json` output."""
        return cls(data["fp"], data.get("pairs", []), data.get("acr", []), data.get("en", {}), data.get("zh", {}))


_ADJECTIVE_COMPOUND = re.compile(r"-(?:based|led|owned|funded|backed|run|made|style|born|like|related)$", re.I)
_ORDINARY_SUFFIX = re.compile(r"(?:ly|ing|ed|ness|ments?|tions?|ive|ous|ful|less|able|ant|ent|ize|ise)$")


def _is_cap(tok: str) -> bool:
    """A token that can be part of a proper-noun phrase."""
    low = tok.lower()
    return (
        tok[:1].isupper()
        and (len(tok) > 1 or tok == "&")
        and low not in MONTHS
        and low not in WEEKDAYS
        and low not in FURNITURE
        and not _camel_junk(tok)
        and not _ADJECTIVE_COMPOUND.search(tok)
    )


_LOWER_WORD = re.compile(r"(?<![\w'’-])[a-z]+(?![\w'’-])")


class LowerWords:
    """Answers "does this word occur in lower case in the document?" (computed on first use)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.words: set[str] | None = None

    def __contains__(self, word: str) -> bool:
        if self.words is None:
            self.words = set(_LOWER_WORD.findall(self.text))
        return word in self.words


def _ordinary_opener(word: str, lower_vocab) -> bool:
    """A sentence-initial capitalised word that is most likely an ordinary word ("Resolutely", "Analysts")."""
    low = word.lower()
    if low in COMMON_OPENERS or (bool(_ORDINARY_SUFFIX.search(low)) and not word.isupper()):
        return True
    return low != word and low in lower_vocab


_CAMEL = re.compile(r"[a-z][A-Z]")


def _camel_junk(tok: str) -> bool:
    """Glued page furniture such as `PostEmailWhatsapp` or `IssueArtificial` (lower then upper inside a word)."""
    return len(tok) > 8 and not tok.isupper() and _CAMEL.search(tok) is not None


def _title_like(text: str) -> bool:
    """A heading or a list of names: most longer words capitalised (no sentence to read capitals from)."""
    if len(text) > 400 or text.rstrip().endswith((".", "。", '"', "”", "?", "!")):
        return False
    words = [w for w in re.findall(r"[A-Za-z][\w'’-]*", text) if len(w) > 3]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.7 * len(words)


_CAP = r"(?:[A-Z]\.){2,}|[A-Z]\.(?= [A-Z])|[A-ZÀ-ÖØ-Þ][^\W_]*(?:[-'’][^\W_]+)*"
# A run of capitalised words, joined by single spaces and lower-case connectors ("Ministry of Science and Technology").
_RUN = re.compile(rf"(?<![\w'’-])(?:{_CAP})(?:(?: (?:of|and|for|de|&)(?: the)?)? (?:{_CAP}))*")
_SENTENCE_END = set('.!?:;•·|–—"“”‘([\n')


def _phrases(para: str, lower_vocab: LowerWords | set[str]):
    """Yield (phrase, start, end, titled, initial) for the capitalised word runs of a paragraph."""
    for match in _RUN.finditer(para):
        base = match.start()
        before = para[max(0, base - 8) : base]
        stripped = before.rstrip(" \t")
        initial = (
            not stripped.strip() and (base < 8 or "\n" in before) or bool(stripped) and stripped[-1] in _SENTENCE_END
        )
        text = match.group()
        if " " not in text and "&" not in text:
            # Fast path for the common one-word run ("China", "Xi", "However").
            if _is_cap(text) and not (initial and _ordinary_opener(text, lower_vocab)):
                m = _POSSESSIVE.match(text)
                word = m.group(1) if m else text
                yield word, base, base + len(word), False, initial
            continue
        run: list[tuple[str, int, int]] = []
        for m in _TOKEN.finditer(match.group()):
            tok = m.group()
            if tok in CONNECTORS or _is_cap(tok):
                run.append((tok, base + m.start(), base + m.end()))
                # "People's" belongs to names (National People's Congress); other possessives end the name.
                if _POSSESSIVE.match(tok) and tok[:-2] != "People":
                    yield from _split_run(para, run, initial, lower_vocab)
                    run, initial = [], False
            else:
                # Months, page furniture and the like split the run.
                if run:
                    yield from _split_run(para, run, initial, lower_vocab)
                run, initial = [], False
        if run:
            yield from _split_run(para, run, initial, lower_vocab)


def _split_run(para: str, run: list[tuple[str, int, int]], sentence_start: bool, lower_vocab):
    """Trim titles and sentence-initial ordinary words off a run, split it at weak connectors, yield phrases.

    Yields (phrase, start, end, titled, initial): `initial` when the phrase still begins the sentence.
    """
    while run and run[0][0] in CONNECTORS:
        run = run[1:]
    if not run:
        return
    low = [t[0].lower() for t in run]
    keyword = any(w in ORG_WORDS or w in MEDIA_WORDS or w in PLACE_WORDS or w in CONCEPT_WORDS for w in low)
    if sentence_start and (low[0] in COMMON_OPENERS or (not keyword and _ordinary_opener(run[0][0], lower_vocab))):
        run, sentence_start = run[1:], False
    pieces: list[tuple[list, bool]] = []
    if not keyword:
        # A title inside a run splits it: "California Governor Gavin Newsom" -> California | Gavin Newsom (titled).
        low = [t[0].lower() for t in run]
        last_title = max((k for k, w in enumerate(low[:-1]) if w in TITLES), default=-1)
        if last_title >= 0:
            head = run[:last_title]
            while head and (head[-1][0].lower() in TITLES or head[-1][0].lower() in DEMONYMS):
                head = head[:-1]
            if head:
                pieces.append((head, False))
            rest = run[last_title + 1 :]
            # "Envoy for Climate John Podesta": a title phrase with connectors does not mark where the name starts.
            pieces.append((rest, not any(t[0].lower() in CONNECTORS for t in rest)))
        else:
            pieces.append((run, False))
    else:
        pieces.append((run, False))
    for part, titled in pieces:
        while part and part[0][0].lower() in CONNECTORS:
            part = part[1:]
        while part and part[-1][0].lower() in CONNECTORS:
            part = part[:-1]
        if not part:
            continue
        subparts = [part]
        if keyword and any(t[0] == "and" for t in part):
            subparts = _split_at_and(part)
        elif not keyword and any(t[0].lower() in CONNECTORS for t in part):
            # "Beijing and Shanghai", "Xie Zhenhua and John Kerry": two names, not one.
            subparts = []
            cur: list[tuple[str, int, int]] = []
            for tok in part:
                if tok[0].lower() in CONNECTORS:
                    if cur:
                        subparts.append(cur)
                    cur = []
                else:
                    cur.append(tok)
            if cur:
                subparts.append(cur)
        for piece in subparts:
            start, end = piece[0][1], piece[-1][2]
            text = para[start:end]
            m = _POSSESSIVE.match(text)
            if m:
                text = m.group(1)
                end = start + len(text)
            initial = sentence_start and piece[0] is run[0]
            yield text, start, end, titled and piece is subparts[0], initial


def _is_keyword(word: str) -> bool:
    """A word that ends organisation, media, place or concept names."""
    w = word.lower()
    return w in ORG_WORDS or w in MEDIA_WORDS or w in PLACE_WORDS or w in CONCEPT_WORDS


def _split_at_and(part: list[tuple[str, int, int]]) -> list[list[tuple[str, int, int]]]:
    """Split a run at "and" unless the pieces make one name.

    "Ministry of Science and Technology", "National Development and Reform Commission" stay whole;
    "People's Liberation Army and the People's Armed Police Force" and "... and Xie Zhenhua" are split.
    """
    pieces: list[list[tuple[str, int, int]]] = []
    cur: list[tuple[str, int, int]] = []
    for tok in part:
        if tok[0] == "and":
            pieces.append(cur)
            cur = []
        else:
            cur.append(tok)
    pieces.append(cur)
    out = [pieces[0]]
    for piece in pieces[1:]:
        body = [t for t in piece if t[0].lower() not in CONNECTORS]
        head = out[-1]
        head_kw = any(_is_keyword(t[0]) for t in head)
        head_of = any(t[0] == "of" for t in head)
        words = " ".join(t[0] for t in body)
        joins = (
            len(body) <= 2
            and head_of
            and not _is_keyword(head[-1][0])
            and not chinese_name_shape(words)
            and not (body and _is_keyword(body[-1][0]))
        ) or (body and _is_keyword(body[-1][0]) and not head_kw)
        if joins and head:
            out[-1] = head + [("and", head[-1][2] + 1, head[-1][2] + 4)] + piece
        else:
            out.append(piece)
    cleaned = []
    for piece in out:
        while piece and piece[0][0].lower() in CONNECTORS:
            piece = piece[1:]
        if piece:
            cleaned.append(piece)
    return cleaned


def _pattern_votes(para: str, start: int, end: int, phrase: str, titled: bool) -> tuple[int, int, int]:
    """(person, media, place) votes from the words around one occurrence of a phrase."""
    after, before = para[end : end + 40], para[max(0, start - 20) : start]
    person = media = place = 0
    nwords = len(phrase.split())
    if (
        titled
        and nwords <= 3
        or (
            2 <= nwords <= 3
            and guess_type_en(phrase) is None
            and (
                PERSON_VERBS.match(after)
                or PERSON_BEFORE.search(before)
                or (chinese_name_shape(phrase) and APPOSITIVE.match(after))
            )
        )
    ):
        person = 1
    if MEDIA_AFTER.match(after) or MEDIA_BEFORE.search(before):
        media = 1
    if PLACE_BEFORE.search(before) and not re.match(r"\s*[A-Z]", after):
        place = 1
    return person, media, place


def extract(doc: Document, fingerprint: str, tagger) -> DocCandidates:
    """All candidates of one document; `tagger` is a rjieba.Jieba with the glossary's names added."""
    cands = DocCandidates(fingerprint)
    # Pairs need Chinese text: mine only those paragraphs (the pattern scan is slow on long English text).
    han_paras = [p for p in doc.paragraphs if has_han(p)]
    cands.pairs = [[p.en, p.zh] for p in mine_pairs([Document(doc.doc_id, paragraphs=han_paras)])] if han_paras else []
    lower_vocab = LowerWords("\n".join(doc.paragraphs))
    en: dict[str, list[int]] = {}
    zh: Counter = Counter()
    zh_tag: dict[str, str] = {}
    for para in doc.paragraphs:
        for acr, exp in find_acronyms(para):
            if [acr, exp] not in cands.acronyms:
                cands.acronyms.append([acr, exp])
        if not _title_like(para):
            for phrase, start, end, titled, initial in _phrases(para, lower_vocab):
                votes = _pattern_votes(para, start, end, phrase, titled)
                rec = en.get(phrase)
                if rec is None:
                    # The last field: does the word also occur in lower case here ("File" vs "file")?
                    lower = " " not in phrase and phrase.lower() != phrase and phrase.lower() in lower_vocab
                    rec = en[phrase] = [0, 0, 0, 0, 0, int(lower)]
                rec[0] += 1
                rec[1] += votes[0]
                rec[2] += votes[1]
                rec[3] += votes[2]
                rec[4] += not initial
        for run in HAN_RUN_RE.findall(para):
            for word, tag in tagger.tag(run):
                if tag in ZH_TAGS and len(word) >= 2:
                    zh[word] += 1
                    # "*": a word jieba guessed (not in its dictionary), as new personal names are.
                    zh_tag[word] = tag if tagger.has_word(word) else tag + "*"
    cands.en = en
    cands.zh = {w: [zh_tag[w], c] for w, c in zh.items()}
    return cands
