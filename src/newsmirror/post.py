"""Write one Jekyll post per article, in the exact format of ``FORMAT.md``.

Everything that real Jekyll (YAML front matter, kramdown, Liquid) could misread is
escaped here, following the rules measured on Jekyll 4.3.1: YAML double-quoted scalars
for free text, numeric character references in the Markdown link line,
percent-encoding in URLs, a ``{% raw %}`` wrapper for bodies that contain Liquid, and
file names that stay unique after Jekyll re-slugifies and lower-cases them.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from urllib.parse import quote

from .model import Article

MAX_NAME_BYTES = 200  # the whole file name, suffix and extension included

# --- YAML scalars ---------------------------------------------------------------------

# json.dumps leaves these raw, but libyaml rejects them (C1 controls, DEL, U+FFFE/FFFF)
# or silently turns them into line breaks (U+2028/2029, BOM): escape them as \uXXXX.
_YAML_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")

# Plain scalars YAML 1.1 (Psych, PyYAML) would read as something other than a string.
_YAML_SPECIAL = re.compile(
    r"""(?ix)^(?:
        y|n|yes|no|true|false|on|off|null|~|
        [-+]?(?:\d|\.\d|\.inf|\.nan)   # anything number-like, dates included
    )""")
_PLAIN_FIRST_BAD = set("-?:,[]{}#&*!|>'\"%@`=<~ \t")


def yaml_quote(value: str) -> str:
    """A YAML double-quoted scalar that libyaml reads back as exactly ``value``."""
    value = _SURROGATE.sub("\ufffd", value)
    return _YAML_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}",
                            json.dumps(value, ensure_ascii=False))


def _plain_is_safe(value: str, *, in_flow: bool) -> bool:
    if not value or value[0] in _PLAIN_FIRST_BAD or value[-1] in " \t:":
        return False
    if _YAML_SPECIAL.match(value) or ": " in value or " #" in value:
        return False
    if not value.isprintable():
        return False
    # in a flow sequence libyaml also ends a plain scalar at "?" (PyYAML: ",?[]{}")
    return not (in_flow and any(ch in ",?[]{}" for ch in value))


def yaml_scalar(value: str, *, in_flow: bool = False) -> str:
    """The value plain when YAML reads it back unchanged, double-quoted otherwise."""
    return value if _plain_is_safe(value, in_flow=in_flow) else yaml_quote(value)


def yaml_flow_list(values: tuple[str, ...]) -> str:
    return "[ " + ", ".join(yaml_scalar(v, in_flow=True) for v in values) + " ]"


# --- text and URLs ----------------------------------------------------------------------

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


# --- body ---------------------------------------------------------------------------------

# Control characters HTML forbids (tab and newline are handled separately).
_FORBIDDEN_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\r]")
# Tags of a serialized document; attribute values are always double-quoted by the cleaner
# but may contain '>' so they are matched as units.
_TAG = re.compile(r"""<(/?)([a-zA-Z][^\s/>]*)(?:[^>"']|"[^"]*"|'[^']*')*>""")
_PRESERVE = {"pre", "textarea", "code"}
_PRESERVE_START = re.compile(r"<(?:pre|textarea|code)\b", re.IGNORECASE)
EMPTY_BODY = "<p></p>"  # an article without text still gets a non-blank body line


def body_line(html: str) -> str:
    """The cleaned HTML on one line, rendering exactly as before.

    Line breaks become one space, except inside pre/textarea/code, where each becomes
    ``&#10;`` so that the rendered text is unchanged.
    """
    # Outer whitespace would put a blank line (a Markdown block boundary) in the body.
    html = _FORBIDDEN_CONTROLS.sub("", html).strip() or EMPTY_BODY
    if "\n" not in html:
        return html
    if not _PRESERVE_START.search(html):  # the common case: every line break is a space
        return html.replace("\n", " ")
    out: list[str] = []
    depth = 0
    pos = 0
    for match in _TAG.finditer(html):
        out.append(_fold_newlines(html[pos:match.start()], depth))
        out.append(match.group().replace("\n", " "))
        if match.group(2).lower() in _PRESERVE:
            depth = max(0, depth - 1) if match.group(1) else depth + 1
        pos = match.end()
    out.append(_fold_newlines(html[pos:], depth))
    return "".join(out)


def _fold_newlines(text: str, preserve_depth: int) -> str:
    return text.replace("\n", "&#10;" if preserve_depth else " ")


def protect_liquid(line: str) -> str:
    """Make Liquid print the text literally, in Jekyll 3 and 4 alike.

    Every ``{%`` is replaced by a constant output of itself between raw blocks, so even
    a literal ``{% endraw %}`` in the article cannot end the protection early.
    """
    # one-character search first: ~40x faster than a two-character one on CJK text
    if "{" not in line or ("{{" not in line and "{%" not in line):
        return line
    return "{% raw %}" + line.replace("{%", '{% endraw %}{{ "{%" }}{% raw %}') + "{% endraw %}"


# --- the post -----------------------------------------------------------------------------

def format_date(instant: datetime) -> str:
    utc = instant.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def epoch_millis(instant: datetime) -> int:
    # Integer arithmetic: float timestamps can be off by one millisecond.
    return (instant - _EPOCH) // timedelta(milliseconds=1)


def render_post(article: Article) -> str:
    """The whole post file, byte for byte as FORMAT.md specifies."""
    title = fold_whitespace(article.title)
    url = encode_url(article.url)
    lines = [
        "---",
        "layout: post",
        f"title: {yaml_quote(title)}",
        f"date: {format_date(article.published)}",
        f"author: {yaml_scalar(fold_whitespace(article.author))}",
        f"from: {yaml_scalar(url)}",
        f"tags: {yaml_flow_list(article.tags)}",
        "comments: True",
        f"categories: {yaml_flow_list(article.categories)}",
        "---",
        f"<!--{epoch_millis(article.published)}-->",
        f"[{markdown_link_text(title)}]({url})",
        "------",
        "",
        "<div>",
        protect_liquid(body_line(article.body_html)),
        "</div>",
        "",
    ]
    return "\n".join(lines)


def replace_body(post_text: str, body_html: str) -> str:
    """The same post with a new article body; front matter and link line untouched."""
    head, sep, _ = post_text.partition("\n<div>\n")
    if not sep:
        raise ValueError("not a newsmirror post: no <div> body block")
    return f"{head}\n<div>\n{protect_liquid(body_line(body_html))}\n</div>\n"


# --- file names ---------------------------------------------------------------------------

_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")


def slugify(title: str) -> str:
    """Runs of characters that are not Unicode letters or digits become one '-'."""
    title = unicodedata.normalize("NFC", title)
    return _NOT_LETTER_OR_DIGIT.sub("-", title).strip("-")


def _cut_utf8(text: str, max_bytes: int) -> str:
    data = text.encode("utf-8")[:max(0, max_bytes)]
    return data.decode("utf-8", errors="ignore").rstrip("-")


def post_filename(title: str, published: datetime, site_tz: tzinfo, identity: str,
                  is_taken: Callable[[str], bool], probed: dict[str, int] | None = None) -> str:
    """``YYYY-MM-DD-<slug>.md``, at most 200 bytes, not taken by another article.

    ``is_taken`` judges a candidate name; names are compared case-insensitively there
    because Jekyll lower-cases URLs and macOS/Windows checkouts fold case. Taken names
    get ``-2``, ``-3``… ``probed``, a dict kept over the calls of one run (while names are
    only ever added), remembers per first candidate the suffix found last: a feed that
    repeats one title ("快讯", "Untitled") on one day would otherwise probe every
    earlier name again for each article, quadratic in their number.
    """
    day = published.astimezone(site_tz).strftime("%Y-%m-%d")
    slug = slugify(title) or hashlib.sha1(identity.encode("utf-8")).hexdigest()[:10]
    key = f"{day}-{slug}".lower()
    start = probed.get(key, 1) if probed is not None else 1
    for n in range(start, 10_000):
        suffix = "" if n == 1 else f"-{n}"
        room = MAX_NAME_BYTES - len(f"{day}-{suffix}.md".encode("utf-8"))
        name = f"{day}-{_cut_utf8(slug, room)}{suffix}.md"
        if not is_taken(name):
            if probed is not None:
                probed[key] = n
            return name
    raise RuntimeError(f"no free file name for {title!r} on {day}")


_tmp_serial = itertools.count()


def write_atomic(path: Path, text: str) -> None:
    """Write via a hidden temporary file and rename: a killed run never leaves half a post.

    The temporary name starts with a dot, so Jekyll ignores it if a crash leaves it behind.
    It is ``.tmp-<pid>-<serial>.md`` opened with O_EXCL (a stale one from a killed process
    that had the same pid is skipped), not ``tempfile.mkstemp``: its random names and
    checks cost ~35 µs a post, a third of writing one on a fast disk.
    """
    data = text.encode("utf-8")
    directory = os.fspath(path.parent)
    while True:
        tmp = os.path.join(directory, f".tmp-{os.getpid()}-{next(_tmp_serial)}.md")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        except FileExistsError:
            continue
        except FileNotFoundError:
            os.makedirs(directory, exist_ok=True)  # the first post of a new folder
            continue
        break
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
