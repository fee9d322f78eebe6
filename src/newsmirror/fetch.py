"""Async HTTP for feeds, article pages and images: fetching like a good citizen.

One :class:`Fetcher` per run, shared by every stage. It owns:

* politeness: a global connection limit, a per-host limit (2 by default) and an optional
  minimum delay between two requests to one host; an honest User-Agent;
* conditional GET (ETag / Last-Modified) so an unchanged feed costs one bodyless 304;
* per-attempt connect / read / total timeouts, and retries with exponential backoff and
  jitter for transient failures (connection errors, timeouts, 5xx, 429 + Retry-After);
* redirects followed by hand, so the chain is capped, loops are reported and every hop
  is checked again;
* a cap on the *decoded* body size: compressed bodies are inflated here, step by step,
  so a gzip bomb stops at the cap instead of filling memory;
* a private-network guard applied *after* DNS resolution, inside the resolver the
  connector uses, so the address that was checked is the address connected to (this
  defeats DNS rebinding);
* a sanity check that a "feed" is not an HTML login page and a "page" is not a PDF.

aiohttp was chosen over httpx on measurement: ~33x the throughput at 64 concurrent
requests on this project's machines (``/work/shared/notes/measured.md`` section 5).
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import ipaddress
import random
import re
import socket
import zlib
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from datetime import UTC, datetime
from typing import Literal, Protocol
from urllib.parse import urljoin, urlsplit

import aiohttp
import brotli
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

from . import __version__
from .config import SiteSettings
from .decode import decode

__all__ = ["Accept", "FetchError", "FetchSettings", "Fetcher", "Response", "Validators"]

Accept = Literal["feed", "html", "any"]

DEFAULT_USER_AGENT = f"newsmirror/{__version__} (+https://github.com/newsmirror/newsmirror)"

_ACCEPT_HEADER: dict[str, str] = {
    "feed": ("application/rss+xml, application/atom+xml, application/feed+json, "
             "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"),
    "html": "text/html, application/xhtml+xml;q=0.9, */*;q=0.5",
    "any": "*/*",
}
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# 501/505 say "never", so they are not worth a retry; 408 is a server-side timeout.
_RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 507, 509, 520, 521, 522, 523, 524})
_RETRY_KINDS = frozenset({"timeout", "connect"})
# Credentials given for one source must not follow a redirect to another host.
_CREDENTIAL_HEADERS = ("Cookie", "Authorization")
_DECODE_STEP = 256 * 1024  # most bytes one inflate step may produce


class FetchError(Exception):
    """A fetch that failed; ``str(error)`` is one line naming the URL and the problem.

    ``kind`` is one of: "bad_url", "private_network", "connect", "timeout", "http",
    "redirect_loop", "too_many_redirects", "too_large", "encoding", "content_type",
    "empty". ``retry_after`` is set when the server asked us to come back later.
    """

    def __init__(self, url: str, kind: str, problem: str, *, status: int | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(f"{url}: {problem}")
        self.url = url
        self.kind = kind
        self.problem = problem
        self.status = status
        self.retry_after = retry_after


@dataclass(frozen=True)
class Validators:
    """What a server gave us to ask "has it changed?" next time."""

    etag: str | None = None
    last_modified: str | None = None

    def request_headers(self) -> dict[str, str]:
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


@dataclass
class Response:
    url: str  # final URL after redirects
    status: int
    headers: Mapping[str, str]  # case-insensitive (a multidict proxy)
    body: bytes  # content-encoding already decoded; at most FetchSettings.max_body
    not_modified: bool  # 304: body is empty, nothing to parse
    validators: Validators | None  # what to store for next time; None: store nothing
    content_type: str  # media type, lower-cased, no parameters ("" when absent)

    def text(self) -> str:
        """The body as text (BOM, UTF-8, charset label, <meta>, then detection)."""
        return decode(self.body, self.headers.get("Content-Type"))[0]


@dataclass(frozen=True)
class FetchSettings:
    user_agent: str = DEFAULT_USER_AGENT
    max_connections: int = 32
    per_host_connections: int = 2
    per_host_delay: float = 0.0  # minimum seconds between two request starts to one host
    connect_timeout: float = 10.0
    read_timeout: float = 20.0  # longest silence while reading
    total_timeout: float = 30.0  # one attempt, headers and body
    retries: int = 3  # extra attempts after the first
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    retry_after_cap: float = 120.0  # a longer Retry-After is reported, not waited for
    max_redirects: int = 10
    max_body: int = 15 * 1024 * 1024  # decoded bytes
    allow_private_networks: bool = False
    trusted_hosts: frozenset[str] = frozenset()  # hosts of configured sources

    @classmethod
    def from_site(cls, site: SiteSettings, trusted_hosts: Iterable[str] = ()) -> FetchSettings:
        """Settings from ``[site]``; ``trusted_hosts`` takes host names or source URLs."""
        total = float(site.timeout)
        return cls(
            user_agent=site.user_agent or DEFAULT_USER_AGENT,
            max_connections=site.max_connections,
            per_host_connections=site.per_host_connections,
            per_host_delay=float(site.per_host_delay),
            connect_timeout=min(cls.connect_timeout, total),
            read_timeout=min(cls.read_timeout, total),
            total_timeout=total,
            retries=site.retries,
            max_body=int(site.max_body_mb * 1024 * 1024),
            allow_private_networks=site.allow_private_networks,
            trusted_hosts=frozenset(filter(None, map(_host_of, trusted_hosts))),
        )


def _host_of(host_or_url: str) -> str | None:
    if "://" in host_or_url:
        host_or_url = urlsplit(host_or_url).hostname or ""
    return host_or_url.strip().lower().rstrip(".") or None


# --- private-network guard ------------------------------------------------------------

class _PrivateAddress(OSError):
    """Raised inside the resolver; an OSError so aiohttp wraps it as a DNS error."""


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is loopback
    # is_global is False for private, loopback, link-local, reserved, unspecified and
    # shared (100.64/10) space; multicast has global ranges, so refuse it explicitly.
    return ip.is_global and not ip.is_multicast


@functools.lru_cache(maxsize=4096)
def _private_ip_literal(host: str) -> bool:
    """True when ``host`` is an IP address (not a name) outside public space.

    Cached: ``ip_address`` raising twice for every host name was a visible per-request
    cost in the page benchmark.
    """
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return not _is_public(host)


@dataclass(frozen=True)
class _AddressPolicy:
    allow_private: bool
    trusted_hosts: frozenset[str]

    def trusts(self, host: str) -> bool:
        return self.allow_private or host.lower().rstrip(".") in self.trusted_hosts

    def refusal(self, host: str, addresses: Iterable[str]) -> str:
        shown = ", ".join(sorted(set(addresses))[:3])
        return (f"refused: {host} is on a private or reserved network ({shown}); list it "
                f"as a source or set [site] allow_private_networks = true to allow it")


class _GuardedResolver(AbstractResolver):
    """Resolve with ``inner``, then keep only addresses the policy allows.

    The connector connects to exactly what this returns, so a name cannot pass the
    check with one answer and connect with another (DNS rebinding).
    """

    def __init__(self, inner: AbstractResolver, policy: _AddressPolicy) -> None:
        self._inner = inner
        self._policy = policy

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        if self._policy.trusts(host):
            return results
        allowed = [r for r in results if _is_public(r["host"])]
        if not allowed:
            raise _PrivateAddress(self._policy.refusal(host, (r["host"] for r in results)))
        return allowed

    async def close(self) -> None:
        await self._inner.close()


# --- streaming content decoding -------------------------------------------------------

class _Decoder(Protocol):
    name: str

    def feed(self, data: bytes) -> Iterator[bytes]: ...  # pieces of <= _DECODE_STEP
    def finish(self) -> bytes: ...  # raises ValueError when the stream is truncated


class _ZlibDecoder:
    """gzip or deflate, inflated at most ``_DECODE_STEP`` bytes at a time."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._d: zlib._Decompress | None = None

    def _start(self, first: bytes) -> zlib._Decompress:
        if self.name == "gzip":
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        # "deflate" should be zlib-wrapped, but many servers send raw deflate.
        wrapped = len(first) >= 2 and first[0] & 0x0F == 8 and (first[0] << 8 | first[1]) % 31 == 0
        return zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        while data:
            if self._d is None:
                self._d = self._start(data)
            elif self._d.eof:
                # Another gzip member may follow (concatenated gzip); anything else after
                # the end of the stream (padding, garbage) is ignored, as browsers do.
                if self.name != "gzip" or not data.startswith(b"\x1f\x8b"):
                    return
                self._d = self._start(data)
            out = self._d.decompress(data, _DECODE_STEP)
            data = self._d.unconsumed_tail or (self._d.unused_data if self._d.eof else b"")
            yield out

    def finish(self) -> bytes:
        if self._d is None:
            return b""
        tail = self._d.flush()
        if not self._d.eof:
            raise ValueError(f"{self.name} stream ends early")
        return tail


