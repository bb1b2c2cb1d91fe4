"""`npf quote` and `npf cite` through the real entry point, on the bundled corpus with a temporary index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from npf_tui.cli import main

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture()
def run(index_dir, tmp_path, monkeypatch, capsys):
    """Run npf with the bundled corpus, the session index and a settings file pointing the quotes file into tmp."""
    config = tmp_path / "config.toml"
    quotes = tmp_path / "quotes.md"
    config.write_text(f"quotes_file = '{quotes}'\n", encoding="utf-8")
    monkeypatch.setenv("NPF_CONFIG", str(config))

    def _run(*argv):
        status = main(["--corpus", str(DATA), "--index", str(index_dir), *argv])
        out, err = capsys.readouterr()
        return status, out, err

    _run.quotes = quotes
    _run.config = config
    return _run


def test_quote_paragraph_plain(run):
    status, out, _ = run("quote", "Made in China 2025")
    assert status == 0
    first, _, reference = out.partition("\n\n")
    assert first.startswith("“The term describes China’s new industrial strategy")
    assert first.endswith("” (Xu, n.d., para. 2)")
    assert "‘Made in China 2025’" in first  # inner quotes flipped inside the quotation
    assert reference.strip() == "Xu, Yanzi. n.d. “Explaining China’s Focus on ‘New Quality Productive Forces.’”"


def test_quote_sentence_markdown_apa(run):
    status, out, _ = run("quote", "--sentence", "--format", "markdown", "--style", "apa", "Made in China 2025")
    assert status == 0
    lines = out.splitlines()
    assert lines[0].startswith("> It is the next evolution of the “Made in China 2025” strategy")
    assert lines[0].endswith("more efficiently.")
    assert lines[2] == "— Xu, Y. (n.d.). *Explaining China’s Focus on “New Quality Productive Forces.”* (paragraph 2)"


def test_quote_json(run):
    status, out, _ = run("quote", "--sentence", "--json", "Harbin")
    data = json.loads(out)
    assert status == 0 and data["doc_id"] == "semafor-2024-xi-catchphrase"
    assert data["in_text"].startswith("(Semafor 2024, para.") and data["sentence"] == 1
    assert data["formatted"].startswith("“" + data["text"][:30])


def test_quote_no_match(run):
    status, out, err = run("quote", "zzqqxxyy")
    assert status == 1 and out == "" and err.strip() == "npf: no passage matches 'zzqqxxyy'"


def test_quote_copy_without_clipboard_keeps_quote_in_quotes_file(run, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr("npf_tui.core.cite.clipboard.terminal_osc52_writer", lambda: None)
    status, out, err = run("quote", "--copy", "--sentence", "Harbin")
    assert status == 0
    body = run.quotes.read_text(encoding="utf-8")
    assert "Harbin" in body and "Semafor. 2024." in body and "<!-- semafor-2024-xi-catchphrase ¶" in body
    assert "saved in" in err


def test_quote_uses_settings_default_style(run):
    run.config.write_text("default_style = 'mla'\n", encoding="utf-8")
    status, out, _ = run("quote", "Harbin")
    assert status == 0 and "(“What Xi Jinping’s New Catchphrase Means for China and the World,” par." in out


def test_cite_styles_and_formats(run):
    assert (
        run("cite", "rainey")[1]
        == "Rainey, Jacque. 2024. “A New Catch Phrase in Xi’s China: New Productive Forces (新质生产力).” May 20.\n"
    )
    assert run("cite", "rainey", "--style", "apa")[1].startswith("Rainey, J. (2024, May 20).")
    assert run("cite", "rainey", "-s", "gb7714")[1].startswith("RAINEY J, 2024.")
    status, out, _ = run("cite", "semafor", "--csl-json")
    item = json.loads(out)[0]
    assert status == 0 and item["container-title"] == "Semafor"
    # keyed by the citation key (core/cite/keys.py), as pandoc's [@key] and biblatex's \autocite{key} expect
    assert item["id"] == item["citation-key"] == "semafor2024WhatXiJinpings"
    assert run("cite", "semafor", "--bibtex")[1].startswith("@article{semafor2024WhatXiJinpings,")


def test_cite_errors(run):
    status, out, err = run("cite", "rainey", "--style", "harvard")
    assert status == 2 and err.startswith(
        "npf: error: unknown citation style 'harvard' (choose from: chicago-author-date"
    )
    status, _, err = run("cite", "no-such-doc")
    assert status == 1 and "no document" in err
    run.config.write_text("default_style = [\n", encoding="utf-8")
    status, _, err = run("cite", "rainey")
    assert status == 2 and "not valid TOML" in err and "Traceback" not in err


# -- --sentence: the best sentence (core/text/sentences.py best_sentence: the phrase, else the rarest terms) ----------
def sentence_of(run, *query: str) -> dict:
    status, out, err = run("quote", "--sentence", "--json", *query)
    assert status == 0, err
    return json.loads(out)


def test_sentence_holding_the_quoted_words_not_the_first_match(run):
    # measured before: the paragraph's first sentence (about Yu Jie: its "China" and "by" come first)
    data = sentence_of(run, "Only by opening up can China realize modernization")
    assert (data["doc_id"], data["paragraph"], data["sentence"]) == ("semafor-2024-xi-catchphrase", 11, 4)
    assert data["text"] == (
        "In talks last year with New Zealand’s prime minister, the Chinese leader said: "
        "“Only by opening up can China realize modernization.”"
    )


def test_sentence_with_an_abbreviation_inside(run):
    # measured before: "Xi has moved to pour more funds…" (the expansion "United States" matched first)
    data = sentence_of(run, "slammed by U.S. officials")
    assert (data["paragraph"], data["sentence"]) == (8, 5)
    assert data["text"].startswith("These efforts have been slammed by U.S. officials for being equivalent")
    assert data["text"].endswith("while also working in China.")  # "U.S. institutions" does not end it either


def test_sentence_in_chinese(run):
    # Rainey ¶9, three sentences; 科技创新 and 产业 are in all three, 资源 only in the third: the rarest term decides.
    data = sentence_of(run, "科技创新 资源 产业")
    assert (data["doc_id"], data["paragraph"], data["sentence"]) == ("rainey-2024-new-catch-phrase", 9, 3)
    assert data["text"].startswith("整合科技创新资源")
    # the words in order, typed in Traditional: the phrase 科技创新的增量器 is in the second sentence only
    data = sentence_of(run, "科技創新 的 增量器")
    assert (data["paragraph"], data["sentence"]) == (9, 2)
    assert data["text"].startswith("要立足现有产业基础") and data["text"].endswith("调整产业结构。")


def test_sentence_in_mixed_text(run):
    # Rainey ¶11: "productive" is in sentences 1, 2 and 4; the phrase with the Chinese name only in sentence 2
    data = sentence_of(run, "Productive Science (中国生产力学会)")
    assert (data["paragraph"], data["sentence"]) == (11, 2)
    assert data["text"] == (
        "The first of this was fittingly established by the China Association of Productive Science "
        "(中国生产力学会) or CAPS."
    )
    # Rainey ¶14: CAPS is in sentences 3, 6 and 7 of 7, 一般行政管理事务 only in 6 (no phrase: the terms decide)
    data = sentence_of(run, "CAPS 一般行政管理事务")
    assert (data["paragraph"], data["sentence"]) == (14, 6)
    assert data["text"].startswith("According to CAPS’ own operating budget for 2024")


# -- --hit N ----------------------------------------------------------------------------------------------------------
def test_quote_nth_hit_as_search_numbers_them(run):
    status, out, _ = run("search", "--json", "china")
    hits = json.loads(out)["hits"]
    status, out, _ = run("quote", "--json", "--hit", "4", "china")
    data = json.loads(out)
    assert status == 0 and (data["doc_id"], data["paragraph"]) == (hits[3]["doc_id"], hits[3]["paragraph"])
    status, out, _ = run("quote", "--json", "--hit", "1", "china")
    assert (json.loads(out)["doc_id"], json.loads(out)["paragraph"]) == (hits[0]["doc_id"], hits[0]["paragraph"])


def test_quote_hit_out_of_range(run, capsys):
    status, out, err = run("quote", "--hit", "9", "Harbin")
    assert status == 1 and out == "" and err.strip() == "npf: error: no hit 9 for 'Harbin': it has 1 hit"
    status, out, err = run("quote", "--hit", "2", "zzqqxxyy")
    assert status == 1 and err.strip() == "npf: no passage matches 'zzqqxxyy'"
    with pytest.raises(SystemExit) as exc:  # argparse: an option that cannot be understood
        run("quote", "--hit", "0", "Harbin")
    assert exc.value.code == 2 and "argument --hit: must be 1 or more" in capsys.readouterr().err
