"""Configuration: the minimal file, and one clear error per mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsmirror.config import ConfigError, load_config

MINIMAL = '[[sources]]\nname = "联合早报"\nurl = "https://rsshub.example/zaobao/realtime/china"\n'


def test_minimal_config_is_valid(make_site):
    config = load_config(make_site(MINIMAL))
    (source,) = config.sources
    assert source.name == "联合早报" and source.display_author == "联合早报"
    assert source.url == "https://rsshub.example/zaobao/realtime/china"
    assert config.site.posts_dir == "_posts" and config.site.timezone == "UTC"
    assert config.state_path == config.root / ".newsmirror" / "state.sqlite"
    assert (source.full_text, source.id_key, source.enabled) == ("auto", "guid", True)


def test_relative_and_file_urls_resolve_against_the_config(make_site):
    site = make_site('[[sources]]\nname = "a"\nurl = "feeds/a.xml"\n\n'
                     '[[sources]]\nname = "b"\nurl = "file:///srv/b.xml"\n')
    a, b = load_config(site).sources
    assert Path(a.url) == (site / "feeds" / "a.xml").resolve() and a.is_local
    assert b.url == "/srv/b.xml"


@pytest.mark.parametrize("text, words", [
    ('[[sources]]\nname = "a"\nurl = "x"\ncolour = "red"\n', ["'colour'", "known keys"]),
    ('[[sources]]\nname = "a"\nurl = "x"\ntags = "one"\n', ["'tags'", "a list"]),
    ('[[sources]]\nname = "a"\nurl = "x"\nenabled = "yes"\n', ["'enabled'", "true or false"]),
    ('[[sources]]\nname = "a"\nurl = "x"\n[[sources]]\nname = "A"\nurl = "y"\n',
     ["two sources", "'A'"]),
    ('[[sources]]\nname = "a"\n', ["missing 'url'"]),
    ('[[sources]]\nname = "a"\nurl = "ftp://x/y"\n', ["only http(s)://"]),
    ('[[sources]]\nname = "a"\nurl = "x"\ntimezone = "Mars/Base"\n', ["Mars/Base", "IANA"]),
    ('[[sources]]\nname = "a"\nurl = "x"\nfull_text = "sometimes"\n', ["'auto'"]),
    ('[site]\nmax_connections = true\n', ["max_connections", "whole number"]),
    ('[site]\nposts = "_p"\n', ["'posts'"]),
    ('sources = 3\n', ["array of tables"]),
    ('[[sources]\n', ["not valid TOML"]),
    ('[feeds]\n', ["unknown top-level key 'feeds'"]),
    ('[rules."example.com"]\nremove = [".ad"]\n', ["needs 'content'"]),
    ('[[sources]]\nname = "a"\nurl = "x"\nconvert = "s2x"\n', ["convert must be one of", "'s2t'"]),
    ('[[sources]]\nname = "a"\nurl = "x"\ninclude = ["/(unclosed/"]\n',
     ["include", "'/(unclosed/'", "regular expression"]),
    ('[[sources]]\nname = "a"\nurl = "x"\nexclude = ["title:"]\n', ["exclude", "empty pattern"]),
    ('[[sources]]\nname = "a"\nurl = "x"\nmax_age = 0\n', ["max_age", "above 0"]),
    ('[[sources]]\nname = "a"\nurl = "x"\nlang = "Chinese"\n', ["lang", "language tag"]),
    ('[[sources]]\nname = "a"\nurl = "x"\n[sources.listing]\nitem = "li"\npages = 99\n',
     ["pages must be 1 to 20"]),
])
def test_each_mistake_gets_a_clear_error(make_site, text, words):
    site = make_site(text)
    with pytest.raises(ConfigError) as info:
        load_config(site)
    message = str(info.value)
    assert str(site / "newsmirror.toml") in message
    for word in words:
        assert word in message


def test_missing_file_names_the_fix(tmp_path):
    with pytest.raises(ConfigError, match="newsmirror init"):
        load_config(tmp_path)


def test_rules_and_listing(make_site):
    config = load_config(make_site(
        '[[sources]]\nname = "s"\nurl = "https://news.example/list"\n'
        'listing = { item = "li.story", title = "h3" }\n\n'
        '[rules."www.Example.com"]\ncontent = ".body"\nremove = [".ad"]\n'))
    assert config.sources[0].listing.item == "li.story"
    assert config.rules[0].domain == "example.com" and config.rules[0].content == (".body",)


def test_convert_accepts_opencc_names(make_site):
    site = make_site('[[sources]]\nname = "a"\nurl = "x"\nconvert = "s2t.json"\n')
    assert load_config(site).sources[0].convert == "s2t"


def test_convert_without_opencc_names_the_fix(make_site, monkeypatch):
    import importlib.util
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "opencc" else real(name, *a))
    site = make_site('[[sources]]\nname = "a"\nurl = "x"\nconvert = "t2s"\n')
    with pytest.raises(ConfigError, match=r"pip install 'newsmirror\[opencc\]'"):
        load_config(site)


def test_filters_language_and_listing_pages(make_site):
    config = load_config(make_site(
        '[site]\none_post_per_article = true\n\n'
        '[[sources]]\nname = "a"\nurl = "x"\ninclude = ["新加坡", "title:/^Live/"]\n'
        'exclude = ["author:Reuters"]\nmax_age = 2.5\nlang = "zh_Hant"\n'
        '[sources.listing]\nitem = "li"\nnext = "a.next"\npages = 3\n'))
    (source,) = config.sources
    assert source.include == ("新加坡", "title:/^Live/") and source.exclude == ("author:Reuters",)
    assert source.max_age == 2.5 and source.lang == "zh-Hant"
    assert source.listing is not None and (source.listing.next, source.listing.pages) == (
        "a.next", 3)
    assert config.site.one_post_per_article