class _BrotliDecoder:
    name = "br"

    def __init__(self) -> None:
        self._d = brotli.Decompressor()

    def feed(self, data: bytes) -> Iterator[bytes]:
        try:
            yield self._d.process(data, output_buffer_limit=_DECODE_STEP)
        except TypeError:  # brotli < 1.2 cannot bound its output: feed small slices
            for i in range(0, len(data), 256):
                yield self._d.process(data[i:i + 256])
            return
        while not self._d.can_accept_more_data():
            yield self._d.process(b"", output_buffer_limit=_DECODE_STEP)

    def finish(self) -> bytes:
        if not self._d.is_finished():
            raise ValueError("br stream ends early")
        return b""


def _decoders_for(content_encoding: str | None) -> list[_Decoder]:
    """Decoders in the order to apply them (the reverse of the header's order)."""
    names = [n.strip().lower() for n in (content_encoding or "").split(",")]
    decoders: list[_Decoder] = []
    for name in reversed([n for n in names if n and n != "identity"]):
        if name in ("gzip", "x-gzip"):
            decoders.append(_ZlibDecoder("gzip"))
        elif name == "deflate":
            decoders.append(_ZlibDecoder("deflate"))
        elif name == "br":
            decoders.append(_BrotliDecoder())
        else:
            raise ValueError(f"unsupported Content-Encoding {name!r}")
    return decoders


