"""Sources managed from the command line, as a user does it: ``add`` (a feed URL, or a page
that announces its feeds), ``remove``, ``enable``, ``disable``, ``import-opml`` and
``export-opml``, against real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import functools
import http.server
import json
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from httpfixtures import LoopbackServer, http_server  # noqa: F401 (fixture)
from newsmirror.config import load_config
from test_cli import newsmirror  # noqa: F401 (fixture: main() in this process)

CONSOLE_SCRIPT = Path(sys.executable).with_name("newsmirror")


def rss(title: str, items: list[tuple[str, str]]) -> str:
    """RSS 2.0 with (title, pubDate) items."""
    body = "".join(
        f"<item><title>{t}</title><link>https://example.com/{i}</link><guid>g{i}</guid>"
        f"<pubDate>{date}</pubDate><description>{t} text</description></item>"
        for i, (t, date) in enumerate(items))
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>{title}</title><link>https://example.com/</link>{body}</channel></rss>")


def atom(title: str) -> str:
    return ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{title}</title><id>urn:x</id><updated>2024-06-01T08:00:00Z</updated>"
            "<entry><title>Atom one</title><id>urn:1</id><link href='https://example.com/a1'/>"
            "<updated>2024-06-01T08:00:00Z</updated><content>hello</content></entry></feed>")


FEED_ITEMS = [("Older story", "Mon, 31 Oct 2022 06:46:00 GMT"),
              ("Newest story", "Tue, 01 Nov 2022 09:15:00 GMT"),
              ("Oldest story", "Sun, 30 Oct 2022 01:00:00 GMT")]


def page(head: str) -> str:
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>Home</title>{head}"
            "</head><body><h1>Home</h1><p>news</p></body></html>")


@pytest.fixture
def site(tmp_path, newsmirror) -> Path:  # noqa: F811
    """A new site made by ``init``, allowed to fetch from this machine's test servers."""
    folder = tmp_path / "site"
    assert newsmirror("init", str(folder)).returncode == 0
    config = folder / "newsmirror.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace(
        "[site]\n", "[site]\nallow_private_networks = true  # the tests' servers\n"
        "retries = 1\ntimeout = 5.0\n", 1), encoding="utf-8")
    return folder


def config_text(site: Path) -> str:
    return (site / "newsmirror.toml").read_text(encoding="utf-8")


def sources_of(site: Path) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(s.name, s.url, s.tags) for s in load_config(site).sources]


def appended(before: str, after: str) -> str:
    """What was added at the end of ``before``; fails when anything before it changed."""
    assert after.startswith(before), "the text before the new source changed"
    return after[len(before):]


# --- add ----------------------------------------------------------------------------------

def test_add_a_feed_url(site, http_server: LoopbackServer, newsmirror):  # noqa: F811
    url = http_server.put("add/feed.xml", rss("Example News", FEED_ITEMS))
    before = config_text(site)
    result = newsmirror("add", url, "--tag", "world", "--tag", "daily", "--site", str(site))
    assert result.returncode == 0, result.stderr
    assert "title:  Example News" in result.stdout
    assert "items:  3" in result.stdout
    assert "newest: 2022-11-01 09:15 UTC  Newest story" in result.stdout
    assert "added 'Example News'" in result.stdout
    assert appended(before, config_text(site)) == (
        f'\n[[sources]]\nname = "Example News"\nurl = "{url}"\ntags = ["world", "daily"]\n')
    assert sources_of(site) == [("Example News", url, ("world", "daily"))]


def test_add_keeps_every_comment_and_the_order(site, http_server, newsmirror):  # noqa: F811
    config = site / "newsmirror.toml"
    config.write_text(config_text(site) + (
        '\n# my first source, keep this note\n[[sources]]\nname = "First"  # short name\n'
        'url = "https://first.example/feed"\n\n[rules."first.example"]  # its rule\n'
        'content = "article"\n\n# trailing note\n'), encoding="utf-8")
    before = config_text(site)
    url = http_server.put("keep/feed.xml", rss("Second", FEED_ITEMS))
    assert newsmirror("add", url, "--site", str(site)).returncode == 0
    appended(before, config_text(site))  # every byte before the new table kept
    assert [s[0] for s in sources_of(site)] == ["First", "Second"]
    assert load_config(site).rules[0].domain == "first.example"


