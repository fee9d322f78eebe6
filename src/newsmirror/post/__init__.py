"""Posts: one Jekyll post per article, in the exact format of ``FORMAT.md``.

Everything that real Jekyll (YAML front matter, kramdown, Liquid) could misread is
escaped here, following the rules measured on Jekyll 4.3.1: YAML double-quoted scalars
for free text (``_yaml``), numeric character references in the Markdown link line and
percent-encoding in URLs (``_text``), a ``{% raw %}`` wrapper for bodies that contain
Liquid (``_body``), and file names that stay unique after Jekyll re-slugifies and
lower-cases them (``_names``).
"""

from ._body import EMPTY_BODY, body_line, protect_liquid, unprotect_liquid
from ._names import MAX_NAME_BYTES, POST_YEARS, fits_post, plain_name, post_filename, slugify
from ._read import flow_sequence, front_matter, read_article, scalar
from ._render import epoch_millis, format_date, render_post, replace_body
from ._text import encode_url, fold_whitespace, markdown_link_text
from ._yaml import yaml_flow_list, yaml_quote, yaml_scalar

__all__ = [
    "EMPTY_BODY",
    "MAX_NAME_BYTES",
    "POST_YEARS",
    "body_line",
    "encode_url",
    "epoch_millis",
    "fits_post",
    "fold_whitespace",
    "flow_sequence",
    "format_date",
    "front_matter",
    "markdown_link_text",
    "plain_name",
    "post_filename",
    "protect_liquid",
    "read_article",
    "render_post",
    "replace_body",
    "scalar",
    "slugify",
    "unprotect_liquid",
    "yaml_flow_list",
    "yaml_quote",
    "yaml_scalar",
]
