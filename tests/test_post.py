"""The post writer: exact format, YAML and Markdown escaping, names, atomic writes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import SEED
from newsmirror.model import Article
from newsmirror.post import (
    body_line,
    encode_url,
    markdown_link_text,
    post_filename,
    protect_liquid,
    render_post,
    slugify,
    yaml_quote,
    yaml_scalar,
)
from newsmirror.util.files import write_atomic

SEED_TITLE = "王毅与布林肯通话：停止对华打压 不要为两国关系制造新障碍"
SEED_URL = "https://www.zaobao.com/realtime/china/story20221031-1328240"


def article(**changes) -> Article:
    fields = dict(title="T", url="https://example.com/a", published=datetime(2022, 10, 31, 6, 46,
                  tzinfo=UTC), author="联合早报", tags=("联合早报",), categories=("联合早报",),
                  body_html="<p>x</p>")
    fields.update(changes)
    return Article(**fields)


def split_post(text: str) -> tuple[dict, list[str]]:
    assert text.startswith("---\n")
    front, body = text[4:].split("\n---\n", 1)
    return yaml.safe_load(front), body.split("\n")


def test_seed_body_renders_exactly():
    expected = (SEED / "expected.md").read_text(encoding="utf-8")
    body = expected.split("<div>\n", 1)[1].rsplit("\n</div>", 1)[0]
    post = render_post(article(title=SEED_TITLE, url=SEED_URL, body_html=body))
    assert post == expected


def test_seed_file_name():
    name = post_filename(SEED_TITLE, datetime(2022, 10, 31, 6, 46, tzinfo=UTC), UTC, "k",
                         lambda n: False)
    assert name == "2022-10-31-王毅与布林肯通话-停止对华打压-不要为两国关系制造新障碍.md"


@pytest.mark.parametrize("value", ["a: b", "x:", "a, b", "a]", "[x]", "#hash", "a #b", "*x",
                                   "&x", "!x", "null", "~", "", "yes", "No", "on", "123", "1.5",
                                   "- x", "'x", "@x", "%x", "|", ">", "{x}", "?x", "2022-10-31",
                                   " lead", "trail ", "tab\there", ".inf", "-1", "+1"])
def test_hostile_scalars_round_trip(value):
    for in_flow in (False, True):
        text = yaml_scalar(value, in_flow=in_flow)
        doc = yaml.safe_load(f"a: [ {text} ]" if in_flow else f"a: {text}")
        assert doc["a"] == ([value] if in_flow else value)


@pytest.mark.parametrize("value", ["联合早报", "联合 早报", "Reuters", "a:b", "a/b",
                                   "https://www.zaobao.com/realtime/china/story20221031-1328240"])
def test_safe_scalars_stay_plain(value):
    assert yaml_scalar(value) == value


def test_title_quoting_escapes_line_breaks_and_controls():
    for title in ['x"\nlayout: evil', "C:\\path", "bell\x07", "del\x7f", "nel\x85",
                  "ls\u2028ps\u2029", "bom\ufeff", "emoji 😀", "\ufffe\uffff"]:
        quoted = yaml_quote(title)
        assert "\n" not in quoted and "\u2028" not in quoted
        assert yaml.safe_load(f"t: {quoted}")["t"] == title


def test_link_text_escapes_markdown():
    text = markdown_link_text('He said "hi" -- *x* [a](b) {{ y }} \\')
    assert not re.search(r"""[*_\[\](){}"\\-]""", text)
    assert "&#42;" in text and "&#123;" in text


def test_url_encoding_of_markdown_and_liquid_characters():
    url = encode_url("https://x.com/a b/(c)/{{x}}/<y>/\"q\"/中文")
    assert not re.search(r"""[ (){}<>"\\]""", url)
    assert "%E4%B8%AD" in url


