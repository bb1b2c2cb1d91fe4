"""Smoke test of the benchmark: its functions run end to end on a tiny corpus (bundled data/ + five made-up pages)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

import run  # noqa: E402
from truth import Query, Term, ground_truth, load_queries, parse_boolean  # noqa: E402

from npf_tui.core.models import Document  # noqa: E402
from npf_tui.core.sources.corpus import bundled_corpus_dir, write_document  # noqa: E402

PAGES = [
    (
        "zh-cn-read-2",
        "zh",
        [
            "名称\nread - 从文件描述符读取",
            "read() 是一个系统调用，从文件描述符 fd 读取数据。",
            "在操作系统中，进程收到信号时 read 可能被中断。",
        ],
    ),
    (
        "zh-tw-read-2",
        "zh",
        [
            "名稱\nread - 從檔案描述符讀取",
            "read() 是一個系統呼叫，從檔案描述符 fd 讀取資料。",
            "目錄中的檔案與記憶體。使用者收到訊號。",
        ],
    ),
    (
        "zh-cn-env-1",
        "zh",
        [
            "环境变量 PATH 决定了搜索目录。",
            "标准输入来自管道；字符串以 NUL 结尾。",
            "守护进程不使用终端；文件系统已满时，内存不足。",
        ],
    ),
    (
        "en-read-2",
        "en",
        [
            "NAME\nread - read from a file descriptor",
            "The file descriptor refers to standard input.",
            "A signal may interrupt the call; see socket(7) and the certificate store.",
        ],
    ),
    (
        "en-grep-1",
        "en",
        [
            "grep searches for a regular expression in each FILE.",
            "Directory entries are skipped.",
            "Memory use grows with the line; 内存 (memory) is freed at exit.",
        ],
    ),
]


@pytest.fixture(scope="module")
def tiny_corpus(tmp_path_factory) -> Path:
    """The bundled corpus plus five small man-page-like documents, in a temporary folder."""
    corpus = tmp_path_factory.mktemp("bench-corpus")
    for path in bundled_corpus_dir().glob("*.md"):
        shutil.copy(path, corpus / path.name)
    for doc_id, lang, paras in PAGES:
        write_document(
            corpus,
            Document(
                doc_id=doc_id,
                title=doc_id,
                outlet="Debian manpages",
                language=lang,
                source_file=f"/usr/share/man/{doc_id}.gz",
                paragraphs=paras,
            ),
        )
    return corpus


def _run(corpus: Path, out: Path, systems: list[str], with_cli: bool) -> tuple[dict, Path]:
    """One benchmark pass on the tiny corpus (no apt, no corpus making)."""
    data = run.run_benchmark(
        corpus,
        out / "work",
        out / "results",
        "tiny",
        1,
        systems,
        BENCH / "queries.txt",
        "pytest smoke",
        with_cli=with_cli,
    )
    return data, out / "results"


@pytest.fixture(scope="module")
def results(tiny_corpus, tmp_path_factory) -> tuple[dict, Path]:
    """The fast systems (no jieba-based anchor, no process-level CLI figures)."""
    systems = ["npf", "fts5_trigram"] + (["ripgrep"] if shutil.which("rg") else [])
    return _run(tiny_corpus, tmp_path_factory.mktemp("bench-results"), systems, with_cli=False)


def check_results(results, with_cli: bool) -> None:
    """The JSON and the Markdown table are written, with the figures the issue asks for."""
    data, folder = results
    saved = json.loads((folder / f"{data['date']}-tiny.json").read_text(encoding="utf-8"))
    assert {"date", "machine", "corpus", "command", "queries", "systems", "ground_truth_counts"} <= saved.keys()
    assert saved["machine"]["nproc"] >= 1 and saved["corpus"]["documents"] == 13
    for name, figures in saved["systems"].items():
        assert "error" not in figures, (name, figures.get("error"))
        assert {"seconds", "peak_rss_mb"} <= figures["build"].keys()
        assert {"p50", "p95", "max"} <= figures["query"].keys()
        assert figures["query"]["p95"]["median"] >= figures["query"]["p50"]["median"]
        assert set(figures["recall"]["per_class"]) == {
            "zh_word",
            "zh_cross2",
            "zh_cross3",
            "zh_trad",
            "en_word",
            "phrase",
            "boolean",
        }
    if with_cli:
        cli = saved["systems"]["npf"]["cli"]
        assert {"cold_search", "add_cli", "add_cli_zh", "add_core", "tui_first_paint"} <= cli.keys()
        for key in ("cold_search", "add_cli", "add_cli_zh"):
            assert "error" not in cli[key], cli[key]
        assert all(cli["add_core"]["listed_after_add"]), cli["add_core"]
        tui = cli["tui_first_paint"]
        assert "error" not in tui, tui
        assert tui["process_seconds"]["median"] <= tui["ready_seconds"]["median"]
        assert "ratios_npf_to" in saved and "whoosh_jieba" in saved["ratios_npf_to"]
    assert "| system |" in (folder / f"{data['date']}-tiny.md").read_text(encoding="utf-8")


def test_results_files_have_the_expected_keys(results):
    """Fast systems only: keys and recall fields are there."""
    check_results(results, with_cli=False)


@pytest.mark.slow
def test_full_run_with_whoosh_and_cli(tiny_corpus, tmp_path_factory):
    """Every system plus npf's process-level figures (about 15-25 s: many fresh interpreters)."""
    before = sorted(p.name for p in tiny_corpus.glob("*.md"))
    systems = ["npf", "whoosh_jieba", "fts5_trigram"] + (["ripgrep"] if shutil.which("rg") else [])
    check_results(_run(tiny_corpus, tmp_path_factory.mktemp("bench-full"), systems, with_cli=True), with_cli=True)
    assert sorted(p.name for p in tiny_corpus.glob("*.md")) == before  # added documents are removed again


def test_substring_anchors_reach_full_recall_on_literal_classes(results):
    """FTS5 trigram (with its LIKE fallback) finds every paragraph containing a Chinese substring or English word."""
    per_class = results[0]["systems"]["fts5_trigram"]["recall"]["per_class"]
    for cls in ("zh_word", "zh_cross2", "zh_cross3", "en_word", "phrase"):
        assert per_class[cls]["min_recall"] == 1.0, cls


def test_ground_truth_counts_match_the_tiny_corpus(results):
    """Ground truth is a plain scan: 统调 is in both simplified pages' '系统调用'; 檔案 also stands for 档案."""
    counts = results[0]["ground_truth_counts"]
    assert counts["统调"] == 1  # only the zh_CN page writes 系统调用 (zh_TW writes 系統呼叫)
    assert counts["檔案"] == 3  # all three zh_TW paragraphs
    assert counts["wenjian"] is None


def test_query_parsing_and_truth():
    """Boolean queries become OR-groups of AND-ed terms; Traditional queries also match their Simplified form."""
    assert parse_boolean('a b OR "c d" NOT e') == [[Term("a"), Term("b")], [Term("c d", phrase=True), Term("e", True)]]
    paragraphs = [("x", 1, "檔案與目录"), ("x", 2, "目錄"), ("y", 1, "The File is here"), ("y", 2, "profile")]
    assert ground_truth(Query("zh_trad", "目錄"), paragraphs) == {("x", 1), ("x", 2)}
    assert ground_truth(Query("en_word", "file"), paragraphs) == {("y", 1)}
    assert ground_truth(Query("boolean", "目录 NOT 檔案"), paragraphs) == set()
    assert ground_truth(Query("pinyin", "mulu"), paragraphs) is None
    assert len(load_queries(BENCH / "queries.txt")) >= 30
