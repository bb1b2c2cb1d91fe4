"""The command line of the search core: output formats, exit codes, one-line errors, index lifecycle."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from npf_tui.cli import main
from npf_tui.core.errors import Cancelled
from npf_tui.core.search.index import ensure_index
from npf_tui.core.search.manifest import CURRENT_FILE, current_generation

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


def run(capsys, *argv):
    """Run `npf argv…` in-process; returns (status, stdout, stderr)."""
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_search_json_schema(capsys, cli):
    status, out, _ = run(capsys, *cli, "search", "刘海清", "--json")
    data = json.loads(out)
    assert status == 0
    assert set(data) >= {"query", "expanded", "total", "took_ms", "hits"}
    assert data["query"] == "刘海清" and "Liu Haiqing" in data["expanded"]
    hit = data["hits"][0]
    assert set(hit) >= {"doc_id", "title", "author", "outlet", "published", "paragraph", "score", "snippet", "text"}
    assert "**" in hit["snippet"] and "刘海清" in hit["text"]


def test_search_text_output(capsys, cli):
    status, out, _ = run(capsys, *cli, "search", "Heilongjiang", "--limit", "2")
    assert status == 0
    assert "passages for 'Heilongjiang'" in out and "¶" in out and "**Heilongjiang" in out
    assert out.count("¶") == 2


def test_exact_turns_expansion_off(capsys, cli):
    _, out, _ = run(capsys, *cli, "search", "刘海清", "--json", "--exact")
    assert json.loads(out)["expanded"] == []


def test_no_match_exits_1(capsys, cli):
    status, out, _ = run(capsys, *cli, "search", "zzzqqqxxx", "--json")
    assert status == 1 and json.loads(out)["total"] == 0


@pytest.mark.parametrize("query", ["(((", "()", "published:[spring TO summer]"])
def test_bad_query_one_line_error_exit_2(capsys, cli, query):
    status, out, err = run(capsys, *cli, "search", query)
    assert status == 2 and err.startswith("npf: error: ") and err.count("\n") == 1 and "Traceback" not in err


def test_docs_and_show(capsys, cli):
    status, out, _ = run(capsys, *cli, "docs", "--json")
    docs = json.loads(out)
    assert status == 0 and len(docs) >= 8
    rainey = next(d for d in docs if d["doc_id"] == "rainey-2024-new-catch-phrase")
    assert rainey["author"] == "Jacque Rainey" and rainey["published"] == "2024-05-20"
    status, out, _ = run(capsys, *cli, "show", "rainey", "--para", "2")
    assert status == 0 and "¶2 " in out and "¶3 " not in out
    status, out, _ = run(capsys, *cli, "show", "rainey")
    assert out.count("\n¶") == rainey["paragraphs"]


def test_unknown_document_and_paragraph(capsys, cli):
    status, _, err = run(capsys, *cli, "show", "no-such-doc")
    assert status == 1 and err.startswith("npf: error: no document")
    status, _, err = run(capsys, *cli, "show", "rainey", "--para", "999")
    assert status == 1 and "paragraphs" in err


def test_missing_corpus_folder(capsys, tmp_path):
    status, _, err = run(capsys, "--corpus", str(tmp_path / "nope"), "--index", str(tmp_path / "i"), "search", "x")
    assert status == 1 and "corpus folder not found" in err and "Traceback" not in err


def test_environment_variables_select_corpus_and_index(capsys, monkeypatch, corpus_copy, tmp_path):
    monkeypatch.setenv("NPF_CORPUS", str(corpus_copy))
    monkeypatch.setenv("NPF_INDEX", str(tmp_path / "envindex"))
    status, _, _ = run(capsys, "search", "Heilongjiang")
    assert status == 0 and (tmp_path / "envindex" / CURRENT_FILE).exists()


# -- index lifecycle ---------------------------------------------------------------------------------------------
def test_index_follows_new_edited_and_removed_files(capsys, corpus_copy, tmp_path):
    cli = ["--corpus", str(corpus_copy), "--index", str(tmp_path / "idx")]
    assert run(capsys, *cli, "search", "zebrafinch")[0] == 1
    doc = corpus_copy / "by-hand.md"
    doc.write_text("---\ntitle: Added by hand\nlanguage: en\n---\n\nA zebrafinch sings.\n", encoding="utf-8")
    status, out, _ = run(capsys, *cli, "search", "zebrafinch", "--json")
    assert status == 0 and json.loads(out)["hits"][0]["doc_id"] == "by-hand"
    doc.write_text("---\ntitle: Added by hand\nlanguage: en\n---\n\nA nightingale sings.\n", encoding="utf-8")
    assert run(capsys, *cli, "search", "zebrafinch")[0] == 1
    assert run(capsys, *cli, "search", "nightingale")[0] == 0
    doc.unlink()
    assert run(capsys, *cli, "search", "nightingale")[0] == 1


def test_interrupted_build_keeps_previous_index(corpus_copy, tmp_path):
    index = tmp_path / "idx"
    gen, _, _ = ensure_index(corpus_copy, index)
    cancel = threading.Event()

    def cancel_midway(done, total, message):
        if done > 3:
            cancel.set()

    with pytest.raises(Cancelled):
        ensure_index(corpus_copy, index, rebuild=True, progress=cancel_midway, cancel=cancel)
    assert current_generation(index) == gen
    assert [p.name for p in index.iterdir() if p.name.startswith("gen-")] == [gen.name]


@pytest.mark.parametrize("damage", ["truncate", "empty", "garbage", "current"])
def test_damaged_index_is_rebuilt(capsys, corpus_copy, tmp_path, damage):
    index = tmp_path / "idx"
    cli = ["--corpus", str(corpus_copy), "--index", str(index)]
    assert run(capsys, *cli, "search", "Heilongjiang")[0] == 0
    gen = current_generation(index)
    if damage == "current":
        (index / CURRENT_FILE).write_text("gen-does-not-exist\n")
    else:
        for path in gen.iterdir():
            if path.suffix in (".seg", ".toc", ".json"):
                if damage == "truncate":
                    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 3])
                elif damage == "empty":
                    path.write_bytes(b"")
                else:
                    path.write_bytes(os.urandom(200))
    status, out, err = run(capsys, *cli, "search", "Heilongjiang", "--json")
    assert status == 0 and json.loads(out)["total"] > 0 and "Traceback" not in err


def test_index_built_for_another_corpus_is_rebuilt(capsys, corpus_copy, tmp_path):
    index = tmp_path / "idx"
    other = tmp_path / "other"
    other.mkdir()
    (other / "one.md").write_text("---\ntitle: One\n---\n\nOnly a walrus here.\n", encoding="utf-8")
    assert run(capsys, "--corpus", str(other), "--index", str(index), "search", "walrus")[0] == 0
    status, _, err = run(capsys, "--corpus", str(corpus_copy), "--index", str(index), "search", "walrus")
    assert status == 1 and "another corpus" in err


def test_index_command(capsys, corpus_copy, tmp_path):
    cli = ["--corpus", str(corpus_copy), "--index", str(tmp_path / "idx")]
    status, out, _ = run(capsys, *cli, "index", "--json")
    first = json.loads(out)
    assert status == 0 and first["documents"] >= 8
    status, out, _ = run(capsys, *cli, "index", "--rebuild", "--json")
    assert json.loads(out)["index"] != first["index"]


def test_bad_front_matter_is_skipped_with_a_notice(capsys, corpus_copy, tmp_path):
    (corpus_copy / "broken.md").write_text("---\ntitle: [unclosed\n---\n\ntext\n", encoding="utf-8")
    status, _, err = run(capsys, "--corpus", str(corpus_copy), "--index", str(tmp_path / "i"), "search", "Xi")
    assert status == 0 and "skipped" in err and "broken.md" in err


# -- the core and the search path stay free of the UI ---------------------------------------------------------------
def test_core_and_cli_search_do_not_import_textual(index_dir, library):
    code = (
        "import sys\n"
        "import npf_tui.core.search.library, npf_tui.core.search.index, npf_tui.core.search.query, npf_tui.output\n"
        "from npf_tui.cli import main\n"
        f"main(['--corpus', {str(DATA)!r}, '--index', {str(index_dir)!r}, 'search', 'Xi', '--json'])\n"
        "bad = [m for m in ('textual', 'rich') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_a_search_imports_no_other_command(index_dir, library):
    """`npf search` imports its own command module only: not the entity store, the importers or the annotation
    store's anchoring and export (~60 ms of a cold search at 100 MB)."""
    code = (
        "import sys\n"
        "from npf_tui.cli import main\n"
        f"main(['--corpus', {str(DATA)!r}, '--index', {str(index_dir)!r}, 'search', '新质生产力', '--json'])\n"
        "heavy = ('npf_tui.core.entities.store', 'npf_tui.core.search.updates', 'npf_tui.core.sources.ingest',\n"
        "         'npf_tui.core.annotations.anchoring', 'npf_tui.core.annotations.export', 'npf_tui.commands.notes')\n"
        "bad = [m for m in heavy if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_each_subcommand_is_registered_by_the_module_the_map_names():
    """commands.COMMANDS names, for every subcommand, the module whose register() adds it (a command missing from
    the map would load every module; a wrong module would make the command unknown)."""
    import argparse

    from npf_tui.commands import COMMANDS, MODULES, command_modules

    registered = {}
    for name in MODULES:
        parser = argparse.ArgumentParser()
        sub = parser.add_subparsers(dest="command")
        (module,) = command_modules(next(c for c, m in COMMANDS.items() if m == name))
        module.register(sub)
        registered.update(dict.fromkeys(sub.choices, name))
    assert registered == COMMANDS


def test_the_command_word_skips_the_values_of_global_options():
    from npf_tui.cli import build_parser, command_word

    assert command_word(["--corpus", "search", "--index", "add", "docs", "x"]) == "docs"
    assert command_word(["--corpus=search", "show", "a"]) == "show"
    assert command_word(["--demo"]) is None and command_word(["--", "search"]) is None
    # The parser of the command alone reads a command line exactly as the parser of every command does.
    for argv in (["--corpus", "search", "add", "f.txt"], ["--demo", "pick", "xi"], ["--index", "i", "tags"]):
        assert vars(build_parser(command_word(argv)).parse_args(argv)) == vars(build_parser().parse_args(argv))


def test_npf_entry_point_runs_as_a_process(index_dir, library):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "npf_tui.cli",
            "--corpus",
            str(DATA),
            "--index",
            str(index_dir),
            "search",
            "(((",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and proc.stderr.startswith("npf: error:") and "Traceback" not in proc.stderr
