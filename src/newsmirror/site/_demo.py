"""The offline example: feeds bundled with newsmirror, configured as a site's sources."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ._template import TEMPLATE_PACKAGE, write_template

__all__ = ["DEMO_FEEDS", "write_demo"]

DEMO_DIR = "demo"


DEMO_FEEDS = ".newsmirror/demo/"  # hidden, so Jekyll neither publishes nor shadows them


# Earlier editions of demo feeds (``demo/earlier/<feed>``): one article in them was edited
# since. ``newsmirror demo`` runs over them first, then over the feeds as they are now.
EARLIER = "earlier"


def write_demo(
    site_dir: Path | str, *, overwrite: bool = False, earlier: bool = False
) -> list[Path]:
    """Copy the demo snapshot into ``site_dir``: its ``newsmirror.toml`` at the top, the
    feeds in a hidden folder (a ``feed.xml`` at the site root would shadow jekyll-feed's).
    ``earlier``: the feeds as they were before an edit (``EARLIER``), where there is one.
    """
    site_dir = Path(site_dir)
    root = resources.files(TEMPLATE_PACKAGE).joinpath(DEMO_DIR)
    written: list[Path] = []

    def walk(node, prefix: str) -> None:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            if child.name in ("__pycache__", "README.md", EARLIER) or child.name.endswith(".pyc"):
                continue
            rel = prefix + child.name
            if child.is_dir():
                walk(child, rel + "/")
            elif rel == "newsmirror.toml":
                config = child.read_text(encoding="utf-8").replace(
                    'url = "feeds/', f'url = "{DEMO_FEEDS}feeds/'
                )
                write_template(site_dir, rel, config.encode("utf-8"), overwrite, written)
            else:
                edition = root.joinpath(EARLIER, child.name)
                if earlier and prefix == "feeds/" and edition.is_file():
                    child = edition
                write_template(site_dir, DEMO_FEEDS + rel, child.read_bytes(), overwrite, written)

    walk(root, "")
    return written