def _feed_through(decoders: list[_Decoder], data: bytes) -> Iterator[bytes]:
    """Lazily pass ``data`` through a chain: nothing is inflated before it is wanted."""
    if not decoders:
        yield data
        return
    for piece in decoders[0].feed(data):
        yield from _feed_through(decoders[1:], piece)


def _finish_through(decoders: list[_Decoder]) -> Iterator[bytes]:
    for i, decoder in enumerate(decoders):
        yield from _feed_through(decoders[i + 1:], decoder.finish())


# --- content sniffing -----------------------------------------------------------------

_HTML_PAGE = re.compile(
    rb"\s*(?:<!--.*?-->\s*|<\?xml[^>]*>\s*)*<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])",
    re.I | re.S)
_FEED_ROOT = re.compile(rb"<(?:rss|feed|rdf:RDF)[\s>]", re.I)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title", re.I | re.S)
_BINARY_MAGIC = (b"%PDF-", b"\x89PNG", b"GIF87a", b"GIF89a", b"\xff\xd8\xff", b"PK\x03\x04",
                 b"\x1f\x8b")
_BINARY_TYPES = ("image/", "audio/", "video/", "font/", "model/", "application/pdf",
                 "application/zip", "application/gzip", "application/msword",
                 "application/vnd.")


def _looks_like_html_page(body: bytes) -> bool:
    start = body[:4096].removeprefix(b"\xef\xbb\xbf")
    return bool(_HTML_PAGE.match(start)) and not _FEED_ROOT.search(start)


def _looks_binary(content_type: str, body: bytes) -> bool:
    return content_type.startswith(_BINARY_TYPES) or body.startswith(_BINARY_MAGIC)


