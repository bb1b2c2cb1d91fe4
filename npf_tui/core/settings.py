"""User settings (default citation style, quote format, quotes file) in a TOML file in the platform's config folder."""

from __future__ import annotations

import os
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
    """What the user can set; empty quotes_file means the default in the platform's data folder."""

    default_style: str = "chicago-author-date"
    default_format: str = "plain"
    quotes_file: str = ""

    def quotes_path(self) -> Path:
        """The quotes file: as set (with ~ expanded), else data_dir()/quotes.md."""
        if self.quotes_file:
            return Path(self.quotes_file).expanduser()
        return data_dir() / "quotes.md"


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
    """Write the settings atomically (other keys already in the file are kept); returns the path."""
    import tomli_w

    path = Path(path) if path else settings_path()
    data: dict = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
            # never overwrite a file we cannot read back: the user's other settings would be lost
            raise SettingsError(f"{path}: not saved, the existing file cannot be read ({exc})") from None
    data.update(asdict(settings))
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, tomli_w.dumps(data))
    return path
