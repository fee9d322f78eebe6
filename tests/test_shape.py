"""The shapes that hold the stages together: one error tree, each helper once, with one
behaviour each (no silent fallbacks), and the base URL as data."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import pytest

from newsmirror import errors
from newsmirror.cli import main
from newsmirror.config import ConfigError, Listing, load_config
from newsmirror.errors import NewsmirrorError, RuleError
from newsmirror.extract import extract, load_builtin_rules
from newsmirror.feeds import parse_feed, parse_listing
from newsmirror.site import scan_posts
from newsmirror.util.dates import parse_date
from newsmirror.util.files import write_atomic, write_if_changed
from newsmirror.util.sniff import detect_kind, has_binary_signature, is_binary, looks_like_html_page
from newsmirror.util.zones import zone

SOURCE = '[[sources]]\nname = "a"\nurl = "https://example.com/feed"\n'


# --- one error tree -----------------------------------------------------------------------

def test_every_error_is_a_newsmirror_error_with_an_exit_code():
    kinds = [getattr(errors, name) for name in errors.__all__
             if isinstance(getattr(errors, name), type)]
    assert len(kinds) >= 10
    for kind in kinds:
        assert issubclass(kind, NewsmirrorError), kind
        assert kind.exit_code in (1, 2)
    assert errors.ConfigError.exit_code == errors.UsageError.exit_code == 2
    assert errors.FetchError.exit_code == errors.StoreError.exit_code == 1
    assert issubclass(errors.RuleError, errors.ConfigError)
    assert issubclass(errors.ListingError, errors.FeedError)


# --- selectors are checked when the configuration is read ------------------------------------

@pytest.mark.parametrize("table, key", [
    ('[rules."example.com"]\ncontent = ["article >"]\n', "content"),
    ('[rules."example.com"]\ncontent = "article"\nremove = [".ad", "::bogus"]\n', "remove"),
    ('[rules."example.com"]\ncontent = "article"\ntitle = "h1["\n', "title"),
    ('[rules."example.com"]\ncontent = "json:"\n', "content"),
])
def test_an_invalid_rule_selector_is_a_configuration_error(make_site, table, key):
    with pytest.raises(ConfigError) as raised:
        load_config(make_site(SOURCE + table))
    message = str(raised.value)
    assert "[rules.'example.com']" in message and key in message and "\n" not in message


@pytest.mark.parametrize("extra, key", [
    ('remove = ["div >"]\n', "remove"),
    ('listing = { item = "li >" }\n', "listing.item"),
    ('listing = { item = "li", date = "::x" }\n', "listing.date"),
])
def test_an_invalid_source_selector_is_a_configuration_error(make_site, extra, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load_config(make_site(SOURCE + extra))


def test_json_hooks_and_valid_selectors_pass(make_site):
    config = load_config(make_site(
        SOURCE + '[rules."example.com"]\ncontent = ["json:__DATA__", "article .body"]\n'))
    assert config.rules[0].content == ("json:__DATA__", "article .body")


def test_the_builtin_rules_pass_the_same_checks():
    rules = load_builtin_rules()
    assert rules and all(rule.content for rule in rules)


def test_a_bad_selector_reaching_a_page_is_a_rule_error_not_a_traceback():
    from newsmirror.config import Rule
    rule = Rule(domain="example.com", content=("article >",))  # not from a config file
    with pytest.raises(RuleError, match="invalid CSS selector"):
        extract("<article><p>x</p></article>", "https://example.com/a", [rule])


# --- one zone lookup, no silent UTC ------------------------------------------------------------

def test_zone_is_cached_and_refuses_unknown_names():
    assert zone("Asia/Singapore") is zone("Asia/Singapore")
    for bad in ("Mars/Olympus", "", "../etc/passwd"):
        with pytest.raises(ConfigError, match="time zone"):
            zone(bad)


def test_feeds_and_listings_refuse_an_unknown_zone():
    rss = '<rss version="2.0"><channel><title>t</title></channel></rss>'
    with pytest.raises(ConfigError):
        parse_feed(rss, timezone="Mars/Olympus")
    page = '<ul><li><a href="/a">A</a></li></ul>'
    with pytest.raises(ConfigError):
        parse_listing(page, "https://example.com/", Listing(item="li"), "Mars/Olympus")


def test_a_site_with_an_unknown_zone_is_a_configuration_error(tmp_path):
    (tmp_path / "_config.yml").write_text('timezone: "Mars/Olympus"\n', encoding="utf-8")
    (tmp_path / "_posts").mkdir()
    with pytest.raises(ConfigError, match=r"_config\.yml"):
        scan_posts(tmp_path)


def test_parse_feed_with_an_unknown_zone_exits_2_with_one_line(tmp_path, capsys):
    feed = tmp_path / "f.xml"
    feed.write_text('<rss version="2.0"><channel><title>t</title></channel></rss>')
    assert main(["parse-feed", str(feed), "--timezone", "Mars/Olympus"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("newsmirror: configuration error:") and err.count("\n") == 1


# --- one date parser ---------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("1667198760", datetime(2022, 10, 31, 6, 46, tzinfo=UTC)),
    ("1667198760.5", datetime(2022, 10, 31, 6, 46, 0, 500000, tzinfo=UTC)),
    ("1667198760123", datetime(2022, 10, 31, 6, 46, 0, 123000, tzinfo=UTC)),
    ("1667198760123.0", datetime(2022, 10, 31, 6, 46, 0, 123000, tzinfo=UTC)),
    (1667198760, datetime(2022, 10, 31, 6, 46, tzinfo=UTC)),  # a number from JSON
    ("  2022-10-31T06:46:00Z  ", datetime(2022, 10, 31, 6, 46, tzinfo=UTC)),
    (True, None), (None, None), ([], None),
])
def test_timestamps_and_json_numbers_are_dates(value, expected):
    assert parse_date(value) == expected


# --- one sniffer -----------------------------------------------------------------------------

def test_the_sniffer_tells_binary_html_pages_and_feeds_apart():
    assert has_binary_signature(b"%PDF-1.7 ...") and has_binary_signature(b"\x89PNG\r\n")
    assert not has_binary_signature(b"<?xml version='1.0'?><rss>")
    assert is_binary(b"\x00\x01\x02\x03 abc") and is_binary("\ufffdPNG...")
    assert not is_binary("<rss>\x00</rss>" + " " * 20)  # one stray NUL: left to repair
    assert looks_like_html_page(b"<!-- x --><!DOCTYPE html><html><body>login</body></html>")
    assert looks_like_html_page(b"\xef\xbb\xbf<meta charset=utf-8><title>x</title>")
    assert not looks_like_html_page(b"<?xml version='1.0'?><rss version='2.0'></rss>")
    assert not looks_like_html_page(b"<html><body><rss version='2.0'></rss>")  # a feed root
    assert detect_kind(b"<feed xmlns='http://www.w3.org/2005/Atom'>") == "atom"
    assert detect_kind('{"version": "https://jsonfeed.org/version/1.1"}') == "json"


# --- one atomic writer --------------------------------------------------------------------------

def test_write_atomic_takes_text_or_bytes_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "new" / "folder" / "index.json"
    write_atomic(target, "中文\n")
    write_atomic(tmp_path / "b.bin", b"\x00\x01")
    assert target.read_text(encoding="utf-8") == "中文\n"
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"
    assert write_if_changed(target, "中文\n".encode()) is False
    assert write_if_changed(target, b"other") is True and target.read_bytes() == b"other"
    leftovers = [p for p in tmp_path.rglob(".tmp-*")]
    assert leftovers == []


# --- the base URL travels as data -----------------------------------------------------------

def test_the_page_base_travels_in_extracted_and_cleaning_uses_it():
    from newsmirror.clean import clean_html
    from newsmirror.config import Rule
    html = ('<html><head><base href="https://cdn.example/news/"></head><body>'
            '<article><p>x <a href="b.html">b</a></p><img src="i.jpg"></article></body></html>')
    result = extract(html, "https://example.com/a/1", [Rule("example.com", ("article",))])
    assert result.base_url == "https://cdn.example/news/" and "<base" not in result.content_html
    cleaned = clean_html(result.content_html, result.base_url)
    assert 'href="https://cdn.example/news/b.html"' in cleaned
    assert 'src="https://cdn.example/news/i.jpg"' in cleaned


# --- a closed pipe is not a traceback -----------------------------------------------------------

def test_output_into_a_closed_pipe_ends_quietly(tmp_path):
    items = "".join(f"<item><title>t{n}</title><link>https://e.example/{n}</link></item>"
                    for n in range(4000))
    feed = tmp_path / "big.xml"
    feed.write_text(f'<rss version="2.0"><channel><title>t</title>{items}</channel></rss>')
    proc = subprocess.Popen([sys.executable, "-m", "newsmirror.cli", "parse-feed", str(feed)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 1
    assert "Traceback" not in err and "BrokenPipe" not in err


def test_usage_errors_and_help_return_codes_instead_of_exiting(capsys):
    assert main(["--version"]) == 0
    assert main(["run", "--no-such-option"]) == 2
    assert main([]) == 2
    assert "usage:" in capsys.readouterr().err


def test_a_file_system_refusal_is_one_line_not_a_traceback(tmp_path, capsys):
    blocker = tmp_path / "site"
    blocker.write_text("a file where the site folder should be")
    assert main(["init", str(blocker)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("newsmirror: ") and err.count("\n") == 1 and "Traceback" not in err


def test_extract_without_an_article_says_so_on_stderr(tmp_path, capsys):
    page = tmp_path / "empty.html"
    page.write_text("<html><head><title>t</title></head><body><script>x()</script></body></html>")
    assert main(["extract", str(page), "--format", "text"]) == 1
    assert capsys.readouterr().err == f"newsmirror: {page}: no article found\n"


def test_an_unexpected_error_is_one_line_and_a_traceback_file(monkeypatch, tmp_path, capsys):
    from newsmirror.cli import _run

    def broken(args):
        raise ZeroDivisionError("inside a command")

    monkeypatch.setattr(_run, "cmd_sources", broken)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR again
    assert main(["sources", "--site", str(tmp_path)]) == 70
    err = capsys.readouterr().err
    assert err.startswith("newsmirror: unexpected ZeroDivisionError: inside a command")
    assert err.count("\n") == 1 and "Traceback" not in err
    (saved,) = tmp_path.glob("newsmirror-traceback-*.txt")
    assert str(saved) in err and "ZeroDivisionError" in saved.read_text()