def test_add_a_page_announcing_several_feeds_lists_them_then_takes_the_chosen_one(
        site, http_server, newsmirror):  # noqa: F811
    rss_url = http_server.put("multi/rss.xml", rss("Multi RSS", FEED_ITEMS))
    atom_url = http_server.put("multi/atom.xml", atom("Multi Atom"),
                               content_type="application/atom+xml")
    home = http_server.put("multi/index.html", page(
        '<link rel="stylesheet" href="/style.css">'
        '<link rel="alternate" type="application/rss+xml" title="All news" href="rss.xml">'
        f'<link rel="alternate" type="application/atom+xml" title="Atom" href="{atom_url}">'
        '<link rel="alternate" hreflang="zh" href="/zh/">'), content_type="text/html")
    before = config_text(site)

    listed = newsmirror("add", home, "--site", str(site))
    assert listed.returncode == 2
    assert f"1. RSS       {rss_url}  All news" in listed.stdout
    assert f"2. Atom      {atom_url}  Atom" in listed.stdout
    assert "3." not in listed.stdout
    assert "--choose N" in listed.stderr and "Traceback" not in listed.stderr
    assert config_text(site) == before

    wrong = newsmirror("add", home, "--choose", "3", "--site", str(site))
    assert wrong.returncode == 2 and "from 1 to 2" in wrong.stderr
    assert config_text(site) == before

    chosen = newsmirror("add", home, "--choose", "2", "--site", str(site))
    assert chosen.returncode == 0, chosen.stderr
    assert "title:  Multi Atom" in chosen.stdout and "items:  1" in chosen.stdout
    assert sources_of(site) == [("Multi Atom", atom_url, ())]


def test_add_a_page_announcing_one_feed_takes_it(site, http_server, newsmirror):  # noqa: F811
    feed_url = http_server.put("one/feeds/all.json", (
        '{"version": "https://jsonfeed.org/version/1.1", "title": "JSON News", "items": '
        '[{"id": "1", "url": "https://example.com/j1", "title": "J one", '
        '"content_text": "x", "date_published": "2024-06-01T08:00:00Z"}]}'),
        content_type="application/feed+json")
    home = http_server.put("one/index.html", page(
        '<base href="feeds/"><link rel="alternate" type="application/feed+json" '
        'href="all.json">'), content_type="text/html")
    result = newsmirror("add", home, "--name", "Mine", "--site", str(site))
    assert result.returncode == 0, result.stderr
    assert "newest: 2024-06-01 08:00 UTC  J one" in result.stdout
    assert sources_of(site) == [("Mine", feed_url, ())]


@pytest.fixture
def plain_server(tmp_path) -> Iterator[tuple[str, Path]]:
    """A static file server on 127.0.0.1 with nothing at the usual feed addresses."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def test_add_a_page_without_feeds_is_a_clear_error(site, plain_server, newsmirror):  # noqa: F811
    base, root = plain_server
    (root / "index.html").write_text(page(""), encoding="utf-8")
    before = config_text(site)
    result = newsmirror("add", base + "/index.html", "--site", str(site))
    assert result.returncode == 1
    assert "announces no feed" in result.stderr and "Traceback" not in result.stderr
    assert f"{base}/feed, {base}/rss" in result.stderr
    assert result.stderr.count("\n") == 1
    assert config_text(site) == before


def test_add_a_page_without_feed_links_finds_one_at_a_usual_address(
        site, plain_server, newsmirror):  # noqa: F811
    base, root = plain_server
    (root / "news").mkdir()
    (root / "news" / "index.html").write_text(page(""), encoding="utf-8")
    (root / "atom.xml").write_text(atom("Guessed"), encoding="utf-8")
    result = newsmirror("add", base + "/news/index.html", "--site", str(site))
    assert result.returncode == 0, result.stderr
    assert sources_of(site) == [("Guessed", base + "/atom.xml", ())]


def test_add_refuses_an_unreachable_url_a_known_feed_and_a_taken_name(
        site, http_server, newsmirror):  # noqa: F811
    url = http_server.put("dup/feed.xml", rss("Dup", FEED_ITEMS))
    assert newsmirror("add", url, "--site", str(site)).returncode == 0
    before = config_text(site)

    gone = newsmirror("add", "http://127.0.0.1:9/feed.xml", "--site", str(site))
    assert gone.returncode == 1 and "127.0.0.1:9" in gone.stderr
    assert "Traceback" not in gone.stderr

    again = newsmirror("add", url.replace("http://", "HTTP://"), "--site", str(site))
    assert again.returncode == 2 and "already a source: 'Dup'" in again.stderr

    other = http_server.put("dup/other.xml", rss("Dup", FEED_ITEMS))
    taken = newsmirror("add", other, "--name", "dup", "--site", str(site))
    assert taken.returncode == 2 and "'Dup' is taken" in taken.stderr
    assert config_text(site) == before

    # without --name, the feed's title is made unique
    assert newsmirror("add", other, "--site", str(site)).returncode == 0
    assert [s[0] for s in sources_of(site)] == ["Dup", "Dup (2)"]


def test_add_as_a_real_process(site, http_server):  # noqa: F811
    url = http_server.put("proc/feed.xml", rss("Process Feed", FEED_ITEMS))
    result = subprocess.run([str(CONSOLE_SCRIPT), "add", url, "--site", str(site)],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "added 'Process Feed'" in result.stdout
    assert sources_of(site) == [("Process Feed", url, ())]


PRESET = """
[presets.testnews]
title = "Test News"
timezone = "Asia/Singapore"
default_section = "realtime"

