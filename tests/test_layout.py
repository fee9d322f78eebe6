"""The layout shows the pipeline: a stage imports only the stages before it.

Checked on the source text (imports inside functions included), so a shortcut from an
early stage to a later one fails here instead of in review.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "newsmirror"

# The stages in data-flow order; a stage may import those before it (and itself).
# ``errors``, ``model`` and ``util`` are the leaf layer every stage may use.
ORDER = ["errors", "model", "util", "config", "fetch", "archive", "feeds", "extract", "clean",
         "post", "store", "site", "pipeline", "publish", "cli"]
LEAF = {"errors": set(), "model": set(), "util": {"errors"}}


def _stage_of(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0].removesuffix(".py")


def _imported_stages(path: Path) -> set[str]:
    """The newsmirror stages a module imports, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = path.relative_to(PACKAGE).with_suffix("").parts  # e.g. ("feeds", "_rss")
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(here[:len(here) - node.level])
                target = base + (node.module.split(".") if node.module else [])
                if not target:  # "from .. import x": the names are stages themselves
                    found.update(alias.name for alias in node.names)
                else:
                    found.add(target[0])
            elif node.module and node.module.split(".")[0] == "newsmirror":
                parts = node.module.split(".")
                found.update([parts[1]] if len(parts) > 1 else
                             [alias.name for alias in node.names])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "newsmirror" and len(parts) > 1:
                    found.add(parts[1])
    return {stage for stage in found if stage in ORDER}


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if _stage_of(p) in ORDER)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_stage_imports_only_earlier_stages(path):
    stage = _stage_of(path)
    imported = _imported_stages(path) - {stage}
    if stage in LEAF:
        allowed = LEAF[stage]
    else:
        allowed = set(ORDER[:ORDER.index(stage)])
    assert imported <= allowed, f"{stage} imports {sorted(imported - allowed)}"


def test_every_module_is_in_a_stage():
    loose = [p.name for p in PACKAGE.glob("*.py") if _stage_of(p) not in ORDER
             and p.name != "__init__.py"]
    assert loose == []


def test_packages_declare_their_public_names():
    for init in PACKAGE.glob("*/__init__.py"):
        if init.parent.name in ("util", "data", "demo", "site_template"):
            continue
        tree = ast.parse(init.read_text(encoding="utf-8"))
        names = [n for n in tree.body if isinstance(n, ast.Assign)
                 and any(isinstance(t, ast.Name) and t.id == "__all__" for t in n.targets)]
        assert names, f"{init.parent.name}/__init__.py has no __all__"
