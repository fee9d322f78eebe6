"""The link line: titles and URLs as kramdown and Liquid show them literally."""

from __future__ import annotations

import re
from urllib.parse import quote

__all__ = ["encode_url", "fold_whitespace", "markdown_link_text"]


_WHITESPACE = re.compile(r"\s+")  # \s covers \r \n \t \v \f U+0085 U+2028 U+2029


def fold_whitespace(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


# Characters kramdown (GFM) or Liquid would turn into markup inside the link text.
_MARKDOWN_SPECIAL = re.compile(r"""[&<>\\`*_\[\](){}#!:|"'$=+\-.~^]""")


def markdown_link_text(title: str) -> str:
    """The title as link text that renders literally in kramdown."""
    return _MARKDOWN_SPECIAL.sub(lambda m: f"&#{ord(m.group())};", fold_whitespace(title))


def encode_url(url: str) -> str:
    """Percent-encode what Markdown, Liquid or YAML would misread (spaces, (), {}, <>, ...)."""
    return quote(url.strip(), safe=":/?#[]@!$&'*+,;=%~")
