"""Fetcher against a real HTTP server on 127.0.0.1 (tests/httpfixtures.py), no mocks.

Settings are shrunk (timeouts, backoff, body cap) so that every test stays fast.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
import tracemalloc
from dataclasses import replace

import pytest
from aiohttp.abc import AbstractResolver

from httpfixtures import (
    CHARSET_PAGES,
    FEED,
    FEED_ETAG,
    FEED_LAST_MODIFIED,
    FakeResolver,
    LoopbackServer,
    gzip_bomb,
)
from newsmirror import __version__
from newsmirror.config import SiteSettings
from newsmirror.fetch import Fetcher, FetchError, FetchSettings, Response, Validators
from newsmirror.fetch._guard import is_public_address, origin_of

MiB = 1024 * 1024
FAST = FetchSettings(connect_timeout=2, read_timeout=0.5, total_timeout=3,
                     retries=2, backoff_base=0.02, backoff_cap=0.1, max_body=1 * MiB)


def fetch(url: str, settings: FetchSettings = FAST, *, resolver: AbstractResolver | None = None,
          **kwargs) -> Response:
    """GET ``url`` as a source configured at ``url`` would (the test servers are on
    loopback, which only a source's own host and port may be); ``trusted=None`` for a
    request no source vouches for."""
    kwargs.setdefault("trusted", url)

    async def go() -> Response:
        async with Fetcher(settings, resolver=resolver) as fetcher:
            return await fetcher.get(url, **kwargs)
    return asyncio.run(go())


def fetch_error(url: str, settings: FetchSettings = FAST, **kwargs) -> FetchError:
    with pytest.raises(FetchError) as info:
        fetch(url, settings, **kwargs)
    return info.value


def fetch_many(urls: list[str], settings: FetchSettings) -> list[Response]:
    async def go() -> list[Response]:
        async with Fetcher(settings) as fetcher:
            return await asyncio.gather(*(fetcher.get(u, trusted=u) for u in urls))
    return asyncio.run(go())


# --- basics -----------------------------------------------------------------------------

def test_get_feed(http_server):
    r = fetch(http_server.url("/feed.xml"), accept="feed")
    assert (r.status, r.body, r.not_modified) == (200, FEED, False)
    assert r.url == http_server.url("/feed.xml")
    assert r.content_type == "application/rss+xml"
    assert r.validators == Validators(FEED_ETAG, FEED_LAST_MODIFIED)
    assert "联合早报 即时" in r.text()
    assert r.headers["etag"] == FEED_ETAG  # case-insensitive headers


def test_sends_user_agent_encodings_and_per_call_headers(http_server):
    r = fetch(http_server.url("/echo"),
              headers={"Referer": "https://www.zaobao.com/", "Cookie": "a=1"})
    sent = json.loads(r.body)
    assert sent["User-Agent"] == f"newsmirror/{__version__} (+https://github.com/newsmirror/newsmirror)"
    assert set(sent["Accept-Encoding"].replace(" ", "").split(",")) == {"gzip", "deflate", "br"}
    assert sent["Referer"] == "https://www.zaobao.com/"
    assert sent["Cookie"] == "a=1"
    custom = replace(FAST, user_agent="MirrorBot/2")
    assert json.loads(fetch(http_server.url("/echo"), custom).body)["User-Agent"] == "MirrorBot/2"


@pytest.mark.parametrize("path", ["/gzip.xml", "/deflate.xml", "/deflate-raw.xml", "/br.xml"])
def test_content_encodings_are_decoded(http_server, path):
    r = fetch(http_server.url(path), accept="feed")
    assert r.body == FEED
    assert r.headers["Content-Encoding"] in ("gzip", "deflate", "br")


@pytest.mark.parametrize("name", sorted(CHARSET_PAGES))
def test_chinese_pages_decode(http_server, name):
    r = fetch(http_server.url(f"/charset/{name}"), accept="html")
    assert CHARSET_PAGES[name][2] in r.text()


# --- conditional GET ------------------------------------------------------------------

@pytest.mark.parametrize("validators", [
    Validators(FEED_ETAG, FEED_LAST_MODIFIED), Validators(etag=FEED_ETAG),
    Validators(last_modified=FEED_LAST_MODIFIED)])
def test_conditional_get_gives_304(http_server, validators):
    r = fetch(http_server.url("/feed.xml"), validators=validators, accept="feed")
    assert (r.status, r.not_modified, r.body) == (304, True, b"")
    assert r.validators == Validators(FEED_ETAG, FEED_LAST_MODIFIED)
    sent = http_server.last_headers["/feed.xml"]
    assert sent.get("If-None-Match") == validators.etag
    assert sent.get("If-Modified-Since") == validators.last_modified


def test_stale_validators_get_the_body(http_server):
    r = fetch(http_server.url("/feed.xml"), validators=Validators('"v0"'))
    assert (r.status, r.body) == (200, FEED)
    assert r.validators == Validators(FEED_ETAG, FEED_LAST_MODIFIED)


def test_expires_0_means_no_validators_to_store(http_server):
    r = fetch(http_server.url("/expires0.xml"))
    assert r.status == 200
    assert r.validators is None


# --- redirects -------------------------------------------------------------------------

def test_redirect_chain_is_followed(http_server):
    r = fetch(http_server.url("/redirect/3"), accept="feed")
    assert r.url == http_server.url("/feed.xml")
    assert r.body == FEED
    assert [http_server.hits(f"/redirect/{n}") for n in (3, 2, 1)] == [1, 1, 1]


def test_too_many_redirects(http_server):
    error = fetch_error(http_server.url("/redirect/5"), replace(FAST, max_redirects=2))
    assert error.kind == "too_many_redirects"
    assert "more than 2 redirects" in str(error)
    assert str(error).startswith(http_server.url("/redirect/5") + ": ")


def test_redirect_loop(http_server):
    before = http_server.hits("/loop/a"), http_server.hits("/loop/b")
    error = fetch_error(http_server.url("/loop/a"))
    assert error.kind == "redirect_loop"
    assert "redirect loop: " in str(error) and "/loop/b -> " in str(error)
    assert (http_server.hits("/loop/a"), http_server.hits("/loop/b")) == (before[0] + 1,
                                                                          before[1] + 1)


def test_credentials_do_not_follow_a_redirect_to_another_host(http_server):
    other_host = f"http://localhost:{http_server.port}/echo"
    # localhost is another host, private too: only allow_private_networks lets it be
    r = fetch(http_server.url(f"/redirect-to?url={other_host}"),
              replace(FAST, allow_private_networks=True),
              headers={"Cookie": "session=secret", "Authorization": "Bearer x",
                       "Referer": "https://src.example/"})
    sent = json.loads(r.body)
    assert "Cookie" not in sent and "Authorization" not in sent
    assert sent["Referer"] == "https://src.example/"
    same_host = fetch(http_server.url("/redirect-to?url=/echo"), headers={"Cookie": "k=v"})
    assert json.loads(same_host.body)["Cookie"] == "k=v"


def test_redirect_to_a_non_http_scheme(http_server):
    error = fetch_error(http_server.url("/redirect-to?url=file:///etc/passwd"))
    assert error.kind == "bad_url"


# --- retries ---------------------------------------------------------------------------

def test_500_then_200_is_retried(http_server):
    r = fetch(http_server.url("/flaky/a?fail=2"), accept="feed")
    assert r.body == FEED
    assert http_server.hits("/flaky/a") == 3


def test_persistent_503_gives_up_after_the_retries(http_server):
    start = time.monotonic()
    error = fetch_error(http_server.url("/flaky/b?fail=99&status=503"))
    assert (error.kind, error.status) == ("http", 503)
    assert "HTTP 503 Service Unavailable (after 3 attempts)" in str(error)
    assert http_server.hits("/flaky/b") == 3
    assert time.monotonic() - start < 1.0  # backoff is capped at 0.1 s here


@pytest.mark.parametrize("status", [400, 403, 404, 410])
def test_other_4xx_is_not_retried(http_server, status):
    path = f"/flaky/c{status}?fail=99&status={status}"
    error = fetch_error(http_server.url(path))
    assert (error.kind, error.status) == ("http", status)
    assert http_server.hits(path.split("?")[0]) == 1


def test_429_retry_after_seconds_is_honoured(http_server):
    r = fetch(http_server.url("/ratelimit/s?after=1"), accept="feed")
    assert r.body == FEED
    first, second = http_server.request_times["/ratelimit/s"]
    assert 0.95 <= second - first < 2.0


def test_429_retry_after_http_date_is_honoured(http_server):
    r = fetch(http_server.url("/ratelimit/d?date=2"))
    assert r.status == 200
    first, second = http_server.request_times["/ratelimit/d"]
    assert 0.9 <= second - first < 3.0  # HTTP-dates have one-second resolution


def test_retry_after_beyond_the_cap_is_reported_not_waited(http_server):
    start = time.monotonic()
    error = fetch_error(http_server.url("/ratelimit/long?after=3600"),
                        replace(FAST, retry_after_cap=1))
    assert (error.kind, error.status, error.retry_after) == ("http", 429, 3600)
    assert "retry after 3600 s" in str(error)
    assert http_server.hits("/ratelimit/long") == 1
    assert time.monotonic() - start < 1.0


def test_read_timeout_is_retried_then_reported(http_server):
    start = time.monotonic()
    error = fetch_error(http_server.url("/slow-body?delay=5"), replace(FAST, retries=1))
    assert error.kind == "timeout"
    assert "timed out: no data for 0.5 s (after 2 attempts)" in str(error)
    assert http_server.hits("/slow-body") == 2
    assert time.monotonic() - start < 2.5


def test_total_timeout(http_server):
    settings = replace(FAST, total_timeout=0.4, read_timeout=10, retries=0)
    start = time.monotonic()
    error = fetch_error(http_server.url("/slow-headers?delay=5"), settings)
    assert error.kind == "timeout"
    assert str(error).endswith("timed out after 0.4 s")  # one attempt: nothing to count
    assert time.monotonic() - start < 1.5


def test_connection_reset_mid_body_is_retried(http_server):
    assert fetch(http_server.url("/reset/once?times=1")).body == FEED
    assert http_server.hits("/reset/once") == 2
    error = fetch_error(http_server.url("/reset/always?times=99"), replace(FAST, retries=1))
    assert error.kind == "connect"
    assert str(error).endswith("(after 2 attempts)")
    assert http_server.hits("/reset/always") == 2


def test_connection_refused():
    with socket.socket() as s:  # a port that was free a moment ago
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    error = fetch_error(f"http://127.0.0.1:{port}/feed.xml", replace(FAST, retries=1))
    assert error.kind == "connect"
    assert "cannot connect" in str(error)


# --- body size -------------------------------------------------------------------------

def _peak_traced(func):
    tracemalloc.start()
    try:
        func()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_gzip_bomb_stops_at_the_cap(http_server):
    gzip_bomb()  # built before measuring: the server shares this process
    start = time.monotonic()
    errors = []
    peak = _peak_traced(lambda: errors.append(fetch_error(http_server.url("/bomb.gz"))))
    assert errors[0].kind == "too_large"
    assert "larger than 1 MiB (decoded)" in str(errors[0])
    assert peak < 16 * MiB  # 1 GiB inflated would not fit; cap + one step + buffers does
    assert time.monotonic() - start < 5


def test_brotli_bomb_stops_at_the_cap(http_server):
    error = fetch_error(http_server.url("/bomb.br"))
    assert error.kind == "too_large"


def test_50_mib_body_stops_at_the_default_cap(http_server):
    settings = replace(FAST, max_body=FetchSettings().max_body)
    errors = []
    peak = _peak_traced(lambda: errors.append(fetch_error(http_server.url("/big"), settings)))
    assert errors[0].kind == "too_large"
    assert "larger than 15 MiB" in str(errors[0])
    assert peak < 48 * MiB


def test_content_length_over_the_cap_is_refused_before_reading(http_server):
    error = fetch_error(http_server.url("/big?mib=50&length=1"))
    assert error.kind == "too_large"


def test_body_just_under_the_cap_is_fine(http_server):
    r = fetch(http_server.url("/big?mib=1"), replace(FAST, max_body=MiB))
    assert len(r.body) == MiB


# --- content checks ----------------------------------------------------------------------

def test_html_login_page_is_not_a_feed(http_server):
    error = fetch_error(http_server.url("/login"), accept="feed")
    assert error.kind == "content_type"
    assert "expected a feed, got an HTML page titled 'Sign in - Example News'" in str(error)
    assert fetch(http_server.url("/login"), accept="any").status == 200


def test_feed_served_as_text_html_is_accepted(http_server):
    assert fetch(http_server.url("/html-as-feed-type"), accept="feed").body == FEED


def test_article_page_is_not_a_feed_but_is_html(http_server):
    assert fetch_error(http_server.url("/page.html"), accept="feed").kind == "content_type"
    assert fetch(http_server.url("/page.html"), accept="html").content_type == "text/html"


@pytest.mark.parametrize("path", ["/image.png", "/pdf-as-octet"])
def test_binary_is_not_html(http_server, path):
    error = fetch_error(http_server.url(path), accept="html")
    assert error.kind == "content_type"
    assert "expected an HTML page" in str(error)


def test_empty_200_is_an_error(http_server):
    error = fetch_error(http_server.url("/empty"))
    assert error.kind == "empty"
    assert str(error) == http_server.url("/empty") + ": HTTP 200 with an empty body"


@pytest.mark.parametrize("url", ["file:///tmp/feed.xml", "ftp://example.com/feed.xml",
                                 "feed.xml", "http://"])
def test_non_http_urls_are_refused(url):
    assert fetch_error(url).kind == "bad_url"


# --- politeness ------------------------------------------------------------------------

def test_per_host_connection_limit():
    server = LoopbackServer()
    try:
        urls = [server.url("/slow-headers?delay=0.15")] * 6
        start = time.monotonic()
        assert all(r.status == 200 for r in fetch_many(urls, FAST))
        assert server.max_in_flight == 2
        assert time.monotonic() - start >= 0.44  # 3 waves of 0.15 s
    finally:
        server.close()


def test_waiting_for_a_host_slot_does_not_count_against_the_timeout():
    server = LoopbackServer()
    try:
        settings = replace(FAST, per_host_connections=1, total_timeout=0.5, retries=0)
        urls = [server.url("/slow-headers?delay=0.2")] * 4  # 0.8 s in all, 0.2 s each
        assert all(r.status == 200 for r in fetch_many(urls, settings))
        assert server.max_in_flight == 1
    finally:
        server.close()


def test_per_host_delay():
    server = LoopbackServer()
    try:
        settings = replace(FAST, per_host_delay=0.2)
        fetch_many([server.url("/feed.xml")] * 4, settings)
        times = server.request_times["/feed.xml"]
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        assert len(times) == 4 and min(gaps) >= 0.18
    finally:
        server.close()


def test_from_site():
    site = SiteSettings(user_agent=None, max_connections=8, per_host_connections=3,
                        per_host_delay=1, timeout=12, retries=1, max_body_mb=2.5,
                        allow_private_networks=True)
    s = FetchSettings.from_site(site)
    assert s.user_agent.startswith("newsmirror/")
    assert (s.max_connections, s.per_host_connections, s.per_host_delay) == (8, 3, 1.0)
    assert (s.total_timeout, s.read_timeout, s.connect_timeout) == (12.0, 12.0, 10.0)
    assert (s.retries, s.max_body, s.allow_private_networks) == (1, int(2.5 * MiB), True)
    assert FetchSettings.from_site(SiteSettings(user_agent="X/1")).user_agent == "X/1"


# --- private networks --------------------------------------------------------------------

PRIVATE_ANSWERS = {
    "intranet.example": ["10.1.2.3"],
    "metadata.example": ["169.254.169.254"],
    "router.example": ["192.168.1.1", "fe80::1"],
    "mapped.example": ["::ffff:10.0.0.1"],
    "cgnat.example": ["100.64.0.1"],
    "multicast.example": ["224.0.0.1"],
    "zero.example": ["0.0.0.0"],
    # IPv6 forms carrying a private IPv4, and site-local: Python 3.11 calls them global
    "nat64.example": ["64:ff9b::a00:1"],
    "sixtofour.example": ["2002:a00:1::1"],
    "compatible.example": ["::a00:1"],
    "sitelocal.example": ["fec0::1"],
}
GUARDED = replace(FAST, retries=0)  # with trusted=None: nothing may be private


def test_the_trap_really_catches_connects(outbound_trap):
    # With the guard switched off, a connect to 10.1.2.3 is attempted and the trap stops
    # it. This proves the refusal tests below would notice a broken guard.
    settings = replace(GUARDED, allow_private_networks=True)
    error = fetch_error("http://intranet.example/feed.xml", settings,
                        resolver=FakeResolver(PRIVATE_ANSWERS), trusted=None)
    assert error.kind == "connect"
    assert outbound_trap == ["10.1.2.3"]


@pytest.mark.parametrize("host", sorted(PRIVATE_ANSWERS))
def test_names_resolving_to_private_addresses_are_refused(outbound_trap, host):
    resolver = FakeResolver(PRIVATE_ANSWERS)
    error = fetch_error(f"http://{host}/feed.xml", GUARDED, resolver=resolver, trusted=None)
    assert error.kind == "private_network"
    assert f"refused: {host} is on a private or reserved network" in str(error)
    assert "allow_private_networks" in str(error)
    assert resolver.asked  # refused after resolution, not by name
    assert outbound_trap == []


@pytest.mark.parametrize("url", ["http://127.0.0.1/", "http://169.254.169.254/latest/",
                                 "http://[::1]:8080/", "http://10.0.0.1/",
                                 "http://[::ffff:192.168.0.1]/", "http://0.0.0.0/",
                                 "http://[64:ff9b::10.0.0.1]/", "http://[2002:7f00:1::]/",
                                 "http://[::10.0.0.1]/", "http://[fec0::1]/",
                                 # fullwidth digits: 127.0.0.1 once yarl has read them
                                 "http://１２７.0.0.1/", "http://１０.0.0.1/"])
def test_private_ip_literals_are_refused(outbound_trap, url):
    assert fetch_error(url, GUARDED, trusted=None).kind == "private_network"
    assert outbound_trap == []


def test_redirect_to_a_private_address_is_refused(http_server, outbound_trap):
    # The source's own host and port (127.0.0.1:port) are trusted; the hop is not.
    error = fetch_error(http_server.url("/redirect-to?url=http://intranet.example/x"),
                        GUARDED, resolver=FakeResolver(PRIVATE_ANSWERS))
    assert error.kind == "private_network"
    assert "intranet.example" in str(error)
    assert outbound_trap == []


def test_trusted_host_may_resolve_to_loopback(http_server, outbound_trap):
    answers = {"news.internal": ["127.0.0.1"]}
    url = f"http://news.internal:{http_server.port}/feed.xml"
    refused = fetch_error(url, GUARDED, resolver=FakeResolver(answers), trusted=None)
    assert refused.kind == "private_network"
    assert fetch(url, GUARDED, resolver=FakeResolver(answers), trusted=url).body == FEED


def test_only_the_checked_addresses_are_connected_to(outbound_trap):
    # A name answering with a private and a public address: the private one is dropped
    # before connecting (the public one then hits the trap instead of the network).
    answers = {"mixed.example": ["10.9.9.9", "93.184.216.34"]}
    error = fetch_error("http://mixed.example/", GUARDED, resolver=FakeResolver(answers),
                        trusted=None)
    assert error.kind == "connect"
    assert outbound_trap == ["93.184.216.34"]


# Python 3.11's is_global is True for the first five of PRIVATE_ADDRESSES.
PRIVATE_ADDRESSES = ["64:ff9b::a00:1", "64:ff9b::7f00:1", "2002:a00:1::1", "2002:7f00:1::",
                     "::a00:1", "::7f00:1", "fec0::1", "feff::1", "64:ff9b:1::a00:1",
                     "::ffff:0:a00:1", "10.0.0.1", "127.0.0.1", "172.16.0.1", "192.168.1.1",
                     "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "::", "::1",
                     "fe80::1", "fe80::1%eth0", "fc00::1", "ff02::1", "::ffff:10.0.0.1",
                     "2001:db8::1", "2001::1"]
PUBLIC_ADDRESSES = ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111",
                    "2001:4860:4860::8888", "::ffff:8.8.8.8",
                    "64:ff9b::808:808", "2002:808:808::1", "::808:808"]  # unwrapped: public


@pytest.mark.parametrize("address", PRIVATE_ADDRESSES)
def test_private_and_reserved_addresses_are_not_public(address):
    assert not is_public_address(address)


@pytest.mark.parametrize("address", PUBLIC_ADDRESSES)
def test_public_addresses_are_public(address):
    assert is_public_address(address)


@pytest.mark.parametrize(("url", "origin"), [
    ("http://News.Example./a", ("news.example", 80)),
    ("http://news.example:80/", ("news.example", 80)),
    ("https://news.example/", ("news.example", 443)),
    ("http://news.example:8080", ("news.example", 8080)),
    ("http://[::1]:1200/rss", ("::1", 1200)),
    ("http://１２７.0.0.1/", ("127.0.0.1", 80)),
    ("file:///srv/feed.xml", None),
    ("feeds/local.xml", None),
])
def test_origin_is_the_host_and_port_connected_to(url, origin):
    assert origin_of(url) == origin


def test_trust_is_for_the_configured_host_and_port_only(http_server, outbound_trap):
    """A source on 127.0.0.1:A may reach 127.0.0.1:A; not 127.0.0.1:B, not localhost:A,
    and no redirect from 127.0.0.1:A takes it there."""
    other = LoopbackServer()
    try:
        source = http_server.url("/feed.xml")
        assert fetch(http_server.url("/page.html"), GUARDED, trusted=source).status == 200
        for url in (other.url("/feed.xml"), f"http://localhost:{http_server.port}/feed.xml",
                    http_server.url(f"/redirect-to?url={other.url('/feed.xml')}")):
            error = fetch_error(url, GUARDED, trusted=source)
            assert error.kind == "private_network", url
            assert "is on a private or reserved network" in str(error)
        assert f"refused: 127.0.0.1:{other.port} is on" in str(error)
        assert other.hits("/feed.xml") == 0
        # the other server's own source may of course reach it
        assert fetch(other.url("/feed.xml"), GUARDED).body == FEED
    finally:
        other.close()
    assert outbound_trap == []


def test_trust_given_to_one_request_does_not_serve_another(http_server, outbound_trap):
    """A lookup and a kept-alive connection made for the source at news.internal:port
    must not let another source's request there through (one connector would: its DNS
    cache, shared lookups and connection pool are keyed by host and port only)."""
    answers = {"news.internal": ["127.0.0.1"]}
    source = f"http://news.internal:{http_server.port}/feed.xml"
    literal = http_server.url("/feed.xml")

    async def go() -> list[object]:
        async with Fetcher(GUARDED, resolver=FakeResolver(answers)) as fetcher:
            results: list[object] = []
            for url in (source, literal):
                own = await fetcher.get(url, trusted=url)
                together = await asyncio.gather(
                    fetcher.get(url, trusted=url),
                    fetcher.get(url, trusted="http://elsewhere.example/"),
                    return_exceptions=True)
                after = await asyncio.gather(fetcher.get(url, trusted=None),
                                             return_exceptions=True)
                results += [own, *together, *after]
            return results

    for n, result in enumerate(asyncio.run(go())):
        if n % 4 in (0, 1):  # the source's own requests
            assert isinstance(result, Response) and result.body == FEED
        else:
            assert isinstance(result, FetchError) and result.kind == "private_network"
    assert outbound_trap == []

