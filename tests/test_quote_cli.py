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
    assert lines[2] == "— Xu, Y. (n.d.). *Explaining China’s Focus on “New Quality Productive Forces”*. (paragraph 2)"


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
    assert status == 0 and json.loads(out)[0]["container-title"] == "Semafor"
    assert run("cite", "semafor", "--bibtex")[1].startswith("@article{semafor-2024-xi-catchphrase,")


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