def _page_title(body: bytes, content_type: str | None) -> str:
    match = _TITLE.search(decode(body[:16384], content_type)[0])
    title = " ".join(match.group(1).split()) if match else ""
    return f" titled {title[:80]!r}" if title else ""


def _content_type_problem(accept: Accept, response: Response) -> str | None:
    ctype, body = response.content_type, response.body
    shown = ctype or "no Content-Type"
    if accept == "feed":
        if _looks_binary(ctype, body):
            return f"expected a feed, got {shown}"
        if _looks_like_html_page(body):
            title = _page_title(body, response.headers.get("Content-Type"))
            return (f"expected a feed, got an HTML page{title} ({shown}); the feed may "
                    f"have moved, or the site wants a login or blocks robots")
    elif accept == "html" and _looks_binary(ctype, body):
        return f"expected an HTML page, got {shown}"
    return None


# --- helpers for one exchange ---------------------------------------------------------

@dataclass
class _Exchange:
    """One HTTP request/response, body read (or not) and decoded."""

    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    attempts: int = 1
    retry_after: float | None = None


@dataclass
class _HostState:
    slots: asyncio.Semaphore
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_start: float = 0.0


def _retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP-date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _validators(headers: Mapping[str, str], sent: Validators | None) -> Validators | None:
    """Validators to store. ``Expires: 0`` means "do not cache": store none (as Miniflux).

    A 304 may omit them; the ones we sent then stay valid, so they are returned.
    """
    if headers.get("Expires", "").strip() == "0":
        return None
    etag = headers.get("ETag") or (sent.etag if sent else None)
    modified = headers.get("Last-Modified") or (sent.last_modified if sent else None)
    return Validators(etag, modified) if etag or modified else None


def _status_problem(exchange: _Exchange) -> str:
    try:
        phrase = HTTPStatus(exchange.status).phrase
    except ValueError:
        phrase = "error"
    problem = f"HTTP {exchange.status} {phrase}"
    if exchange.retry_after is not None:
        problem += f"; the server asks to retry after {exchange.retry_after:.0f} s"
    if exchange.attempts > 1:
        problem += f" (after {exchange.attempts} attempts)"
    return problem


# --- the fetcher ----------------------------------------------------------------------