def test_body_line_folds_newlines_but_keeps_pre():
    html = "<p>a\nb</p><pre>line1\nline2</pre><p title=\"x>y\">c\r\nd</p><code>e\nf</code>"
    line = body_line(html)
    assert "\n" not in line and "\r" not in line
    assert "<pre>line1&#10;line2</pre>" in line
    assert "<p>a b</p>" in line and "<code>e&#10;f</code>" in line


def test_body_line_without_preformatted_blocks():
    assert body_line('<p title="a\nb">c\nd</p>\n<preview>e\nf</preview>') == \
        '<p title="a b">c d</p> <preview>e f</preview>'
    assert body_line("<PRE>x\ny</PRE>") == "<PRE>x&#10;y</PRE>"


def test_liquid_protection_survives_endraw():
    protected = protect_liquid("a {{ site.title }} {% endraw %} b {% raw %} c {%")
    assert protected.startswith("{% raw %}") and protected.endswith("{% endraw %}")
    # Every '{%' of the text now sits inside a constant output between raw blocks.
    assert protected.count('{{ "{%" }}') == 3
    assert protect_liquid("plain <p>text</p>") == "plain <p>text</p>"


def test_no_blank_line_in_body_and_liquid_only_in_body_line():
    post = render_post(article(body_html="<p>a</p>\n\n<p>{{ x }}</p>\n\n"))
    _, body = split_post(post)
    div = body.index("<div>")
    assert body[div + 1].startswith("{% raw %}") and body[div + 2] == "</div>"
    assert "" not in body[div:-1]


def test_file_name_limits_and_collisions():
    day = datetime(2022, 10, 31, 20, tzinfo=UTC)
    long_title = "中" * 300
    name = post_filename(long_title, day, UTC, "k", lambda n: False)
    assert len(name.encode()) <= 200 and name.endswith(".md")
    taken = {name.lower()}
    second = post_filename(long_title, day, UTC, "k2", lambda n: n.lower() in taken)
    assert second != name and len(second.encode()) <= 200
    assert re.fullmatch(r"2022-10-31-中+-[0-9a-f]{6}\.md", second)
    # The day is the site timezone's: 20:00 UTC is already 1 November in Shanghai.
    assert post_filename("x", day, ZoneInfo("Asia/Shanghai"), "k", lambda n: False) \
        == "2022-11-01-x.md"
    # A title of only punctuation or emoji gets a stable hash.
    a = post_filename("😀!!!", day, UTC, "id-1", lambda n: False)
    assert a == post_filename("？？", day, UTC, "id-1", lambda n: False)
    assert re.fullmatch(r"2022-10-31-[0-9a-f]{10}\.md", a)


def test_taken_names_get_a_suffix_from_the_identity_not_a_counter():
    """A feed repeating one title on one day: each name costs one or two probes, and
    an article's name does not depend on how many came before it."""
    day = datetime(2022, 10, 31, 8, tzinfo=UTC)
    taken: set[str] = set()
    calls = 0

    def is_taken(name):
        nonlocal calls
        calls += 1
        return name.lower() in taken

    made = []
    for n in range(200):
        made.append(post_filename("快讯", day, UTC, f"k{n}", is_taken, "src"))
        taken.add(made[-1].lower())
    assert made[0] == "2022-10-31-快讯.md" and len(set(made)) == 200
    assert calls <= 2 * 200
    # the same article in another order, or with other articles before it: same name
    alone = post_filename("快讯", day, UTC, "k57", lambda n: n == "2022-10-31-快讯.md", "src")
    assert alone == made[57]
    # the source's id is part of the identity: two sources' "k57" differ
    assert post_filename("快讯", day, UTC, "k57", lambda n: n == "2022-10-31-快讯.md",
                         "other") != alone


def test_slugify_keeps_cjk_and_drops_punctuation():
    assert slugify("王毅：停止【快讯】「引号」") == "王毅-停止-快讯-引号"
    assert slugify("a.b?c d_e") == "a-b-c-d-e"


