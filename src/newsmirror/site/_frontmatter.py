"""Values of the site's ``_config.yml`` that newsmirror needs to compute URLs."""

from __future__ import annotations

import re
from pathlib import Path

from ..post import scalar

__all__ = ["config_value"]


def config_value(site_dir: Path, key: str) -> str | None:
    """A top-level scalar of the site's ``_config.yml`` (None when absent)."""
    path = site_dir / "_config.yml"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    m = re.search(rf"^{re.escape(key)}:[ \t]*(.*)$", text, re.M)
    if not m or not m.group(1).strip():
        return None
    return scalar(m.group(1))