[presets.testnews.listing]
item = "li"
link = "a"
date = "time"

[presets.testnews.sections.realtime]
title = "Realtime"
urls = ["{base}/doc/preset/realtime"]

[presets.testnews.sections.world]
title = "World"
urls = ["{base}/doc/preset/world", "{base}/doc/preset-mirror/world"]
"""


@pytest.fixture
def test_preset(http_server, monkeypatch) -> Iterator[None]:  # noqa: F811
    """The built-in presets, and "testnews" whose listing pages are on the test server."""
    from newsmirror import presets

    parse = presets._parse
    extra = parse(PRESET.format(base=http_server.base))
    monkeypatch.setattr(presets, "_parse", lambda text: {**parse(text), **extra})
    presets.load_presets.cache_clear()  # every holder of load_presets sees the new table
    yield
    monkeypatch.undo()
    presets.load_presets.cache_clear()


def test_add_a_preset_site_reads_its_listing(site, http_server, newsmirror, test_preset):  # noqa: F811
    listing = ("<!doctype html><html><body><ul>"
               "<li><a href='/doc/a/1'>First story</a><time>2024-06-01 08:00</time></li>"
               "<li><a href='/doc/a/2'>Second story</a><time>2024-06-02 09:30</time></li>"
               "</ul></body></html>")
    http_server.put("preset/world", listing, content_type="text/html")
    before = config_text(site)

    result = newsmirror("add", http_server.url("/doc/preset/world/"), "--site", str(site))
    assert result.returncode == 0, result.stderr
    assert "preset: testnews, section world (World)" in result.stdout
    assert "items:  2" in result.stdout
    assert "newest: 2024-06-02 01:30 UTC  Second story" in result.stdout  # Singapore time
    block = appended(before, config_text(site))
    assert 'preset = "testnews"' in block and 'section = "world"' in block
    assert "url" not in block
    (source,) = load_config(site).sources
    assert (source.name, source.preset, source.section) == ("Test News World", "testnews", "world")

    again = newsmirror("add", http_server.url("/doc/preset/world"), "--site", str(site))
    assert again.returncode == 2 and "already a source: 'Test News World'" in again.stderr

    # the homepage of a preset site stands for its default section, whose page is down
    down = newsmirror("add", http_server.base + "/", "--site", str(site))
    assert down.returncode == 1 and "/doc/preset/realtime" in down.stderr
    assert "Traceback" not in down.stderr
    assert len(load_config(site).sources) == 1


# --- remove, enable, disable --------------------------------------------------------------

EDITED = '''\
# my sources
[site]
allow_private_networks = true

# the first one
[[sources]]
name = "One"      # kept as written
url = "{one}"

# the second one
[[sources]]
name = "Two"
url = "{two}"
tags = [
  "b",   # [[sources]] in a comment inside an array
]
[sources.listing]
item = "li"

# closing note
'''


def test_disable_enable_remove_edit_only_their_source(make_site, newsmirror):  # noqa: F811
    site = make_site(EDITED.format(one="https://one.example/feed", two="https://two.example/"))
    before = config_text(site)

    assert newsmirror("disable", "One", "--site", str(site)).returncode == 0
    disabled = config_text(site)
    assert disabled == before.replace("[[sources]]\nname = \"One\"",
                                      "[[sources]]\nenabled = false\nname = \"One\"")
    assert [s.enabled for s in load_config(site).sources] == [False, True]
    again = newsmirror("disable", "One", "--site", str(site))
    assert again.returncode == 0 and "already disabled" in again.stdout
    assert config_text(site) == disabled

    assert newsmirror("enable", "One", "--site", str(site)).returncode == 0
    assert config_text(site) == disabled.replace("enabled = false", "enabled = true")
    assert [s.enabled for s in load_config(site).sources] == [True, True]

    result = newsmirror("remove", "Two", "--site", str(site))
    assert result.returncode == 0, result.stderr
    assert "posts and its state are kept" in result.stdout
    after = config_text(site)
    assert "Two" not in after and "listing" not in after and "the second one" not in after
    assert "# closing note\n" in after and "# the first one\n" in after
    assert "# kept as written" in after
    assert [s.name for s in load_config(site).sources] == ["One"]

    missing = newsmirror("remove", "Nobody", "--site", str(site))
    assert missing.returncode == 2 and "no source named 'Nobody'" in missing.stderr
    assert newsmirror("remove", "One", "--site", str(site)).returncode == 0
    assert load_config(site).sources == ()
    assert config_text(site).startswith("# my sources\n[site]\n")
    assert "# closing note\n" in config_text(site)


def test_remove_keeps_the_posts(site, http_server, newsmirror):  # noqa: F811
    url = http_server.put("rm/feed.xml", rss("Kept", FEED_ITEMS))
    assert newsmirror("add", url, "--site", str(site)).returncode == 0
    assert newsmirror("run", "--site", str(site)).returncode == 0
    posts = sorted((site / "_posts").iterdir())
    assert len(posts) == 3
    assert newsmirror("remove", "Kept", "--site", str(site)).returncode == 0
    assert sorted((site / "_posts").iterdir()) == posts
    # added again, it carries on with its posts: none written twice
    assert newsmirror("add", url, "--site", str(site)).returncode == 0
    rerun = newsmirror("run", "--site", str(site), "--json")
    assert rerun.returncode == 0, rerun.stderr
    assert json.loads(rerun.stdout)["sources"][0]["new_posts"] == 0
    assert sorted((site / "_posts").iterdir()) == posts


# --- OPML -----------------------------------------------------------------------------------

def opml_for(server: LoopbackServer) -> tuple[str, dict[str, str]]:
    urls = {name: server.put(f"opml/{name}.xml", rss(f"{name} feed", FEED_ITEMS))
            for name in ("world", "asia", "tech", "loose")}
    text = f'''<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>My reader</title></head><body>
  <outline text="News" title="News">
    <outline text="World">
      <outline type="rss" text="World &amp; More" xmlUrl="{urls['world']}" htmlUrl="https://w.example/"/>
      <outline title="Asia">
        <outline type="rss" title="Asia Daily" xmlUrl="{urls['asia']}"/>
      </outline>
    </outline>
  </outline>
  <outline text="Tech" category="/Science/AI,/Computing">
    <outline type="rss" text="Tech Wire" xmlUrl="{urls['tech']}" category="/Gadgets,/tech"/>
  </outline>
  <outline type="rss" text="Loose" xmlUrl="{urls['loose']}"/>
  <outline text="Again"><outline type="rss" text="World copy" xmlUrl="{urls['world']}"/></outline>
  <outline type="rss" text="No scheme" xmlUrl="javascript:alert(1)"/>
</body></opml>
'''
    return text, urls


def test_import_opml_nested_with_duplicates_then_run(site, http_server, newsmirror, tmp_path):  # noqa: F811
    text, urls = opml_for(http_server)
    opml = tmp_path / "subs.opml"
    opml.write_text(text, encoding="utf-8")
    before = config_text(site)

    result = newsmirror("import-opml", str(opml), "--site", str(site))
    assert result.returncode == 0, result.stderr
    assert "4 added, 2 skipped; 1 twice in the file; 1 not an http(s) URL" in result.stdout
    appended(before, config_text(site))
    assert sources_of(site) == [
        ("World & More", urls["world"], ("News", "World")),
        ("Asia Daily", urls["asia"], ("News", "World", "Asia")),
        ("Tech Wire", urls["tech"], ("Tech", "Gadgets")),
        ("Loose", urls["loose"], ()),
    ]

    again = newsmirror("import-opml", str(opml), "--site", str(site))
    assert again.returncode == 0
    assert "0 added, 6 skipped; 5 already a source" in again.stdout
    assert len(load_config(site).sources) == 4

    run = newsmirror("run", "--site", str(site))
    assert run.returncode == 0, run.stderr + run.stdout
    assert len(list((site / "_posts").iterdir())) == 12


def test_export_then_import_into_another_site_gives_the_same_sources(
        site, http_server, newsmirror, tmp_path):  # noqa: F811
    text, _ = opml_for(http_server)
    (tmp_path / "in.opml").write_text(text, encoding="utf-8")
    assert newsmirror("import-opml", str(tmp_path / "in.opml"), "--site", str(site)).returncode == 0
    exported = tmp_path / "out.opml"

    result = subprocess.run(
        [str(CONSOLE_SCRIPT), "export-opml", "--site", str(site), "-o", str(exported)],
        capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "wrote 4 feeds" in result.stdout

    root = ET.parse(exported).getroot()
    assert root.tag == "opml" and root.get("version") == "2.0"
    head, body = list(root)
    assert (head.tag, body.tag) == ("head", "body")
    assert head.findtext("title")
    assert head.findtext("dateCreated").endswith(" GMT")
    feeds = body.findall(".//outline[@xmlUrl]")
    assert len(feeds) == 4
    for outline in feeds:
        assert outline.get("type") == "rss" and outline.get("text") == outline.get("title")
    assert [o.get("text") for o in body.findall("outline")] == ["News", "Tech", "Loose"]

    other = tmp_path / "other"
    assert newsmirror("init", str(other)).returncode == 0
    assert newsmirror("import-opml", str(exported), "--site", str(other)).returncode == 0
    assert sources_of(other) == sources_of(site)

    stdout = newsmirror("export-opml", "--site", str(site))
    assert stdout.returncode == 0 and stdout.stdout.startswith("<?xml")
    assert ET.fromstring(stdout.stdout.encode()).find("body") is not None


@pytest.mark.parametrize("content, words", [
    (b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa">'
     b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
     b'<opml version="2.0"><body><outline text="&b;" xmlUrl="http://x.example/&b;"/>'
     b"</body></opml>", "entities"),
    (b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
     b'<opml version="2.0"><body><outline text="&x;" xmlUrl="http://x.example/"/>'
     b"</body></opml>", "entities"),
    (b"<rss><channel/></rss>", "not <opml>"),
    (b"<opml><body><outline", "well-formed"),
])
def test_hostile_or_broken_opml_is_refused(site, newsmirror, tmp_path, content, words):  # noqa: F811
    opml = tmp_path / "bad.opml"
    opml.write_bytes(content)
    before = config_text(site)
    result = newsmirror("import-opml", str(opml), "--site", str(site))
    assert result.returncode == 1 and words in result.stderr
    assert "Traceback" not in result.stderr
    assert config_text(site) == before


def test_a_layout_the_line_edit_cannot_prove_is_edited_with_tomlkit(make_site, newsmirror,  # noqa: F811
                                                                   tmp_path):
    # sources as an inline array: no [[sources]] lines to edit
    site = make_site('# sources inline\nsources = [\n'
                     '  { name = "One", url = "https://one.example/" },  # one\n'
                     '  { name = "Two", url = "https://two.example/" },\n]\n# the end\n')
    assert newsmirror("disable", "Two", "--site", str(site)).returncode == 0
    assert [s.enabled for s in load_config(site).sources] == [True, False]
    opml = tmp_path / "three.opml"
    opml.write_text('<opml version="2.0"><body><outline text="Three" '
                    'xmlUrl="https://three.example/"/></body></opml>', encoding="utf-8")
    assert newsmirror("import-opml", str(opml), "--site", str(site)).returncode == 0
    assert [s.name for s in load_config(site).sources] == ["One", "Two", "Three"]
    assert newsmirror("remove", "Three", "--site", str(site)).returncode == 0
    assert newsmirror("remove", "One", "--site", str(site)).returncode == 0
    assert newsmirror("remove", "Two", "--site", str(site)).returncode == 0
    assert load_config(site).sources == ()
    assert config_text(site).startswith("# sources inline\n")


def test_add_on_a_terminal_asks_which_feed(site, http_server, newsmirror, monkeypatch):  # noqa: F811
    from newsmirror.cli import _sources

    first = http_server.put("tty/a.xml", rss("TTY A", FEED_ITEMS))
    second = http_server.put("tty/b.xml", rss("TTY B", FEED_ITEMS))
    home = http_server.put("tty/index.html", page(
        f'<link rel="alternate" type="application/rss+xml" href="{first}">'
        f'<link rel="alternate" type="application/rss+xml" href="{second}">'),
        content_type="text/html")
    monkeypatch.setattr(_sources, "_on_a_terminal", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: "2")
    result = newsmirror("add", home, "--site", str(site))
    assert result.returncode == 0, result.stderr
    assert f"2. RSS       {second}" in result.stdout
    assert sources_of(site) == [("TTY B", second, ())]