def test_write_atomic_leaves_nothing_on_failure(tmp_path: Path, monkeypatch):
    target = tmp_path / "_posts" / "2022-10-31-x.md"
    write_atomic(target, "old")

    class Boom(Exception):
        pass

    import newsmirror.util.files as post_module

    def exploding_replace(src, dst):
        raise Boom

    monkeypatch.setattr(post_module.os, "replace", exploding_replace)
    with pytest.raises(Boom):
        write_atomic(target, "new content")
    assert target.read_text() == "old"
    assert sorted(p.name for p in target.parent.iterdir()) == [target.name]


@pytest.mark.parametrize("unnamed", [True, False], ids=["unnamed-file", "named-file"])
def test_write_atomic_skips_a_stale_temporary_file_and_makes_the_folder(tmp_path: Path,
                                                                         monkeypatch, unnamed):
    """Both ways of writing (an unnamed file linked into place, and the named temporary
    file of file systems without them) step over a temporary name a killed run left."""
    import itertools
    import os

    import newsmirror.util.files as files

    monkeypatch.setattr(files, "_tmp_serial", itertools.count())
    monkeypatch.setattr(files, "_anonymous", unnamed and files._anonymous)
    folder = tmp_path / "new" / "_posts"
    target = folder / "2022-10-31-x.md"
    write_atomic(target, "first")  # the folder does not exist yet
    # left by a killed run with this pid: the next serial numbers either way would take
    stale = [folder / f".tmp-{os.getpid()}-{n}.md" for n in (0, 1)]
    for file in stale:
        file.write_text("half a post")
    write_atomic(target, "second")
    write_atomic(target, "third 中文")
    assert target.read_text(encoding="utf-8") == "third 中文"
    assert all(file.read_text() == "half a post" for file in stale)
    assert sorted(p.name for p in folder.iterdir()) == sorted([target.name, *(f.name for f in stale)])


# --- property: any input yields a post whose front matter reads back exactly --------------

_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)


@settings(max_examples=300, deadline=None)
@given(title=_text, author=_text.filter(lambda s: s.strip()), tag=_text.filter(str.strip),
       path=st.text(max_size=30), body=st.text(max_size=200),
       offset=st.integers(min_value=-14 * 60, max_value=14 * 60),
       ms=st.integers(min_value=0, max_value=4_000_000_000_000))
def test_front_matter_round_trips(title, author, tag, path, body, offset, ms):
    published = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)
    published = published.astimezone(timezone(timedelta(minutes=offset)))
    url = "https://example.com/" + path
    a = article(title=title, author=author, tags=(author, tag), categories=(author,),
                url=url, published=published, body_html=body)
    front, lines = split_post(render_post(a))
    folded = lambda s: " ".join(s.split())  # noqa: E731
    assert front["title"] == folded(title)
    assert front["author"] == folded(author)
    assert front["tags"] == [author, tag]
    assert front["categories"] == [author]
    assert front["from"] == encode_url(url)
    assert front["date"] == published.astimezone(UTC).replace(tzinfo=None) \
        or front["date"] == published
    assert lines[0] == f"<!--{ms}-->"
    div = lines.index("<div>")
    assert lines[div + 2] == "</div>" and lines[div + 3] == "" and len(lines) == div + 4
    assert lines[div + 1].strip()
    assert "" not in lines[div:div + 3]


def test_unprotect_liquid_gives_back_what_the_page_shows():
    from newsmirror.post import unprotect_liquid

    for line in ("{{ page.title }} and {% if x %}y{% endif %}", "plain {text}", "{%%}",
                 "a {% raw %} b {% endraw %} c {%raw%}{%endraw%} {%- endraw -%}",
                 '{% endraw %}{{ "{%" }}{% raw %}', "{{% {%"):
        assert unprotect_liquid(protect_liquid(line)) == line
    # an excerpt starts after the guard's opening tag and may stop before its end
    protected = protect_liquid("<p>{% raw %} x {% endraw %}</p>")
    assert unprotect_liquid(protected[len("{% raw %}"):]) == "<p>{% raw %} x {% endraw %}</p>"
    assert unprotect_liquid(protected[:protected.index(" x ")]) == "<p>{% raw %}"
