"""What a file's bytes are: the text encoding (UTF-8/16/32, GB18030, Big5, Western code pages) and the language.

Shared by the text, Markdown and HTML readers. A wrong guess is mojibake written into the corpus for good, so every
reading is checked (control characters, the commonness of the Chinese characters it yields) before it is accepted.
"""

from __future__ import annotations

import codecs
import math
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from npf_tui.core.sources.formats.base import ImportRejected
from npf_tui.core.text.textnorm import HAN_RE

_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CHINESE_FAMILY = ("gb18030", "big5")
_SINGLE_BYTE = re.compile(r"^(cp12\d\d|iso8859_\d+|latin_1|mac_\w+|cp8\d\d)$")


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode file bytes to text, returning (text, encoding); raises ImportRejected rather than produce mojibake.

    Byte-order marks decide first; then strict UTF-8; then charset-normalizer's candidates together with GB18030 and
    Big5, which are told apart by how many of the decoded ideographs are common Chinese characters (a wrong reading of
    either encoding as the other yields mostly rare characters).
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return checked(data.decode(encoding), encoding), encoding
            except UnicodeDecodeError:
                raise ImportRejected(
                    f"not valid {encoding.upper()} text although it starts with its byte-order mark"
                ) from None
    if b"\x00" in data:
        raise ImportRejected("binary file (contains NUL bytes), not text")
    try:
        return checked(data.decode("utf-8"), "utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    guesses = [m.encoding for m in from_bytes(data)]
    if "cp1252" in guesses and guesses[0] != "cp1252" and _SINGLE_BYTE.match(guesses[0]):
        # Short Western texts fit several code pages equally well; Windows-1252 is by far the likeliest of them.
        guesses.insert(0, "cp1252")
    readings: list[tuple[str, str, int, float]] = []  # (encoding, text, cjk count, commonness)
    for encoding in dict.fromkeys(guesses + list(_CHINESE_FAMILY)):
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        if _bad_char_ratio(text) > 0.001:
            continue
        cjk = len(HAN_RE.findall(text))
        readings.append((encoding, text, cjk, _chinese_commonness(text) if cjk else 0.0))
    chinese = [r for r in readings if r[2] >= 2 and r[3] >= 0.8]
    if chinese:
        if len(chinese) > 1:
            # Both readings look like Chinese only for very short texts; there the likelier characters decide. On a
            # tie GB18030 wins: mainland sources are the commoner case.
            best = max(chinese, key=lambda r: (_character_likelihood(r[1]), r[3], r[0] == "gb18030"))
        else:
            best = chinese[0]
        return best[1], best[0]
    for encoding, text, cjk, common in readings:
        if encoding in guesses and (cjk < 2 or common >= 0.5):
            return text, encoding
    raise ImportRejected(
        "cannot tell the text encoding (not UTF-8, UTF-16, GB18030/GBK or Big5); "
        "convert the file to UTF-8 and add it again"
    )


def checked(text: str, encoding: str) -> str:
    """The text, unless it is full of control characters (a binary file that happens to decode)."""
    if _bad_char_ratio(text) > 0.001:
        raise ImportRejected(f"binary or damaged file (control characters in its {encoding} text)")
    return text


#: Characters that are never "bad" in any Unicode version Python has: tab, line breaks, Ctrl-Z, printable ASCII and
#: Latin, general punctuation, CJK punctuation, the CJK Unified Ideographs block and full-width forms.
#: _bad_char_ratio drops their runs in one regex pass before looking at the rest character by character: on a 50 MB
#: page that loop alone took several seconds.
_SURELY_TEXT = re.compile(
    "[\t\n\r\x0b\x0c\x1a\x85\x20-\x7e\xa0-\u024f\u2010-\u2027\u2030-\u205e\u3000-\u303f\u4e00-\u9fef\uff01-\uff60]+"
)


def _bad_char_ratio(text: str) -> float:
    """The share of characters that never occur in real text: controls, U+FFFD, private-use, unassigned code points."""
    if not text:
        return 0.0
    bad = 0
    for ch in _SURELY_TEXT.sub("", text):
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Co", "Cn", "Cs") or ch == "\ufffd":
            bad += 1
    return bad / len(text)


def _chinese_commonness(text: str) -> float:
    """Share of the text's non-ASCII letters that are among the 3,755 most common Chinese characters (after t2s).

    Counting every non-ASCII letter (not only ideographs) makes Korean or Japanese misreadings, which mix a few
    ideographs with Hangul or kana, score low.
    """
    import opencc

    sample = text[:40_000]
    letters = [ch for ch in sample if ord(ch) > 127 and ch.isalpha()]
    if not letters:
        return 0.0
    # Symbols among ideographs (㎝, ㏑, ╝) are what a wrong reading of the other encoding's bytes produces and rarely
    # what a writer typed: they count as uncommon, which settles very short texts where both readings are all
    # level-1 characters (Big5 做做做創動和 read as GB18030 is 暗暗暗承笆㎝).
    symbols = sum(1 for ch in sample if ord(ch) > 127 and unicodedata.category(ch) == "So")
    simplified = opencc.OpenCC("t2s").convert("".join(letters))
    common = 0
    for ch in simplified:
        try:
            encoded = ch.encode("gb2312")
        except UnicodeEncodeError:
            continue
        # GB2312 level 1 (lead bytes B0-D7) holds the most frequent characters.
        common += len(encoded) == 2 and 0xB0 <= encoded[0] <= 0xD7
    return common / (len(simplified) + symbols)


@lru_cache(maxsize=1)
def _character_log_frequencies() -> dict[str, float]:
    """log(1 + frequency) of each Simplified character, summed over the words of jieba's dictionary that contain it.

    Read only when two encodings give plausible Chinese (about 0.4 s, once per process).
    """
    import jieba

    counts: dict[str, int] = {}
    try:
        with open(Path(jieba.__file__).with_name("dict.txt"), encoding="utf-8") as lines:
            for line in lines:
                word, freq = line.split(" ", 2)[:2]
                weight = int(freq)
                for ch in word:
                    counts[ch] = counts.get(ch, 0) + weight
    except (OSError, ValueError):  # a jieba packaged without its dictionary: every reading ties (GB18030 wins)
        return {}
    return {ch: math.log1p(n) for ch, n in counts.items()}


def _character_likelihood(text: str) -> float:
    """Mean log frequency of the text's non-ASCII letters and symbols (symbols score 0): higher is likelier Chinese."""
    import opencc

    sample = [ch for ch in text[:40_000] if ord(ch) > 127 and (ch.isalpha() or unicodedata.category(ch) == "So")]
    if not sample:
        return 0.0
    table = _character_log_frequencies()
    simplified = opencc.OpenCC("t2s").convert("".join(sample))
    return sum(table.get(ch, 0.0) for ch in simplified) / len(simplified)


def guess_language(text: str) -> str:
    """'zh' when Chinese characters carry a fair share of the text, else 'en'.

    A Chinese word takes about two characters and an English one about six letters, so ideographs are weighed against a
    third of the Latin letters.
    """
    cjk = len(HAN_RE.findall(text))
    latin = len(_LATIN.findall(text))
    return "zh" if cjk and cjk * 3 >= latin else "en"
