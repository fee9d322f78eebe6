"""The ``newsmirror`` command: one module per group of commands, ``_app`` parses and
dispatches, ``_output`` prints, ``_reports`` explains extraction."""

from typing import Any

from ._app import build_parser, main

__all__ = ["build_parser", "explain_rule", "extract_page", "main"]


def __getattr__(name: str) -> Any:
    # The reports import the extraction and cleaning stages: only when asked for.
    if name in ("explain_rule", "extract_page"):
        from . import _reports

        return getattr(_reports, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
