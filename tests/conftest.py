"""Fixtures shared by the tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# CI runs the property tests on a fixed set of examples so that a red run is reproducible;
# locally each run explores new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

# Loopback HTTP server and network-safety fixtures, and the PostgreSQL server (pg_server,
# pg_url), for every test module.
pytest_plugins = ("httpfixtures", "pgserver")


@pytest.fixture
def make_site(tmp_path: Path):
    """Write a site folder with a newsmirror.toml; returns the folder."""

    def make(config_text: str, name: str = "site") -> Path:
        site = tmp_path / name
        site.mkdir(parents=True, exist_ok=True)
        (site / "newsmirror.toml").write_text(config_text, encoding="utf-8")
        return site

    return make
