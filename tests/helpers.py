"""Paths to the shared fixtures, and skipping rules for optional tools."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SEED = SHARED / "fixtures/seed"  # the golden post and its feed items (FORMAT.md)
JEKYLL_CHECK = SHARED / "tools" / "jekyll-check"


def need_tool(name: str, path: str | None = None) -> None:
    """Skip when a tool is missing locally; in CI a missing tool is a failure."""
    found = Path(path).exists() if path else shutil.which(name)
    if not found:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is required in CI but is not installed")
        pytest.skip(f"{name} is not installed")


CHROMIUM = "/usr/bin/chromium"  # Debian's, driven by playwright (no browser download)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def need_browser() -> None:
    """Chromium and playwright for the tests of pages people look at: skipped locally
    when missing, a failure in CI."""
    need_tool("chromium", CHROMIUM)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("playwright is required in CI (pip install -e '.[test]')")
        pytest.skip("playwright is not installed (pip install playwright; no browser download)")
