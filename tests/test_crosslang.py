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


def _open(root: Path, files: dict[str, tuple[str, list[str]]]) -> Library:
    """A corpus of the given documents (name → language, paragraphs) in `root`, opened with its own index."""
    corpus = root / "corpus"
    corpus.mkdir()
    for name, (lang, paragraphs) in files.items():
        _write(corpus, name, lang, paragraphs)
    return Library.open(corpus, root / "idx")


@pytest.fixture(scope="module")
def manpages(tmp_path_factory):
    """A small corpus of manpage lines, opened with its own index."""
    lib = _open(
        tmp_path_factory.mktemp("manpages"),
        {"zh-lines": ("zh", ZH_LINES), "en-lines": ("en", EN_LINES), "cells": ("zh", CELL_LINES)},
    )
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


# -- senses the corpus supports (helper G) ------------------------------------------------------------------------
# Real lines of manpages-zh pages that keep the English term beside 命令, and of English pages that say "order".
COMMAND_LINES = [
    "-command\n指定与 ArrowButton 相关联的一个 Tcl 命令。"
    "典型的当鼠标按钮 1 在 ArrowButton 窗口上释放的时候调用这个命令。",
    "命令 command 的标准输出通过管道连接到命令 command2 的标准输入。"
    "连接是在命令指定的任何重定向之前进行的(参见下面的 REDIRECTION 重定向)。",
    "• 指定 command 内建命令的 -p 选项；",
    "-command\n指定与 Button 相关联的一个 Tcl 命令。典型的当鼠标按钮 1 在 Button 窗口上 释放的时候调用这个命令。",
    "command\n组成规则动作的命令。有效的命令是 SELECT，INSERT， UPDATE，DELETE，或 NOTIFY 语句之一。",
    "help [command]\n显示指定命令 command 的简要说明. 如果不指定参数, 本命令列出所有已知的 ftp 命令.",
    "~!command\n执行指定的shell命令,然后返回消息.",
    "\\w {filename ||command}\n将当前查询缓冲区输出到文件 filename 或者定向到 Unix 命令 command。",
    "\\! [command ]\n返回到一个独立的 Unix shell 或者执行 Unix 命令 command。"
    " 参数不会被进一步解释，shell 将看到全部参数。",
    "lpq command (S)\n这个选项指定为了获得lpq风格的打印机状态信息而要在服务器上要执行的命令.",
    "lprm command (S)\n此选项指定为了要删除一个打印任务而需要在服务器上执行的命令.",
    "queuepause command (S)\n定义服务器暂停打印队列时要执行的命令.",
]
ORDER_LINES = [
    "Returns an list of test names, sorted by run order.",
    "The order in which the options are set does not matter.",
    "--reverse\nInclude all changes in reverse order (since dpkg 1.19.1).",
]
# 信息 with no English beside it; English pages saying information, news and message (信息's first three senses).
INFO_LINES = [
    "如果没有在命令行上声明名称和其他的一些缺少的信息，脚本会提示你输入。",
    "文件中列出的当前的使用信息是用于提供信息的； 只可以修改硬和软限制.",
    "如果没有指定任何选项，将会显示一些有用的身份信息。",
    "文件系统标准描述，网络协议，ASCII 和其他字符集，还有你眼前这份文档以及其他东西",
]
INFO_EN_LINES = [
    "See warnings for more information about lexical warnings.",
    "news - Newsgroup or News message",
    'The "-h" option will show a usage message.',
]


@pytest.fixture(scope="module")
def evidence(tmp_path_factory):
    """A corpus where 命令 is written beside "command" often, and 信息 beside no English at all."""
    files = {
        "zh-command": ("zh", COMMAND_LINES),
        "en-order": ("en", ORDER_LINES),
        "zh-info": ("zh", INFO_LINES),
        "en-info": ("en", INFO_EN_LINES),
    }
    lib = _open(tmp_path_factory.mktemp("evidence"), files)
    yield lib
    lib.close()


