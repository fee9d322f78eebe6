"""Hostile input (issue 16): nothing a feed says may put script on the site, and the
configuration is checked before it can point a run outside its site or send a forged
header.

The site test builds real posts from a hostile feed (plus a post file an older version
or a hand edit could have left with a ``javascript:`` origin) with real Jekyll, then
reads every page of the built site as a browser would: no script but the scaffold's, no
event handler, no link or source with a scheme that runs code.
"""

from __future__ import annotations

import html.parser
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

import newsmirror
from helpers import need_tool
from newsmirror.config import load_config
from newsmirror.errors import ConfigError
from newsmirror.pipeline import RunOptions, run
from newsmirror.site import update_site, write_scaffold
from test_site_jekyll import env, rss

NOW = datetime(2026, 11, 1, tzinfo=UTC)

HOSTILE_LINKS = [
    "javascript:alert(1)",
    " JaVaScRiPt:alert(document.domain)",
    "java\tscript:alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "file:///etc/passwd",
]

HOSTILE_BODIES = [
    "<p>a<script>alert(1)</script>b</p>",
    '<p><img src="https://img.example/x.jpg" onerror="alert(1)"></p>',
    '<p><a href="javascript:alert(1)">x</a> <a href="jav&#x09;ascript:alert(1)">y</a></p>',
    '<svg onload="alert(1)"><a xlink:href="javascript:alert(1)"><text>t</text></a></svg>',
    '<iframe src="javascript:alert(1)"></iframe><form action="javascript:alert(1)">'
    '<button formaction="javascript:alert(1)">b</button></form>',
    '<base href="javascript:alert(1)//"><a href="relative">r</a>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">'
    '<object data="javascript:alert(1)"></object><embed src="javascript:alert(1)">',
    '<div markdown="1">[x](javascript:alert(1)) <javascript:alert(1)></div>',
    '<p style="background:url(javascript:alert(1))">s</p><style>*{x:expression(alert(1))}</style>',
    '<math><mi xlink:href="javascript:alert(1)">m</mi></math><details open ontoggle=alert(1)>',
]

# What the scaffold itself may load; nothing else may be a script.
SCAFFOLD_SCRIPTS = {"/assets/js/search.js"}
DATA_SCRIPTS = {"application/json", "application/ld+json"}  # data blocks never run
SCAFFOLD_TEXT = "\n".join(
    p.read_text(encoding="utf-8")
    for p in (Path(newsmirror.__file__).parent / "site_template").rglob("*.html"))
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "poster",
                  "background", "srcset", "cite", "longdesc"}
SAFE_SCHEMES = {"", "http", "https", "mailto", "tel"}


def hostile_items() -> list[str]:
    items = []
    for n, link in enumerate(HOSTILE_LINKS):
        items.append(
            f"<item><title>Link {n}</title><link>{link.replace('&', '&amp;')}</link>"
            f"<guid>link-{n}</guid><pubDate>Mon, 31 Oct 2022 0{n}:00:00 GMT</pubDate>"
            "<description>A short teaser that never asks for the page.</description></item>")
    for n, body in enumerate(HOSTILE_BODIES):
        items.append(
            f"<item><title>Body {n} [t](javascript:alert(1)) &lt;script&gt;</title>"
            f"<link>https://news.example/b/{n}</link><guid>body-{n}</guid>"
            f"<pubDate>Tue, 01 Nov 2022 0{n}:00:00 GMT</pubDate>"
            f"<description><![CDATA[{body}]]></description></item>")
    return items


def scheme(value: str) -> str:
    # Browsers drop ASCII whitespace and control characters before reading a scheme.
    squeezed = re.sub(r"[\x00-\x20]", "", value)
    match = re.match(r"([a-zA-Z][a-zA-Z0-9+.\-]*):", squeezed)
    return match.group(1).lower() if match else ""


