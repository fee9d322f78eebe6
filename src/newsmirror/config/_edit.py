"""Changes to ``newsmirror.toml`` made by commands, keeping the user's comments, order and
layout (tomlkit); the result is validated like a loaded config before it is written."""

from __future__ import annotations

from pathlib import Path

from ..errors import ConfigError
from ._load import parse_config
from ._model import Config

__all__ = ["renamed_source_text"]


def renamed_source_text(config: Config, old: str, new: str) -> str:
    """The config file's text with source ``old`` named ``new``."""
    import tomlkit  # only commands that edit the file pay for importing it
    from tomlkit.exceptions import TOMLKitError

    path = config.path
    try:
        document = tomlkit.parse(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, TOMLKitError) as exc:
        raise ConfigError(f"{path}: cannot edit: {exc}") from None
    tables = [t for t in document.get("sources", []) if str(t.get("name", "")).strip() == old]
    if len(tables) != 1:
        raise ConfigError(f"{path}: no source named {old!r}")
    tables[0]["name"] = new
    text = tomlkit.dumps(document)
    parse_config(Path(path), text)  # e.g. two sources of one name: refused, file untouched
    return text
