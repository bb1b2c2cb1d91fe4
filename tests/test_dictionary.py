"""CC-CEDICT compiled for a corpus (npf_tui/core/text/dictionary.py): parsing, sense folding, restriction, weighting."""

from __future__ import annotations

import gzip

import pytest

from npf_tui.core.search.pinyin_map import bigrams_of
from npf_tui.core.text.dictionary import (
    DICTIONARY_FILE,
    Dictionary,
    compile_dictionary,
    gloss_key,
    is_current,
    parse_line,
    source_path,
)

# Lines of Debian's manpages-zh (zh_CN) pages, as they are in the benchmark corpus.
MANPAGE_LINES = [
    "为每个已存在的目标文件创建一个备份",
    "使用指定的方法加密密码。",
    "EROFS 套接字节点位于只读文件系统.",
    "chattr - 修改 Linux 文件系统中的文件属性",
    "daemon - 编写与打包系统守护进程",
    "在被分析的字段中最大的统计目标决定为统计采样的表中的行的数目。",
    "一个操作系统的内核",
]


@pytest.fixture(scope="module")
def manpage_dictionary(tmp_path_factory) -> Dictionary:
    """The dictionary compiled for the few manpage lines above."""
    path = tmp_path_factory.mktemp("dict") / DICTIONARY_FILE
    compile_dictionary(path, bigrams_of(MANPAGE_LINES))
    return Dictionary(path)


def test_the_shipped_file_is_cc_cedict():
    with gzip.open(source_path(), "rt", encoding="utf-8") as handle:
        head = [next(handle) for _ in range(30)]
    assert any("CC-CEDICT" in line for line in head)
    assert any("Creative Commons Attribution-ShareAlike" in line or "CC BY-SA" in line for line in head)


def test_parse_line_reads_a_real_entry():
    entry = parse_line("備份 备份 [bei4 fen4] /backup/")
    assert entry is not None
    assert (entry.simplified, entry.traditional, entry.pinyin, entry.senses) == (
        "备份",
        "備份",
        "bei4 fen4",
        ("backup",),
    )
    assert parse_line("# CC-CEDICT") is None


def test_gloss_keys_fold_qualifiers_articles_and_stems():
    assert gloss_key("(computer) software") == gloss_key("software")
    assert gloss_key("to encrypt") == gloss_key("encrypt")
    assert gloss_key("file systems") == gloss_key("file system")
    # Not translations: classifiers, cross-references, long descriptions.
    assert gloss_key("CL:個|个[ge4]") == ""
    assert gloss_key("variant of 備份|备份") == ""
    assert gloss_key("to make a copy of a file in case the original is lost") == ""


def test_english_to_chinese_is_specific(manpage_dictionary):
    assert [e.text for e in manpage_dictionary.chinese_for("backup")] == ["备份"]
    assert "加密" in [e.text for e in manpage_dictionary.chinese_for("encryption")]
    assert "加密" in [e.text for e in manpage_dictionary.chinese_for("encrypt")]
    # 操作系统 is glossed "operating system": it mentions "system" but is no translation of it.
    system = [e.text for e in manpage_dictionary.chinese_for("system")]
    assert "系统" in system and "操作系统" not in system
    assert [e.text for e in manpage_dictionary.chinese_for("operating system")] == ["操作系统"]


def test_chinese_to_english(manpage_dictionary):
    english = [e.text for e in manpage_dictionary.english_for("加密")]
    assert "encrypt" in english and "encryption" in english
    entries = manpage_dictionary.entries("備份")  # Traditional is folded
    assert entries and entries[0].pinyin == "bei4 fen4"


def test_restricted_to_the_corpus(manpage_dictionary):
    # 自立自强 is in CC-CEDICT but not in these lines: not compiled.
    assert manpage_dictionary.entries("自立自强") == []
    assert manpage_dictionary.chinese_for("self-reliant") == []


def test_missing_or_old_file_answers_nothing(tmp_path):
    assert Dictionary(None).chinese_for("backup") == []
    missing = Dictionary(tmp_path / DICTIONARY_FILE)
    assert missing.chinese_for("backup") == [] and missing.entries("备份") == []
    assert not is_current(tmp_path / DICTIONARY_FILE)


def test_the_bundled_index_has_its_dictionary(library):
    path = library.gen_dir / DICTIONARY_FILE
    assert is_current(path)
    # The bundled corpus writes 中国; the dictionary glosses it "China".
    assert "中国" in [e.text for e in Dictionary(path).chinese_for("China")]


def test_answers_are_kept_and_cannot_be_changed_by_a_caller(tmp_path):
    # Look-ups are kept for the process (the file of a generation never changes); a caller changing the list it got
    # does not change the next answer, and the kept answer survives the file being closed.
    path = tmp_path / DICTIONARY_FILE
    compile_dictionary(path, bigrams_of(MANPAGE_LINES))
    dictionary = Dictionary(path)
    first = dictionary.chinese_for("backup")
    first.append(first[0])
    entries = dictionary.entries("备份")
    entries.clear()
    assert dictionary.has_key("backup")
    dictionary.close()
    path.unlink()  # the kept answers are not read again
    assert [e.text for e in dictionary.chinese_for("backup")] == ["备份"]
    assert [e.pinyin for e in dictionary.entries("备份")] == ["bei4 fen4"]
    assert dictionary.has_key("backup")
    dictionary.forget()
    assert dictionary.entries("备份") == []  # asked afresh: the file is gone
