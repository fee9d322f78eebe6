"""The offline example: feeds bundled with newsmirror, configured as a site's sources."""

from __future__ import annotations

import json
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from ..config import load_config
from ..store import ImageRecord, Store
from ..util.files import write_atomic
from ..util.imagefile import image_path
from ._template import TEMPLATE_PACKAGE, write_template

__all__ = ["DEMO_FEEDS", "write_demo"]

DEMO_DIR = "demo"


DEMO_FEEDS = ".newsmirror/demo/"  # hidden, so Jekyll neither publishes nor shadows them


# Earlier editions of demo feeds (``demo/earlier/<feed>``): one article in them was edited
# since. ``newsmirror demo`` runs over them first, then over the feeds as they are now.
EARLIER = "earlier"


# Images of the demo's feeds, bundled (``demo/images/``, with ``kept.json``: URL -> file):
# the source that keeps its images in the site finds them kept already, as the demo runs
# offline (demo/images/README.md).
IMAGES = "images"


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
            skipped = ("__pycache__", "README.md", EARLIER, IMAGES)
            if child.name in skipped or child.name.endswith(".pyc"):
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
    written += _keep_images(site_dir, root.joinpath(IMAGES))
    return written


def _keep_images(site_dir: Path, folder: Traversable) -> list[Path]:
    """The bundled images stored in the site by content hash and recorded in its state
    store as kept for their URLs, as a run that downloaded them would have."""
    urls: dict[str, str] = json.loads(folder.joinpath("kept.json").read_text(encoding="utf-8"))
    records, written = [], []
    for url, name in urls.items():
        data = folder.joinpath(name).read_bytes()
        path = image_path(data)
        assert path is not None, name
        target = site_dir / path
        if not target.exists():
            write_atomic(target, data)
            written.append(target)
        records.append(ImageRecord(url, path))
    with Store(load_config(site_dir).state_path) as store, store.transaction():
        store.put_images(records)
    return written