class Fetcher:
    """Async context manager; one per run, shared by feeds, pages and images.

    ``resolver`` replaces the system DNS resolver (tests use it to fake answers); the
    private-network guard wraps whatever resolver is used.
    """

    def __init__(self, settings: FetchSettings | None = None, *,
                 resolver: AbstractResolver | None = None) -> None:
        self.settings = settings or FetchSettings()
        self._policy = _AddressPolicy(self.settings.allow_private_networks,
                                      frozenset(self.settings.trusted_hosts))
        self._inner_resolver = resolver
        self._session: aiohttp.ClientSession | None = None
        self._hosts: dict[str, _HostState] = {}
        self._global_slots: asyncio.Semaphore | None = None

    async def __aenter__(self) -> Fetcher:
        s = self.settings
        resolver = _GuardedResolver(self._inner_resolver or ThreadedResolver(), self._policy)
        # Our own semaphores do the queueing (see _slot); the connector limits are only a
        # backstop. Queueing inside aiohttp would count the wait against the timeouts.
        connector = aiohttp.TCPConnector(limit=s.max_connections,
                                         limit_per_host=s.per_host_connections,
                                         resolver=resolver, ttl_dns_cache=300)
        self._session = aiohttp.ClientSession(
            connector=connector,
            auto_decompress=False,  # we inflate ourselves, under the size cap
            cookie_jar=aiohttp.DummyCookieJar(),  # stateless: cookies only when configured
            trust_env=False,  # an environment proxy would bypass the address guard
            headers={"User-Agent": s.user_agent, "Accept-Encoding": "gzip, deflate, br"},
            timeout=aiohttp.ClientTimeout(total=s.total_timeout, connect=None,
                                          sock_connect=s.connect_timeout,
                                          sock_read=s.read_timeout),
        )
        self._global_slots = asyncio.Semaphore(s.max_connections)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def get(self, url: str, *, validators: Validators | None = None,
                  headers: Mapping[str, str] | None = None,
                  accept: Accept = "any") -> Response:
        """GET ``url``; raise :class:`FetchError` unless it gives a usable 2xx or a 304."""
        if self._session is None:
            raise RuntimeError("use 'async with Fetcher(...) as fetcher'")
        request_headers = {"Accept": _ACCEPT_HEADER[accept], **(headers or {})}
        if validators:
            request_headers.update(validators.request_headers())
        exchange = await self._follow_redirects(url, request_headers)
        return self._response(exchange, validators, accept)

    # -- redirects --

    async def _follow_redirects(self, url: str, headers: dict[str, str]) -> _Exchange:
        chain = [url]
        while True:
            self._check_url(chain[-1])
            exchange = await self._exchange_with_retries(chain[-1], headers)
            if exchange.status not in _REDIRECT_STATUSES:
                return exchange
            target = self._redirect_target(chain, exchange)
            if _host_of(target) != _host_of(chain[-1]):
                headers = {k: v for k, v in headers.items() if k not in _CREDENTIAL_HEADERS}
            chain.append(target)

    def _redirect_target(self, chain: list[str], exchange: _Exchange) -> str:
        location = exchange.headers.get("Location")
        if not location:
            raise FetchError(chain[-1], "http", f"HTTP {exchange.status} redirect without "
                                                f"a Location header", status=exchange.status)
        target = urljoin(chain[-1], location.strip()).split("#", 1)[0]
        if target in chain:
            loop = " -> ".join(chain[chain.index(target):] + [target])
            raise FetchError(chain[0], "redirect_loop", f"redirect loop: {loop}")
        if len(chain) > self.settings.max_redirects:
            raise FetchError(chain[0], "too_many_redirects",
                             f"more than {self.settings.max_redirects} redirects "
                             f"(last: {chain[-1]})")
        return target

    def _check_url(self, url: str) -> None:
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError as exc:
            raise FetchError(url, "bad_url", f"not a valid URL ({exc})") from None
        if parts.scheme == "file":
            raise FetchError(url, "bad_url", "file URLs are read by the pipeline, not fetched")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError(url, "bad_url", "only http:// and https:// URLs can be fetched")
        host = parts.hostname
        # IP literals never reach the resolver, so they are checked here.
        if _private_ip_literal(host) and not self._policy.trusts(host):
            raise FetchError(url, "private_network", self._policy.refusal(host, [host]))

    # -- retries --

    async def _exchange_with_retries(self, url: str, headers: dict[str, str]) -> _Exchange:
        s = self.settings
        for attempt in range(s.retries + 1):
            last = attempt == s.retries
            try:
                exchange = await self._exchange(url, headers)
            except FetchError as exc:
                if exc.kind not in _RETRY_KINDS or last:
                    raise
                await asyncio.sleep(self._backoff(attempt))
                continue
            exchange.attempts = attempt + 1
            if exchange.status not in _RETRY_STATUSES:
                return exchange
            delay = self._retry_delay(exchange, attempt)
            if delay is None or last:
                return exchange
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with "equal jitter": half fixed, half random."""
        s = self.settings
        delay = min(s.backoff_cap, s.backoff_base * 2 ** attempt)
        return delay / 2 + random.uniform(0, delay / 2)

    def _retry_delay(self, exchange: _Exchange, attempt: int) -> float | None:
        """Seconds to wait before retrying; None when the server asks for too long."""
        exchange.retry_after = _retry_after_seconds(exchange.headers.get("Retry-After"))
        if exchange.retry_after is None:
            return self._backoff(attempt)
        if exchange.retry_after > self.settings.retry_after_cap:
            return None  # waiting an hour inside one run helps no one: report it
        return exchange.retry_after

    # -- one exchange --

    @asynccontextmanager
    async def _slot(self, host: str) -> AsyncIterator[None]:
        """Wait for a per-host slot (and its delay), then for a global one.

        Per-host first, so a task queued behind a busy host holds no global slot.
        """
        s = self.settings
        state = self._hosts.get(host)
        if state is None:
            state = self._hosts[host] = _HostState(asyncio.Semaphore(s.per_host_connections))
        async with state.slots:
            if s.per_host_delay > 0:
                async with state.lock:
                    loop = asyncio.get_running_loop()
                    wait = state.next_start - loop.time()
                    if wait > 0:
                        await asyncio.sleep(wait)
                    state.next_start = loop.time() + s.per_host_delay
            assert self._global_slots is not None
            async with self._global_slots:
                yield

    async def _exchange(self, url: str, headers: dict[str, str]) -> _Exchange:
        assert self._session is not None
        async with self._slot(_host_of(url) or ""):
            try:
                async with self._session.get(url, headers=headers,
                                             allow_redirects=False) as resp:
                    body = b""
                    if 200 <= resp.status < 300 and resp.status != 204:
                        body = await self._read_body(url, resp)
                    return _Exchange(url, resp.status, resp.headers, body)
            except FetchError:
                raise
            except TimeoutError as exc:  # aiohttp's timeout errors subclass it
                raise FetchError(url, "timeout", self._timeout_problem(exc)) from None
            except aiohttp.ClientConnectorError as exc:
                if isinstance(exc.os_error, _PrivateAddress):
                    raise FetchError(url, "private_network", str(exc.os_error)) from None
                raise FetchError(url, "connect", f"cannot connect: {exc.os_error}") from None
            except aiohttp.ClientPayloadError:
                raise FetchError(url, "connect", "connection lost while reading the body "
                                                 "(incomplete response)") from None
            except aiohttp.InvalidURL as exc:
                raise FetchError(url, "bad_url", f"not a valid URL ({exc})") from None
            except (aiohttp.ClientError, OSError) as exc:
                problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise FetchError(url, "connect", f"connection failed: {problem}") from None

    def _timeout_problem(self, exc: BaseException) -> str:
        s = self.settings
        if isinstance(exc, aiohttp.SocketTimeoutError):
            return f"timed out: no data for {s.read_timeout:g} s"
        if isinstance(exc, aiohttp.ConnectionTimeoutError):
            return f"timed out connecting ({s.connect_timeout:g} s)"
        return f"timed out after {s.total_timeout:g} s"

    async def _read_body(self, url: str, resp: aiohttp.ClientResponse) -> bytes:
        """Read and inflate the body, refusing to produce more than ``max_body`` bytes."""
        cap = self.settings.max_body
        if resp.content_length is not None and resp.content_length > cap:
            raise self._too_large(url)
        try:
            decoders = _decoders_for(resp.headers.get("Content-Encoding"))
            body = bytearray()
            async for chunk in resp.content.iter_any():
                for piece in _feed_through(decoders, chunk):
                    body += piece
                    if len(body) > cap:
                        raise self._too_large(url)
            for piece in _finish_through(decoders):
                body += piece
        except (ValueError, zlib.error, brotli.error) as exc:
            raise FetchError(url, "encoding", f"cannot decode the body: {exc}") from None
        if len(body) > cap:
            raise self._too_large(url)
        return bytes(body)

    def _too_large(self, url: str) -> FetchError:
        mib = self.settings.max_body / 1024 / 1024
        return FetchError(url, "too_large", f"body larger than {mib:g} MiB (decoded); "
                                            f"raise [site] max_body_mb if this is expected")

    # -- the result --

    def _response(self, exchange: _Exchange, sent: Validators | None,
                  accept: Accept) -> Response:
        url, status = exchange.url, exchange.status
        response = Response(url=url, status=status, headers=exchange.headers,
                            body=exchange.body, not_modified=status == 304,
                            validators=_validators(exchange.headers, sent),
                            content_type=_media_type(exchange.headers.get("Content-Type")))
        if status == 304:
            return response
        if not 200 <= status < 300:
            raise FetchError(url, "http", _status_problem(exchange), status=status,
                             retry_after=exchange.retry_after)
        if not exchange.body:
            raise FetchError(url, "empty", f"HTTP {status} with an empty body", status=status)
        problem = _content_type_problem(accept, response)
        if problem:
            raise FetchError(url, "content_type", problem, status=status)
        return response
