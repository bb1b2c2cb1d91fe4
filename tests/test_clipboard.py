"""The clipboard module: the quotes file is always written first, failures are reported, OSC 52 is well formed."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys
import time
import uuid

import pytest

from npf_tui.core.cite import clipboard
from npf_tui.core.settings import Settings, SettingsError, load_settings, save_settings


def _fail(_text):
    raise RuntimeError("Pyperclip could not find a copy/paste mechanism for your system.")


def test_failing_clipboard_still_leaves_the_quote_in_the_quotes_file(tmp_path):
    quotes = tmp_path / "sub" / "quotes.md"
    report = clipboard.copy(
        "“Quoted text.” (Rainey 2024)",
        quotes_file=quotes,
        citation="Rainey, Jacque. 2024.",
        write_osc52=_fail,
        pyperclip_copy=_fail,
    )
    assert report.saved and not report.copied
    assert "Pyperclip could not find" in report.pyperclip_error and "terminal clipboard failed" in report.osc52_error
    body = quotes.read_text(encoding="utf-8")
    assert "> “Quoted text.” (Rainey 2024)" in body and "— Rainey, Jacque. 2024." in body
    assert "saved in" in report.summary()


def test_quotes_file_is_appended_never_truncated(tmp_path):
    quotes = tmp_path / "quotes.md"
    quotes.write_text("# my earlier notes\n\nkeep me\n", encoding="utf-8")
    for n in range(3):
        clipboard.copy(f"quote {n}", quotes_file=quotes, citation=f"cite {n}", use_pyperclip=False)
    body = quotes.read_text(encoding="utf-8")
    assert body.startswith("# my earlier notes\n\nkeep me\n")
    assert [body.index(f"> quote {n}") for n in range(3)] == sorted(body.index(f"> quote {n}") for n in range(3))
    assert body.count("## 20") == 3  # each entry carries the time it was taken


def test_unwritable_quotes_file_is_reported_not_raised(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    sent = []
    report = clipboard.copy("text", quotes_file=blocker / "quotes.md", write_osc52=sent.append, use_pyperclip=False)
    assert not report.saved and report.save_error.startswith("quotes file not written")
    assert report.osc52 and sent == ["text"]


def test_pyperclip_without_display_is_reported(tmp_path, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    report = clipboard.copy("t", quotes_file=tmp_path / "q.md")
    assert not report.pyperclip and "no local clipboard" in report.pyperclip_error and report.saved


def test_osc52_sequence():
    seq = clipboard.osc52_sequence("新质生产力 ok", env={})
    assert seq.startswith("\x1b]52;c;") and seq.endswith("\x07")
    assert base64.b64decode(seq[7:-1]).decode("utf-8") == "新质生产力 ok"
    assert clipboard.osc52_sequence("x", env={"TMUX": "/tmp/t,1,0"}) == clipboard.osc52_sequence("x", env={})
    assert clipboard.osc52_sequence("x", env={"STY": "1.pts"}).startswith("\x1bP\x1b]52;c;")


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux not installed")
def test_plain_osc52_reaches_tmux_buffer(tmp_path):
    """With `set-clipboard on`, the plain sequence lands in tmux's paste buffer (what the TUI and CLI send)."""
    socket = f"npf-test-{uuid.uuid4().hex[:8]}"
    payload = tmp_path / "seq"
    payload.write_text(clipboard.osc52_sequence("npf osc52 check", env={"TMUX": "1"}), encoding="ascii")
    tmux = ["tmux", "-L", socket, "-f", os.devnull]
    subprocess.run(tmux + ["new-session", "-d", "-s", "t", "-x", "80", "-y", "20"], check=True)
    try:
        subprocess.run(tmux + ["set", "-s", "set-clipboard", "on"], check=True)
        subprocess.run(tmux + ["send-keys", "-t", "t", f"cat {payload}", "Enter"], check=True)
        for _ in range(50):
            out = subprocess.run(tmux + ["show-buffer"], capture_output=True, text=True)
            if out.returncode == 0 and out.stdout:
                break
            time.sleep(0.1)
        assert out.stdout == "npf osc52 check"
    finally:
        subprocess.run(tmux + ["kill-server"], capture_output=True)


def test_settings_defaults_roundtrip_and_errors(tmp_path, monkeypatch):
    path = tmp_path / "config.toml"
    monkeypatch.setenv("NPF_CONFIG", str(path))
    assert load_settings() == Settings()
    save_settings(Settings(default_style="apa", default_format="markdown", quotes_file=str(tmp_path / "q.md")))
    loaded = load_settings()
    assert (loaded.default_style, loaded.default_format, loaded.quotes_path()) == ("apa", "markdown", tmp_path / "q.md")
    path.write_text("default_style = 'mla'\nextra_key = 1\n", encoding="utf-8")
    assert load_settings().default_style == "mla"
    path.write_text("default_style = [\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings()
    with pytest.raises(SettingsError):
        save_settings(Settings())  # never overwrite a file we cannot read back
    path.write_text("default_style = 'harvard'\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="unknown citation style"):
        load_settings()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG folders are the Linux convention")
def test_default_quotes_file_follows_platform_dirs(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert Settings().quotes_path() == tmp_path / "data" / "npf-tui" / "quotes.md"
