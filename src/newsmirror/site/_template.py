"""The files newsmirror puts in a site: the bundled template, and generated pages, which
carry ``generator: newsmirror`` and are the only files ever rewritten or removed."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from ..util.files import write_if_changed

__all__ = [
    "GENERATOR_MARK",
    "TEMPLATE_PACKAGE",
    "is_generated",
    "remove_stale",
    "template_files",
    "write_generated",
    "write_template",
]

log = logging.getLogger("newsmirror")


TEMPLATE_PACKAGE = "newsmirror"


TEMPLATE_DIR = "site_template"


GENERATOR_MARK = "generator: newsmirror"


def is_generated(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8", errors="replace") as fh:
            head = fh.read(2000)
    except OSError:
        return False
    return head.startswith("---") and GENERATOR_MARK in head.split("\n---", 1)[0]


def write_generated(path: Path, text: str, written: list[Path]) -> None:
    if path.exists() and not is_generated(path):
        log.warning("%s exists and was not written by newsmirror: left alone", path)
        return
    if write_if_changed(path, text.encode("utf-8")):
        written.append(path)


def remove_stale(root: Path, keep: set[Path]) -> None:
    """Remove generated index.html files under ``root`` that are not in ``keep``."""
    if not root.is_dir():
        return
    for page in sorted(root.rglob("index.html"), reverse=True):
        if page.parent == root or page in keep or not is_generated(page):
            continue
        page.unlink()
        parent = page.parent
        while parent != root and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent


def template_files() -> Iterator[tuple[str, bytes]]:
    """(path in the site, content) of every scaffold file; ``dot-x`` names become ``.x``."""
    root = resources.files(TEMPLATE_PACKAGE).joinpath(TEMPLATE_DIR)

    def walk(node, prefix: str) -> Iterator[tuple[str, bytes]]:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            name = child.name
            if name == "__pycache__" or name.endswith((".pyc", "~")):
                continue
            if name.startswith("dot-"):
                name = "." + name[4:]
            rel = f"{prefix}{name}"
            if child.is_dir():
                yield from walk(child, rel + "/")
            else:
                yield rel, child.read_bytes()

    yield from walk(root, "")


def write_template(
    site_dir: Path, rel: str, data: bytes, overwrite: bool, written: list[Path]
) -> None:
    path = site_dir / rel
    if path.exists() and not overwrite:
        return
    if write_if_changed(path, data):
        written.append(path)