class Dangers(html.parser.HTMLParser):
    """Every way a page could run script: <script> elements, on* attributes, URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.inline: str | None = None  # the text of an inline <script> being read

    def handle_data(self, data):
        if self.inline is not None:
            self.inline += data

    def handle_endtag(self, tag):
        if tag == "script" and self.inline is not None:
            # an inline script is the scaffold's own when a layout holds it word for word
            if self.inline.strip() not in SCAFFOLD_TEXT:
                self.found.append(f"<script>{self.inline.strip()[:60]}")
            self.inline = None

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "script" and values.get("type") not in DATA_SCRIPTS:
            src = values.get("src")
            if src is None:
                self.inline = ""  # judged by its text at </script>
            elif not any(src.endswith(allowed) for allowed in SCAFFOLD_SCRIPTS):
                self.found.append(f"<script src={src}>")
        if tag in ("iframe", "object", "embed", "base") or (tag == "form" and values.get(
                "class") != "search-form"):
            self.found.append(f"<{tag}>")
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "refresh":
            self.found.append("<meta refresh>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}>")
            elif name in URL_ATTRIBUTES and value:
                for part in value.split(",") if name == "srcset" else [value]:
                    if scheme(part.strip()) not in SAFE_SCHEMES:
                        self.found.append(f"<{tag} {name}={value[:40]!r}>")
            elif name == "style" and value and re.search(r"url\(|expression", value, re.I):
                self.found.append(f"<{tag} style={value[:40]!r}>")


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> tuple[Path, list[str]]:
    site = tmp_path_factory.mktemp("hostile") / "site"
    write_scaffold(site, title="Hostile", timezone="UTC")
    (site / "feed.xml").write_text(rss(hostile_items()), encoding="utf-8")
    (site / "newsmirror.toml").write_text(
        '[[sources]]\nname = "Hostile"\nurl = "feed.xml"\nfull_text = "always"\n',
        encoding="utf-8")
    with (site / "_config.yml").open("a", encoding="utf-8") as fh:
        fh.write("  - feed.xml\n")  # the exclude list ends the file
    summary = run(load_config(site), RunOptions(now=NOW))
    assert summary.ok, summary
    warnings = [w for r in summary.reports for w in r.warnings]
    # a post file with a hostile origin that newsmirror did not write this way
    (site / "_posts" / "2022-10-30-hand-edited.md").write_text(
        '---\nlayout: post\ntitle: "Hand edited"\ndate: 2022-10-30T00:00:00.000Z\n'
        "author: x\nfrom: javascript:alert(1)\ntags: []\ncomments: True\ncategories: []\n"
        "---\nbody\n", encoding="utf-8")
    update_site(site)
    return site, warnings


def test_only_http_links_become_a_posts_origin(hostile_site):
    site, warnings = hostile_site
    posts = [p.read_text(encoding="utf-8") for p in (site / "_posts").glob("*.md")
             if not p.name.endswith("hand-edited.md")]
    link_posts = [p for p in posts if "title: \"Link " in p]
    assert len(link_posts) == len(HOSTILE_LINKS)
    for post in link_posts:
        assert "\nfrom:" not in post, post  # no origin at all, not the feed's
        assert "](" not in post.split("------", 1)[0].split("---\n", 2)[-1], post
    for post in posts:
        front = post.split("\n---\n", 1)[0]
        for line in front.splitlines():
            if line.startswith("from:"):
                assert line.startswith(("from: https://", "from: http://")), line
    dropped = [w for w in warnings if "not an http(s) link" in w]
    assert len(dropped) == len(HOSTILE_LINKS), warnings
    assert all(w.startswith("Hostile: ") for w in dropped)


def test_no_scheme_but_http_reaches_a_posts_text(hostile_site):
    site, _ = hostile_site
    for path in (site / "_posts").glob("*.md"):
        if path.name.endswith("hand-edited.md"):
            continue
        # text may say "javascript:"; what must not be there is markup that runs it
        body = Dangers()
        body.feed(path.read_text(encoding="utf-8").split("\n<div>\n", 1)[1])
        assert not body.found, (path.name, body.found)


@pytest.mark.jekyll
def test_the_built_site_runs_no_script_from_a_feed(hostile_site, tmp_path):
    need_tool("jekyll")
    site, _ = hostile_site
    dest = tmp_path / "_site"
    build = subprocess.run(["jekyll", "build", "-q", "--disable-disk-cache", "--source", str(site),
                            "--destination", str(dest)], capture_output=True, text=True, env=env())
    assert build.returncode == 0, build.stderr
    pages = list(dest.rglob("*.html"))
    post_pages = [p for p in pages if p.relative_to(dest).as_posix().startswith("2022/")]
    assert len(post_pages) == len(HOSTILE_LINKS) + len(HOSTILE_BODIES) + 1
    found = []
    for page in pages:
        parser = Dangers()
        parser.feed(page.read_text(encoding="utf-8"))
        found += [f"{page.relative_to(dest)}: {d}" for d in parser.found]
    assert not found, "\n".join(found[:30])
    hand = next(p for p in post_pages if "hand-edited" in p.as_posix())
    assert 'class="post-original"' not in hand.read_text(encoding="utf-8")
    good = next(p for p in post_pages if p.name.startswith("Body-0"))
    assert 'class="post-original" href="https://news.example/b/' in good.read_text(
        encoding="utf-8")


# --- the configuration (items 3 and 8) ------------------------------------------------------

BAD_SITE_VALUES = [
    ("timeout = 0", "timeout must be more than 0"),
    ("timeout = inf", "timeout must be a finite number"),
    ("timeout = nan", "timeout must be a finite number"),
    ("timeout = -1.5", "timeout must be more than 0"),
    ("retries = -1", "retries must be at least 0"),
    ("max_body_mb = 0", "max_body_mb must be more than 0"),
    ("max_body_mb = inf", "max_body_mb must be a finite number"),
    ("per_host_delay = -1", "per_host_delay must be at least 0"),
    ("full_text_min_chars = -5", "full_text_min_chars must be at least 0"),
    ("run_timeout = 0", "run_timeout must be more than 0"),
    ("max_connections = 0", "max_connections must be at least 1"),
    ('posts_dir = "/tmp/elsewhere"', "posts_dir must be a relative path inside the site"),
    ('posts_dir = "../sibling/_posts"', "posts_dir must be a relative path inside the site"),
    ('posts_dir = "a/../../b"', "posts_dir must be a relative path inside the site"),
    ('posts_dir = "C:\\\\posts"', "posts_dir must be a relative path inside the site"),
    ('posts_dir = ""', "posts_dir must be a relative path inside the site"),
    ('state = "/var/tmp/state.sqlite"', "state must be a relative path inside the site"),
    ('state = "../state.sqlite"', "state must be a relative path inside the site"),
]

SOURCE = '[[sources]]\nname = "Feed"\nurl = "https://news.example/feed.xml"\n'


@pytest.mark.parametrize(("line", "message"), BAD_SITE_VALUES)
def test_site_values_out_of_range_or_outside_the_site_are_config_errors(
        make_site, line, message):
    site = make_site(f"[site]\n{line}\n\n{SOURCE}")
    with pytest.raises(ConfigError, match=re.escape(message)) as raised:
        load_config(site)
    assert str(raised.value).startswith(str(site / "newsmirror.toml"))
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize("line", ['posts_dir = "archive/_posts"', 'state = "state/s.sqlite"',
                                  "timeout = 0.5", "retries = 0", "run_timeout = 600",
                                  "per_host_delay = 0"])
def test_values_inside_their_range_are_accepted(make_site, line):
    load_config(make_site(f"[site]\n{line}\n\n{SOURCE}"))


@pytest.mark.parametrize(("headers", "message"), [
    ('{ Referer = "https://a.example/\\r\\nX-Injected: 1" }', "line break or control"),
    ('{ Cookie = "a=1\\nSet-Cookie: b=2" }', "line break or control"),
    ('{ Referer = "a\\u0000b" }', "line break or control"),
    ('{ "X Bad" = "v" }', "not a valid header name"),
    ('{ "X-Ok:" = "v" }', "not a valid header name"),
])
def test_header_values_with_line_breaks_are_config_errors(make_site, headers, message):
    site = make_site(f"{SOURCE}headers = {headers}\n")
    with pytest.raises(ConfigError, match=message) as raised:
        load_config(site)
    assert "source 'Feed'" in str(raised.value)


def test_an_ordinary_header_is_accepted(make_site):
    site = make_site(f'{SOURCE}headers = {{ Referer = "https://a.example/", "X-Token" = "a b" }}\n')
    [source] = load_config(site).sources
    assert dict(source.headers) == {"Referer": "https://a.example/", "X-Token": "a b"}


@pytest.mark.parametrize("text", ["", "# nothing yet\n", '[site]\ntimezone = "UTC"\n'])
def test_running_a_config_without_sources_says_how_to_add_one(make_site, text):
    """Through the real command: exit 2, one line naming the file and the fix, and no
    state file created for a run that had nothing to do."""
    site = make_site(text)
    result = subprocess.run([sys.executable, "-m", "newsmirror.cli", "run", "--site", str(site)],
                            capture_output=True, text=True)
    assert result.returncode == 2, result.stdout + result.stderr
    [line] = result.stderr.strip().splitlines()
    assert "newsmirror.toml: no sources to mirror; add a [[sources]] table" in line
    assert not (site / ".newsmirror").exists()
