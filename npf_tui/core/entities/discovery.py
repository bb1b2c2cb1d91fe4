"""Per-document entity candidates: English proper-noun phrases, acronyms, jieba-tagged Chinese names, type guesses."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from npf_tui.core.glossary import BilingualPair, mine_pairs
from npf_tui.core.models import Document
from npf_tui.core.text.textnorm import HAN_CLASS

HAN = HAN_CLASS
_HAN_RUN = re.compile(f"[{HAN}]+")
# Word tokens: dotted abbreviations (U.S., D.C.), a capital initial before a name (John L. Thornton), or words
# with inner apostrophes/hyphens (Xi’an, Hefei-Wuhan, People's).
_TOKEN = re.compile(r"(?:[A-Z]\.){2,}|[A-Z]\.(?= [A-Z])|[^\W\d_][\w]*(?:[-'’][^\W_]+)*|&")
_POSSESSIVE = re.compile(r"^(.*[^\W_])['’]s$")

CONNECTORS = {"of", "and", "for", "the", "de", "&"}
MONTHS = {
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
}
WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
# Page furniture left by web captures; never an entity nor part of one.
FURNITURE = {
    "ad",
    "ads",
    "icon",
    "logo",
    "postemailwhatsapp",
    "arrow",
    "share",
    "tweet",
    "email",
    "print",
    "subscribe",
    "menu",
    "home",
    "advertisement",
    "sponsored",
    "newsletter",
    "login",
    "signup",
    "buttons",
    "button",
    "click",
    "cookie",
    "cookies",
    "comments",
    "related",
    "previous",
    "next",
    "top",
    "read",
    "more",
}
# Words that open a sentence without naming anything (checked in addition to the document's own lower-case words).
COMMON_OPENERS = {
    "the",
    "a",
    "an",
    "this",
    "that",
    "these",
    "those",
    "it",
    "its",
    "in",
    "on",
    "at",
    "as",
    "by",
    "for",
    "from",
    "with",
    "however",
    "but",
    "and",
    "or",
    "if",
    "while",
    "when",
    "since",
    "after",
    "before",
    "during",
    "although",
    "meanwhile",
    "moreover",
    "thus",
    "so",
    "yet",
    "also",
    "then",
    "there",
    "here",
    "what",
    "why",
    "how",
    "who",
    "which",
    "we",
    "i",
    "he",
    "she",
    "they",
    "our",
    "their",
    "his",
    "her",
    "my",
    "you",
    "your",
    "not",
    "no",
    "all",
    "some",
    "many",
    "most",
    "other",
    "such",
    "according",
    "despite",
    "under",
    "over",
    "between",
    "among",
    "first",
    "firstly",
    "secondly",
    "thirdly",
    "finally",
    "previously",
    "additionally",
    "ultimately",
    "instead",
    "besides",
    "further",
    "furthermore",
    "to",
    "of",
    "more",
    "less",
    "only",
    "even",
    "both",
    "each",
    "every",
    "one",
    "two",
}
# Titles and demonyms that precede a person's name ("Chinese President Xi Jinping", "Premier Li Qiang").
TITLES = {
    "president",
    "premier",
    "vice",
    "chairman",
    "chairwoman",
    "governor",
    "mayor",
    "minister",
    "secretary",
    "general",
    "director",
    "professor",
    "prof",
    "dr",
    "mr",
    "mrs",
    "ms",
    "sir",
    "ambassador",
    "envoy",
    "consul",
    "chancellor",
    "king",
    "queen",
    "prince",
    "senator",
    "representative",
    "deputy",
    "chief",
    "leader",
    "editor",
    "commissioner",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "executive",
    "founder",
    "ceo",
    "chair",
}
DEMONYMS = {
    "chinese",
    "american",
    "us",
    "u.s.",
    "british",
    "french",
    "german",
    "japanese",
    "korean",
    "russian",
    "indian",
    "hungarian",
    "european",
    "taiwanese",
    "former",
    "late",
    "then",
    "new",
    "current",
}
ORG_WORDS = {
    "university",
    "ministry",
    "commission",
    "party",
    "association",
    "institute",
    "institution",
    "academy",
    "bureau",
    "council",
    "committee",
    "congress",
    "group",
    "company",
    "corporation",
    "corp",
    "inc",
    "ltd",
    "co",
    "bank",
    "administration",
    "department",
    "office",
    "center",
    "centre",
    "foundation",
    "organization",
    "organisation",
    "society",
    "federation",
    "forum",
    "union",
    "school",
    "college",
    "museum",
    "court",
    "government",
    "cabinet",
    "consulate",
    "embassy",
    "laboratory",
    "lab",
    "fund",
    "alliance",
    "army",
    "police",
    "force",
    "tank",
    "holdings",
    "technologies",
    "motors",
    "airlines",
    "exchange",
    "authority",
    "agency",
    "assembly",
    "politburo",
    "senate",
}
MEDIA_WORDS = {
    "times",
    "daily",
    "news",
    "post",
    "journal",
    "herald",
    "tribune",
    "press",
    "magazine",
    "television",
    "tv",
    "radio",
    "gazette",
    "weekly",
    "reuters",
    "bloomberg",
    "xinhua",
    "economist",
    "telegraph",
    "guardian",
}
PLACE_WORDS = {
    "province",
    "city",
    "county",
    "district",
    "region",
    "prefecture",
    "municipality",
    "island",
    "islands",
    "river",
    "mountain",
    "mountains",
    "lake",
    "sea",
    "ocean",
    "bay",
    "valley",
    "state",
    "village",
    "town",
    "area",
    "delta",
    "peninsula",
    "strait",
    "coast",
    "autonomous",
}
CONCEPT_WORDS = {
    "initiative",
    "strategy",
    "plan",
    "movement",
    "thought",
    "forces",
    "sessions",
    "session",
    "program",
    "programme",
    "policy",
    "report",
    "agreement",
    "statement",
    "dialogue",
    "conference",
    "summit",
    "fair",
    "festival",
    "expo",
    "theory",
    "doctrine",
    "reform",
    "revolution",
    "vision",
    "project",
    "law",
    "act",
}
COMPASS = {"north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest", "central"}
#: Countries and regions often named without any pattern, with their Chinese names (a link, not a gazetteer).
KNOWN_PLACES = {
    "china": "中国",
    "asia": "亚洲",
    "europe": "欧洲",
    "africa": "非洲",
    "japan": "日本",
    "korea": "韩国",
    "south korea": "韩国",
    "north korea": "朝鲜",
    "india": "印度",
    "russia": "俄罗斯",
    "germany": "德国",
    "france": "法国",
    "britain": "英国",
    "united kingdom": "英国",
    "taiwan": "台湾",
    "hong kong": "香港",
    "macau": "澳门",
    "macao": "澳门",
    "united states": "美国",
    "australia": "澳大利亚",
    "canada": "加拿大",
    "european union": "欧盟",
    "brazil": "巴西",
    "italy": "意大利",
    "singapore": "新加坡",
    "vietnam": "越南",
}
PERSON_VERBS = re.compile(
    r"^[’']?s?,?\s+(?:said|says|told|wrote|writes|argued|argues|noted|notes|added|adds|stated|explained|"
    r"believes|continued|stressed|urged|emphasized|emphasised|pointed out|warned|asked)\b"
)
PERSON_BEFORE = re.compile(r"(?:\bsaid|\bsays|\baccording to)\s+$")
APPOSITIVE = re.compile(r"^,\s+(?:a|an|the|who)\s+[a-z]")
MEDIA_AFTER = re.compile(r"^\s+(?:reported|reports|quoted|cited)\b")
MEDIA_BEFORE = re.compile(r"\b(?:told|according to)\s+the\s+$")
PLACE_BEFORE = re.compile(r"\b(?:in|from|across|visited|visit to|trip to|city of|province of)\s+$")

CHINESE_SURNAMES = set(
    [
        "wang",
        "li",
        "zhang",
        "liu",
        "chen",
        "yang",
        "huang",
        "zhao",
        "wu",
        "zhou",
        "xu",
        "sun",
        "ma",
        "zhu",
        "hu",
        "guo",
        "he",
        "gao",
        "lin",
        "luo",
        "zheng",
        "liang",
        "xie",
        "song",
        "tang",
        "han",
        "feng",
        "deng",
        "cao",
        "peng",
        "zeng",
        "xiao",
        "tian",
        "dong",
        "yuan",
        "pan",
        "yu",
        "jiang",
        "cai",
        "du",
        "ye",
        "cheng",
        "wei",
        "su",
        "lu",
        "ding",
        "ren",
        "shen",
        "yao",
        "jin",
        "fu",
        "zhong",
        "cui",
        "tan",
        "shan",
        "xia",
        "qiu",
        "hou",
        "fan",
        "shi",
        "qin",
        "xue",
        "yan",
        "dai",
        "mo",
        "kong",
        "bai",
        "meng",
        "qian",
        "gu",
        "mao",
        "hao",
        "jia",
        "lei",
        "kang",
        "yin",
        "shao",
        "wan",
        "qi",
        "long",
        "duan",
        "lei",
        "hong",
        "wen",
        "niu",
        "fang",
        "ou",
        "yi",
        "ji",
        "bi",
        "chang",
        "chu",
        "ling",
        "mei",
        "ning",
        "pang",
        "rao",
        "sha",
        "tao",
        "xiang",
        "xing",
        "zou",
        "ai",
        "an",
        "bao",
        "bian",
        "geng",
        "guan",
        "hua",
        "huo",
        "jiao",
        "ke",
        "lai",
        "lan",
        "lian",
        "miao",
        "nie",
        "sheng",
        "si",
        "tong",
        "wei",
        "xian",
        "xin",
        "xiong",
        "yue",
        "zhan",
    ]
)
PINYIN_SYLLABLE = (
    r"(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
    r"(?:iang|iong|uang|ueng|ang|eng|ing|ong|ian|iao|uai|uan|ai|ei|ao|ou|an|en|er|ia|ie|iu|in|ua|uo|ui|un|ue|a|o|e|i|u|v)"
)
PINYIN_WORD = re.compile(f"(?:{PINYIN_SYLLABLE})+", re.I)

#: The commonest Chinese surnames: a jieba `nr` word must start with one to count as a person's name.
ZH_SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔"
    "钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤习单解欧"
)
# A Chinese gloss that starts like a clause ("或者如果…", "用美元…") is an explanation, not a name.
ZH_CLAUSE_START = set("或如用令在的是了和与及并而但也就都把被让给对从向以为这那其该此每各请可能将会")
ZH_ORG_SUFFIXES = (
    "大学",
    "学院",
    "学会",
    "协会",
    "研究院",
    "研究所",
    "研究中心",
    "委员会",
    "公司",
    "集团",
    "银行",
    "党校",
    "政府",
    "部",
    "局",
    "署",
    "中心",
    "基金会",
    "联合会",
    "医院",
    "法院",
    "检察院",
    "办公室",
    "办公厅",
    "组织",
    "论坛",
    "智库",
    "党",
)
ZH_MEDIA_SUFFIXES = (
    "日报",
    "晚报",
    "时报",
    "早报",
    "新闻社",
    "通讯社",
    "电视台",
    "新闻",
    "杂志",
    "周刊",
    "月刊",
    "新华社",
)
ZH_PLACE_SUFFIXES = ("省", "市", "县", "区", "镇", "村", "州", "自治区", "特别行政区")
#: jieba part-of-speech tags kept as name candidates, and the entity type each suggests.
ZH_TAGS = {"nr": "person", "nrfg": "person", "nrt": "person", "ns": "place", "nt": "organisation", "nz": "concept"}


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


def is_han(text: str) -> bool:
    """True when the text contains a Chinese character."""
    return bool(_HAN_RUN.search(text))


def words_of(name: str) -> list[str]:
    """Lower-case words of a name (for keyword tests)."""
    return [w.lower().strip(".") for w in re.findall(r"[\w.]+", name)]


@lru_cache(maxsize=65536)
def chinese_name_shape(name: str) -> bool:
    """`Liu Haiqing`-like: a common Chinese surname followed by one or two pinyin words."""
    parts = name.split()
    return (
        2 <= len(parts) <= 3
        and parts[0].lower() in CHINESE_SURNAMES
        and all(p[:1].isupper() and PINYIN_WORD.fullmatch(p) for p in parts)
    )


@lru_cache(maxsize=65536)
def guess_type_en(name: str) -> str | None:
    """Type suggested by the words of an English name, or None when nothing in it says."""
    words = words_of(name)
    if not words:
        return None
    last = words[-1]
    if any(w in MEDIA_WORDS for w in words) and not any(w in ("ministry", "university", "bureau") for w in words):
        return "media"
    if last in PLACE_WORDS or (
        len(words) > 1 and words[0] in PLACE_WORDS and "of" in words[:2] and last not in ORG_WORDS
    ):
        return "place"
    if any(w in ORG_WORDS for w in words):
        return "organisation"
    if last in CONCEPT_WORDS:
        return "concept"
    if " ".join(words) in KNOWN_PLACES or (len(words) == 2 and words[0] in COMPASS and words[1] in KNOWN_PLACES):
        return "place"
    return None


def guess_type_zh(name: str) -> str | None:
    """Type suggested by the suffix of a Chinese name, or None."""
    if name.endswith(ZH_MEDIA_SUFFIXES):
        return "media"
    if name.endswith(ZH_ORG_SUFFIXES) and len(name) >= 3:
        return "organisation"
    if name.endswith(ZH_PLACE_SUFFIXES) and 2 <= len(name) <= 6:
        return "place"
    return None


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


def acronym_letters(acr: str) -> str:
    """The letters an acronym stands for: `R&D` -> `rd`, `MOUs` -> `mou`."""
    if len(acr) > 2 and acr.endswith("s") and acr[:-1].isupper():
        acr = acr[:-1]
    return "".join(c.lower() for c in acr if c.isalpha())


def match_expansion(words: list[str], letters: str) -> int | None:
    """Index in `words` where the shortest expansion of `letters` ending at the last word starts, or None."""

    def walk(wi: int, li: int) -> int | None:
        if li < 0:
            return wi + 1
        if wi < 0:
            return None
        word = words[wi]
        if word.lower() in CONNECTORS:
            if word[0].lower() == letters[li]:
                got = walk(wi - 1, li - 1)
                if got is not None:
                    return got
            return walk(wi - 1, li)
        if word[0].lower() != letters[li]:
            return None
        return walk(wi - 1, li - 1)

    if not letters or not words or words[-1].lower() in CONNECTORS:
        return None
    start = walk(len(words) - 1, len(letters) - 1)
    if start is None:
        return None
    while start < len(words) and words[start].lower() in CONNECTORS:
        start += 1
    return start


_ACR = r"[A-Z][A-Za-z&]*[A-Z]s?"
_ACR_AFTER = re.compile(r"[(（]\s*(" + _ACR + r")\s*[)）]")
_ACR_OR = re.compile(r"\bor\s+(" + _ACR + r")\b")
_ACR_OR_LEAD = re.compile(r"(?:[(（][^()（）]{1,30}[)）]\s*)?,?\s*$")
_ACR_BEFORE = re.compile(r"\b(" + _ACR + r")\s*[(（]\s*([A-Za-z][^()（）]{3,90}?)\s*[)）]")
_EXPANSION_WORDS = re.compile(r"[A-Za-z][\w'’-]*|&")


def _expansion_before(text: str, letters: str) -> str | None:
    """The words right before an acronym that its letters spell, as written, or None."""
    text = text[-300:]
    cut = max(text.rfind(c) for c in '.;:!?()（）“”"\n')
    text = text[cut + 1 :]
    matches = list(_EXPANSION_WORDS.finditer(text))[-12:]
    words = [m.group() for m in matches]
    start = match_expansion(words, letters)
    if start is None or start >= len(words):
        return None
    return text[matches[start].start() : matches[-1].end()]


def find_acronyms(para: str) -> list[tuple[str, str]]:
    """(acronym, expansion) pairs defined in a paragraph: `Name (ACR)`, `Name (中文) or ACR`, `ACR (Name)`."""
    found = []
    has_paren = "(" in para or "（" in para
    for m in _ACR_AFTER.finditer(para) if has_paren else ():
        acr = m.group(1)
        exp = _expansion_before(para[: m.start()], acronym_letters(acr))
        if exp:
            found.append((acr, exp))
    for m in _ACR_OR.finditer(para) if " or " in para else ():
        acr = m.group(1)
        head = para[: m.start()]
        lead = _ACR_OR_LEAD.search(head[-60:])  # skip a parenthesised Chinese name: "Science (中国生产力学会) or CAPS"
        exp = _expansion_before(head[: len(head) - len(lead.group())] if lead else head, acronym_letters(acr))
        if exp:
            found.append((acr, exp))
    for m in _ACR_BEFORE.finditer(para) if has_paren else ():
        acr, inner = m.group(1), m.group(2)
        words = _EXPANSION_WORDS.findall(inner)
        if match_expansion(words, acronym_letters(acr)) == 0:
            found.append((acr, inner.strip()))
    clean = []
    for acr, exp in found:
        acr = acr[:-1] if len(acr) > 2 and acr.endswith("s") and acr[:-1].isupper() else acr
        if len(exp.split()) >= 2 and not is_han(exp) and (acr, exp) not in clean:
            clean.append((acr, exp))
    return clean


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


_LOWER_WORD = re.compile(r"(?<![\w'’-])[a-z]+(?![\w'’-])")


def extract(doc: Document, fingerprint: str, tagger) -> DocCandidates:
    """All candidates of one document; `tagger` is a rjieba.Jieba with the glossary's names added."""
    cands = DocCandidates(fingerprint)
    # Pairs need Chinese text: mine only those paragraphs (the pattern scan is slow on long English text).
    han_paras = [p for p in doc.paragraphs if is_han(p)]
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
        for run in _HAN_RUN.findall(para):
            for word, tag in tagger.tag(run):
                if tag in ZH_TAGS and len(word) >= 2:
                    zh[word] += 1
                    # "*": a word jieba guessed (not in its dictionary), as new personal names are.
                    zh_tag[word] = tag if tagger.has_word(word) else tag + "*"
    cands.en = en
    cands.zh = {w: [zh_tag[w], c] for w, c in zh.items()}
    return cands


def pair_is_name(en: str, zh: str) -> bool:
    """Whether a mined `English (中文)` pair names something rather than glossing a word ("命令 (COMMAND)")."""
    words = en.split()
    if not 2 <= len(zh) <= 12 or zh[0] in ZH_CLAUSE_START or not all(is_han(c) for c in zh):
        return False
    if len(words) < 2 or len(words) > 10 or en.isupper() and len(words) > 1:
        return False
    caps = sum(w[:1].isupper() for w in words)
    # Title Case names, or quoted lower-case terms of two or more words ("future industries").
    return caps == 0 or caps >= max(2, (len([w for w in words if w.lower() not in CONNECTORS]) + 1) // 2)


def pair_type(pair: BilingualPair | list[str]) -> str | None:
    """A type suggested by a mined pair's names."""
    en, zh = (pair.en, pair.zh) if isinstance(pair, BilingualPair) else pair
    return guess_type_en(en) or guess_type_zh(zh) or ("person" if chinese_name_shape(en) and len(zh) <= 4 else None)
