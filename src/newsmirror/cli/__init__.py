"""The ``newsmirror`` command: one module per group of commands, ``_app`` parses and
dispatches, ``_output`` prints, ``_reports`` explains extraction."""

from ._app import build_parser, main

__all__ = ["build_parser", "main"]
