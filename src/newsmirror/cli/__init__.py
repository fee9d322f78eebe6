"""The ``newsmirror`` command: one module per group of commands, ``_app`` parses and
dispatches, ``_output`` prints, ``_reports`` explains extraction."""

from ._app import build_parser, main
from ._reports import explain_rule, extract_page

__all__ = ["build_parser", "explain_rule", "extract_page", "main"]
