"""Cross-language search beyond the glossary (issue 15): dictionary equivalents, qualifier-safe mining, pinyin as
words, regional wording. On the bundled corpus and on lines of Debian's manpages-zh pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from npf_tui.core.glossary import mine_pairs, trusted_pairs
from npf_tui.core.models import Document
from npf_tui.core.search.expansions import Expansions, regional_forms
from npf_tui.core.search.library import Library
from npf_tui.core.search.pinyin_map import best_readings

# Real lines of manpages-zh (zh_CN) and of the English pages of the same commands.
ZH_LINES = [
    "为每个已存在的目标文件创建一个备份",
    "设置了`d'属性的文件不能对其运行 dump(8) 程序进行备份.",
    "在被分析的字段中最大的统计目标决定为统计采样的表中的行的数目。",
    "使用指定的方法加密密码。",
    "EROFS 套接字节点位于只读文件系统.",
    "chattr - 修改 Linux 文件系统中的文件属性",
    "传统的SysV守护进程",
    "10. 守护进程将 umask 设为 0",
    "它以守护进程（daemon）的方式运行。",
    "每个守护进程（daemon）都应当忽略 SIGHUP。",
]
EN_LINES = [
    "Make a backup of each existing destination file.",
    "Use the specified method to encrypt the passwords.",
    "init(8) configuration file for SysV-style init daemon.",
]
# Table cells and lists of alternatives, as the issue quotes them from a manual's tables.
CELL_LINES = [
    "| eog | 图像浏览器（GNOME） |",
    "ssh-add\t密码 (GNOME)",
    "konsole    程序 (KDE)",
    "图像浏览器（GNOME）",
    "密码 (GNOME)",
    "程序 (GNOME)",
]


def _write(folder: Path, name: str, lang: str, paragraphs: list[str]) -> None:
    front = f"---\ntitle: {name}\nlanguage: {lang}\n---\n\n"
    (folder / f"{name}.md").write_text(front + "\n\n".join(paragraphs) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def manpages(tmp_path_factory):
    """A small corpus of manpage lines, opened with its own index."""
    root = tmp_path_factory.mktemp("manpages")
    corpus = root / "corpus"
    corpus.mkdir()
    _write(corpus, "zh-lines", "zh", ZH_LINES)
    _write(corpus, "en-lines", "en", EN_LINES)
    _write(corpus, "cells", "zh", CELL_LINES)
    lib = Library.open(corpus, root / "idx")
    yield lib
    lib.close()


def _texts(result) -> list[str]:
    return [hit.text for hit in result.hits]


# -- dictionary expansion -----------------------------------------------------------------------------------------
def test_english_reaches_chinese_without_the_english_word(manpages):
    result = manpages.search("backup", limit=20)
    assert "备份" in result.expanded
    texts = _texts(result)
    assert texts[0].startswith("Make a backup")  # the literal match ranks first
    assert {t for t in texts if "备份" in t} == {ZH_LINES[0], ZH_LINES[1]}
    encrypt = manpages.search("encryption", limit=20)
    assert "加密" in encrypt.expanded and ZH_LINES[3] in _texts(encrypt)


def test_exact_turns_the_dictionary_off(manpages):
    exact = manpages.search("backup", limit=20, exact=True)
    assert exact.expanded == [] and _texts(exact) == [EN_LINES[0]]
    assert manpages.compile("backup", exact=True).expanded == []


def test_chinese_reaches_english(manpages):
    result = manpages.search("加密", limit=20)
    assert "encrypt" in result.expanded
    assert EN_LINES[1] in _texts(result)


def test_loose_glosses_do_not_expand(manpages):
    # 文件 and 系统 each gloss one word of "file system"; apart they are no file system: the two words of a query
    # are not each expanded by the dictionary.
    compiled = manpages.compile("file system")
    assert "文件" not in compiled.expanded and "系统" not in compiled.expanded


def test_dictionary_is_below_literal_matches_on_the_bundled_corpus(library):
    result = library.search("China", limit=10)
    assert "中国" in result.expanded
    assert all("china" in hit.text.lower() for hit in result.hits[:5])
    assert library.search("China", exact=True).expanded == []


# -- mined pairs ------------------------------------------------------------------------------------------------
def test_lower_case_glosses_are_mined_and_trusted_when_they_recur(manpages):
    pairs = mine_pairs([Document("zh-lines", paragraphs=ZH_LINES)], lowercase=True)
    assert [(p.en, p.zh) for p in pairs] == [("daemon", "守护进程"), ("daemon", "守护进程")]
    assert [(p.en, p.zh) for p in trusted_pairs(pairs)] == [("daemon", "守护进程")]
    assert trusted_pairs(pairs[:1]) == []  # said once: no evidence yet
    # Without lowercase=True (the entity store's call) nothing changes: names only.
    assert mine_pairs([Document("zh-lines", paragraphs=ZH_LINES)]) == []
    result = manpages.search("daemon", limit=20)
    assert "守护进程" in result.expanded
    assert {ZH_LINES[6], ZH_LINES[7]} <= set(_texts(result))


def test_table_cells_and_qualifiers_are_no_pairs(manpages):
    pairs = mine_pairs([Document("cells", paragraphs=CELL_LINES)], lowercase=True)
    assert all("|" not in p.zh for p in pairs) and len(pairs) == 3  # the three lines outside tables
    assert trusted_pairs(pairs) == []  # GNOME beside three different words: a qualifier
    for query in ("GNOME", "KDE"):
        result = manpages.search(query, limit=20)
        assert not {"图像浏览器", "密码", "程序"} & set(result.expanded)
        assert result.total == manpages.search(query, limit=20, exact=True).total


def test_a_word_inside_a_name_is_no_pair():
    # "daemon (守护进程)": "on" is the end of a word, not a name.
    pairs = mine_pairs([Document("d", paragraphs=["the ssh daemon (守护进程) runs"])])
    assert [p.en for p in pairs] == []


# -- pinyin as words ----------------------------------------------------------------------------------------------
def test_pinyin_prefers_words_to_boundary_straddling_readings(manpages):
    compiled = manpages.compile("beifen")
    assert "备份" in compiled.expanded and "被分" not in compiled.expanded
    assert {t for t in _texts(manpages.search("beifen", limit=20)) if "被分" in t} == set()


def test_best_readings_tiers():
    words = {"备份", "文件", "加密", "密码"}
    assert best_readings(["备份", "被分", "备分"], words.__contains__) == ["备份"]
    assert best_readings(["被分"], words.__contains__) == ["被分"]  # nothing better: kept
    # Made of corpus words (加密|密码) before strings straddling boundaries (文|键|析|通)
    assert best_readings(["文键析通", "加密密码"], words.__contains__) == ["加密密码"]


def test_pinyin_expands_like_the_chinese_it_spells(library):
    chinese = set(library.compile("新质生产力").expanded)
    pinyin = set(library.compile("xinzhi shengchanli").expanded)
    assert "新质生产力" in pinyin and chinese <= pinyin
    # Every passage that writes 新质生产力 or one of its English names is found from the pinyin as from the Chinese
    # (the Chinese query may find more: a document's title counts for its passages).
    names = [n.lower() for n in [*chinese, "新质生产力"]]
    by_chinese = {(h.doc_id, h.paragraph) for h in library.search("新质生产力", limit=500).hits}
    by_pinyin = {(h.doc_id, h.paragraph) for h in library.search("xinzhi shengchanli", limit=500).hits}
    written = {
        (h.doc_id, h.paragraph)
        for h in library.search("新质生产力", limit=500).hits
        if any(n in h.text.lower() for n in names)
    }
    assert written and written <= by_pinyin <= by_chinese


def test_part_of_a_glossary_entry_expands_as_the_whole(library):
    result = library.search("自立自强")
    assert "self-reliance" in result.expanded
    assert result.total >= library.search("self-reliance").total > 0


def test_common_word_inside_names_is_not_a_part():
    expansions = Expansions([["中国生产力学会", "CAPS"], ["新质生产力", "new productive forces"]])
    counts = {"生产力": 50, "新质生产力": 10, "中国生产力学会": 1}
    assert expansions.known_alternatives("生产力", counts.get) == []
    assert expansions.known_alternatives("质生产力", lambda w: 10) == ["new productive forces"]


# -- regional wording ---------------------------------------------------------------------------------------------
def test_taiwan_wording_finds_mainland_wording(manpages):
    assert regional_forms("檔案系統") == ["文件系统"]
    assert regional_forms("軟體") == ["软件"]
    assert regional_forms("文件系统") == []  # Simplified: nothing to do
    result = manpages.search("檔案系統", limit=20)
    assert "文件系统" in result.expanded
    assert {ZH_LINES[4], ZH_LINES[5]} <= set(_texts(result))
    assert manpages.search("檔案系統", limit=20, exact=True).total == 0


def test_an_index_without_a_dictionary_gets_one(tmp_path):
    # A generation built before the dictionary existed (or whose file was lost) compiles it on the first query.
    from npf_tui.core.text.dictionary import DICTIONARY_FILE

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _write(corpus, "zh-lines", "zh", ZH_LINES[:2])
    _write(corpus, "en-lines", "en", EN_LINES[:1])
    Library.open(corpus, tmp_path / "idx").close()
    (path,) = (tmp_path / "idx").glob(f"gen-*/{DICTIONARY_FILE}")
    path.unlink()
    lib = Library.open(corpus, tmp_path / "idx")
    try:
        assert "备份" in lib.search("backup").expanded
        assert path.exists()
    finally:
        lib.close()