def test_the_sense_the_corpus_writes_beside_the_word_wins(evidence):
    # CC-CEDICT's first sense of 命令 is "order"; this corpus writes "command" beside 命令 in 12 passages and
    # "order" in none, so 命令 searches "command" and not "order" (which the corpus holds: present, unsupported).
    assert evidence.search("order", exact=True).total == 3
    result = evidence.search("命令", limit=50)
    assert "command" in result.expanded and "order" not in result.expanded
    assert not any(line in _texts(result) for line in ORDER_LINES)
    compiler = evidence._compiler(False)
    assert compiler._together("命令", "command") == len(COMMAND_LINES)
    assert compiler._together("命令", "order") == 0


def test_without_support_a_chinese_word_gets_its_first_sense(evidence):
    # 信息: "information; news; message", none written beside it here: only the first sense is searched.
    result = evidence.search("信息", limit=50)
    assert [e for e in result.expanded if e.isascii()] == ["information"]
    assert INFO_EN_LINES[0] in _texts(result) and INFO_EN_LINES[1] not in _texts(result)


def test_english_keeps_every_headword_without_support(manpages):
    # The other direction has no first sense to fall back on: every headword whose sense is the typed word (as
    # before), so "backup" still reaches 备份 in a corpus that never writes them together.
    assert "备份" in manpages.search("backup").expanded


def test_pinyin_is_read_with_common_readings_only(evidence):
    # pypinyin reads 眼 yan or wen and 前 qian or jian; 眼前 is yan qian (CC-CEDICT), so `wenjian` is 文件 only.
    compiled = evidence.compile("wenjian")
    assert "文件" in compiled.expanded and "眼前" not in compiled.expanded
    assert "眼前" in evidence.compile("yanqian").expanded
    # ... and finds what 文件 typed finds, nothing more
    assert set(_texts(evidence.search("wenjian", limit=50))) == set(_texts(evidence.search("文件", limit=50)))


def test_repeated_searches_read_postings_once_and_agree(evidence, monkeypatch):
    from npf_tui.core.search import ranking

    first = evidence.search("命令", limit=50)
    ranker = evidence._block_ranker()
    assert ranker._term_cache  # kept for the next search
    again = evidence.search("命令", limit=50)
    assert [(h.doc_id, h.paragraph, h.score) for h in again.hits] == [
        (h.doc_id, h.paragraph, h.score) for h in first.hits
    ]
    # A cache too small for any term: every search reads afresh, with the same answer.
    monkeypatch.setattr(ranking, "MAX_CACHED_POSTINGS", 0)
    ranker.forget()
    small = evidence.search("命令", limit=50)
    assert not ranker._term_cache
    assert [(h.doc_id, h.paragraph, h.score) for h in small.hits] == [
        (h.doc_id, h.paragraph, h.score) for h in first.hits
    ]


def test_a_romanised_name_of_the_text_is_read_as_pinyin_too(tmp_path):
    """'Zhuanglong' is a word of the English text but no English word (no CC-CEDICT sense): `jin zhuanglong` also
    finds 金壮龙 where the Chinese text names him; 'china' (an English word) is not read as chi-na; --exact keeps
    what was typed."""
    lines = [
        "工业和信息化部部长金壮龙表示，要因地制宜发展新质生产力，推动传统产业改造升级。",
        "Minister Jin Zhuanglong said the ministry would develop new quality productive forces in China.",
    ]
    lib = _open(tmp_path, {"miit": ("zh", lines)})
    try:
        found = lib.search("jin zhuanglong")
        assert "金壮龙" in found.expanded and {h.paragraph for h in found.hits} == {1, 2}
        assert "jin zhuanglong" not in [e.casefold() for e in found.expanded]  # what was typed is no expansion
        assert {h.paragraph for h in lib.search("jin zhuanglong", exact=True).hits} == {2}
        assert not any("吃" in e or "赤" in e for e in lib.compile("china").expanded)
    finally:
        lib.close()
