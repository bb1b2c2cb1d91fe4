"""User settings (default citation style, quote format, quotes file, the reader's colour theme) in a TOML file in the
platform's config folder."""

from __future__ import annotations

import contextlib
import os
import re
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from npf_tui.core.errors import NpfError
from npf_tui.core.fsutil import atomic_write_text
from npf_tui.core.paths import config_dir, data_dir

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

FORMATS = ("plain", "markdown")


class SettingsError(NpfError):
    """The settings file cannot be read or holds a bad value."""

    exit_code = 2


@dataclass
class Settings:
    """What the user can set; empty quotes_file means the default in the platform's data folder, an empty theme
    the reader's default (a theme name is checked by the reader, which knows its themes: an unknown one is ignored)."""

    default_style: str = "chicago-author-date"
    default_format: str = "plain"
    quotes_file: str = ""
    theme: str = ""
    resume: bool = False  # the reader reopens the last session's documents (as `npf --resume`)

    def quotes_path(self) -> Path:
        """The quotes file: as set (with ~ expanded), else data_dir()/quotes.md."""
        if self.quotes_file:
            return Path(self.quotes_file).expanduser()
        return data_dir() / "quotes.md"


#: Settings that are true/false rather than text.
_BOOLEAN_KEYS = frozenset({"resume"})


def settings_path() -> Path:
    """The settings file: $NPF_CONFIG if set, else config_dir()/config.toml."""
    override = os.environ.get("NPF_CONFIG")
    return Path(override).expanduser() if override else config_dir() / "config.toml"


def load_settings(path: Path | None = None) -> Settings:
    """Read the settings (defaults for a missing file or missing keys); SettingsError for a malformed file."""
    path = Path(path) if path else settings_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Settings()
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read settings ({exc.strerror})") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path}: not valid TOML ({exc})") from None
    settings = Settings()
    for key, value in data.items():
        if key not in Settings.__dataclass_fields__:
            continue  # unknown keys belong to newer versions or other parts of the program; keep quiet
        if key in _BOOLEAN_KEYS:
            if not isinstance(value, bool):
                raise SettingsError(f"{path}: '{key}' must be true or false")
            setattr(settings, key, value)
            continue
        if not isinstance(value, str):
            raise SettingsError(f"{path}: '{key}' must be a string")
        setattr(settings, key, value.strip())
    if settings.default_format not in FORMATS:
        raise SettingsError(f"{path}: default_format must be one of {', '.join(FORMATS)}")
    if settings.default_style:
        from npf_tui.core.cite.citation import resolve_style

        try:
            settings.default_style = resolve_style(settings.default_style).name
        except NpfError as exc:
            raise SettingsError(f"{path}: {exc}") from None
    else:
        settings.default_style = Settings.default_style
    return settings


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write the settings atomically, keeping the file's comments, layout and other keys; returns the path.

    A symbolic link (a config kept in a dotfiles repository) is written through: its target is replaced atomically
    and the link stays a link. The file is edited, not regenerated: a setting already there has its value replaced
    on its own line (its trailing comment kept), a missing one is added after the last top-level key. The edit is
    read back and compared with what it must hold; only a layout this line editor does not understand (a value
    spread over several lines) is written out whole, without its comments — the settings themselves are never lost.
    """
    import tomli_w

    path = Path(path) if path else settings_path()
    target = Path(os.path.realpath(path))  # through every link; a dangling link's target is created
    text = ""
    data: dict = {}
    mode = None
    if target.exists():
        try:
            text = target.read_text(encoding="utf-8")
            data = tomllib.loads(text)
            mode = target.stat().st_mode & 0o7777
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
            # never overwrite a file we cannot read back: the user's other settings would be lost
            raise SettingsError(f"{path}: not saved, the existing file cannot be read ({exc})") from None
    values = asdict(settings)
    if not values["theme"] and "theme" not in data:
        del values["theme"]  # no theme chosen: the file does not grow a `theme = ""` line
    if not values["resume"] and "resume" not in data:
        del values["resume"]  # nor a `resume = false` line
    wanted = {**data, **values}
    edited = _edit_top_level(text, {k: v for k, v in values.items() if data.get(k) != v}, set(data))
    if edited is None or _loads_or_none(edited) != wanted:
        edited = tomli_w.dumps(wanted)
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(target, edited)
    if mode is not None:
        # atomic_write_text gives a new file the umask's mode; a config the user made private stays private.
        with contextlib.suppress(OSError):
            os.chmod(target, mode)
    return path


#: A top-level `key = "string"` line (bare or quoted key, basic or literal one-line string, optional comment).
_KEY_LINE = re.compile(
    r"""^[ \t]*(?P<key>[A-Za-z0-9_-]+|"[^"\\\n]*"|'[^'\n]*')[ \t]*=[ \t]*"""
    r"""(?P<value>"(?:[^"\\\n]|\\.)*"|'[^'\n]*')(?P<rest>[ \t]*(?:#[^\n]*)?)$"""
)
_TABLE_LINE = re.compile(r"^[ \t]*\[")


def _edit_top_level(text: str, updates: dict[str, str], present: set[str]) -> str | None:
    """`text` with each top-level string key of `updates` set (its line edited in place, or a line added after the
    last top-level key); None when a key to change is in the file (`present`) but not on a line of the simple form.
    The caller reads the result back: anything this misjudges (a multi-line string) falls back on a full write."""
    import tomli_w

    if not updates:
        return text
    lines = re.findall(r"[^\n]*\n|[^\n]+$", text)  # only \n ends a TOML line (splitlines also cuts at \x0c, \u2028)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    end = next((i for i, line in enumerate(lines) if _TABLE_LINE.match(line)), len(lines))  # top level: before [x]
    pending = dict(updates)
    last_key = -1
    for i in range(end):
        line = lines[i].rstrip("\r\n")
        match = _KEY_LINE.match(line)
        if match is None:
            if "=" in line and not line.lstrip().startswith("#"):
                last_key = i  # some other key-value line: new keys go after it
            continue
        last_key = i
        key = match.group("key").strip("\"'")
        if key in pending:
            value = tomli_w.dumps({"k": pending.pop(key)})[len("k = ") :].rstrip("\n")
            newline = lines[i][len(line) :]
            lines[i] = line[: match.start("value")] + value + match.group("rest") + newline
    if pending.keys() & present:
        return None
    if pending:
        added = [tomli_w.dumps({key: value}) for key, value in pending.items()]
        at = last_key + 1 if last_key >= 0 else end
        if last_key < 0 and end < len(lines):
            while at > 0 and lines[at - 1].lstrip().startswith("#"):
                at -= 1  # the comments just above the first table describe it: the new keys go above them
        if at < len(lines) and lines[at].strip():
            added.append("\n")  # a blank line between the new keys and a table or comment that follows
        lines[at:at] = added
    return "".join(lines)


def _loads_or_none(text: str) -> dict | None:
    """The parsed TOML, or None when the edit broke it (then the file is written out whole)."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None
