"""A package whose names are imported from their modules when first asked for.

Importing a package's every module up front put the extractors, the site builder and the
history pages into every run, one with nothing new included (docs/PERFORMANCE.md,
"Start-up").
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_names"]


def lazy_names(package: str, module_of: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: the name from its module (``module_of``:
    name -> module under the package), kept in the package once imported."""

    def __getattr__(name: str) -> Any:
        module = module_of.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f".{module}", package), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
