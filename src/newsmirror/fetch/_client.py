"""The fetcher: one per run, shared by feeds, pages and images.

It owns politeness (a global connection limit, a per-host limit and an optional delay
between two requests to one host; an honest User-Agent), conditional GET, per-attempt
timeouts and retries with backoff and jitter for transient failures (connection errors,
timeouts, 5xx, 429 with Retry-After), redirects followed by hand (the chain capped,
loops reported, every hop checked again), the decoded body size cap, the private-network
guard and the check that a body is what was asked for.
"""

from __future__ import annotations

import asyncio
import random
import zlib
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

import brotli

from ..errors import FetchError
from ..util.urls import host_of
from ._checks import content_type_problem
from ._encoding import decoders_for, feed_through, finish_through
from ._gate import HostGate
from ._guard import (
    AddressPolicy,
    Origin,
    PrivateAddress,
    origin_of,
    private_ip_literal,
)
from ._response import (
    Accept,
    Exchange,
    Response,
    Validators,
    media_type,
    retry_after_seconds,
    status_problem,
    validators_to_store,
)
from ._settings import FetchSettings

if TYPE_CHECKING:
    import aiohttp
    from aiohttp.abc import AbstractResolver

__all__ = ["Fetcher"]

_ACCEPT_HEADER: dict[str, str] = {
    "feed": (
        "application/rss+xml, application/atom+xml, application/feed+json, "
        "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
    ),
    "html": "text/html, application/xhtml+xml;q=0.9, */*;q=0.5",
    "any": "*/*",
}


_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


# 501/505 say "never", so they are not worth a retry; 408 is a server-side timeout.
_RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 507, 509, 520, 521, 522, 523, 524})


_RETRY_KINDS = frozenset({"timeout", "connect"})


# Credentials given for one source must not follow a redirect to another host.
_CREDENTIAL_HEADERS = ("Cookie", "Authorization")


def _after_attempts(exc: FetchError, attempts: int) -> FetchError:
    """``exc`` with the number of attempts made, when there was more than one."""
    if attempts < 2:
        return exc
    return FetchError(
        exc.url,
        exc.kind,
        f"{exc.problem} (after {attempts} attempts)",
        status=exc.status,
        retry_after=exc.retry_after,
    )


def _trusted_origin(url: str | None) -> Origin | None:
    try:
        return origin_of(url) if url else None
    except ValueError:  # a configured URL yarl cannot read trusts nothing
        return None


@dataclass
class _HostState:
    slots: asyncio.Semaphore
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_start: float = 0.0


class Fetcher:
    """Async context manager; one per run, shared by feeds, pages and images.

    ``resolver`` replaces the system DNS resolver (tests use it to fake answers); the
    private-network guard wraps whatever resolver is used.

    Two sessions: a request to the host and port of the source it is for (``get``'s
    ``trusted``) uses ``_own_session``, which may reach private addresses; every other
    request uses ``_session``, whose resolver refuses them. One connector cannot decide
    per request: its DNS cache, its shared in-flight lookups and its kept-alive
    connections are keyed by host and port only, so a lookup or a connection made for
    one source would serve another source's request to the same host and port.
    """

    def __init__(
        self,
        settings: FetchSettings | None = None,
        *,
        resolver: AbstractResolver | None = None,
        host_gate: HostGate | None = None,
    ) -> None:
        """``host_gate``: slots per host shared with other processes (``_gate.py``); with
        one, no connection is kept open after its response, as a kept connection would
        outlast the slot that allowed it."""
        self.settings = settings or FetchSettings()
        self._host_gate = host_gate
        self._policy = AddressPolicy(self.settings.allow_private_networks)
        self._inner_resolver = resolver
        self._session: aiohttp.ClientSession | None = None
        self._own_session: aiohttp.ClientSession | None = None
        self._hosts: dict[str, _HostState] = {}
        self._global_slots: asyncio.Semaphore | None = None
        self._open = False

    async def __aenter__(self) -> Fetcher:
        self._global_slots = asyncio.Semaphore(self.settings.max_connections)
        self._open = True
        return self

    def _open_sessions(self) -> None:
        """The two sessions, made by the first request: a run that fetches nothing (its
        sources are local files) imports no aiohttp (docs/PERFORMANCE.md, "Start-up")."""
        from aiohttp.resolver import ThreadedResolver

        from ._resolver import GuardedResolver

        inner = self._inner_resolver or ThreadedResolver()
        self._session = self._new_session(GuardedResolver(inner, self._policy))
        self._own_session = self._new_session(inner)

    def _new_session(self, resolver: AbstractResolver) -> aiohttp.ClientSession:
        import aiohttp  # made by the first request (see _open_sessions)

        s = self.settings
        # Our own semaphores do the queueing (see _slot); the connector limits are only a
        # backstop. Queueing inside aiohttp would count the wait against the timeouts.
        connector = aiohttp.TCPConnector(
            limit=s.max_connections,
            limit_per_host=s.per_host_connections,
            resolver=resolver,
            ttl_dns_cache=300,
            force_close=self._host_gate is not None,
        )
        return aiohttp.ClientSession(
            connector=connector,
            auto_decompress=False,  # we inflate ourselves, under the size cap
            cookie_jar=aiohttp.DummyCookieJar(),  # stateless: cookies only when configured
            trust_env=False,  # an environment proxy would bypass the address guard
            headers={"User-Agent": s.user_agent, "Accept-Encoding": "gzip, deflate, br"},
            timeout=aiohttp.ClientTimeout(
                total=s.total_timeout,
                connect=None,
                sock_connect=s.connect_timeout,
                sock_read=s.read_timeout,
            ),
        )

    async def __aexit__(self, *exc_info: object) -> None:
        for session in (self._session, self._own_session):
            if session is not None:
                await session.close()
        self._session = self._own_session = None
        self._open = False

    async def get(
        self,
        url: str,
        *,
        validators: Validators | None = None,
        headers: Mapping[str, str] | None = None,
        accept: Accept = "any",
        trusted: str | None = None,
        max_body: int | None = None,
    ) -> Response:
        """GET ``url``; raise :class:`FetchError` unless it gives a usable 2xx or a 304.

        ``trusted`` is the configured URL of the source the request is for: this request
        and its redirects may reach a private address at its host and port, and nowhere
        else (unless ``allow_private_networks``). ``max_body``: a cap below the site's
        for this request (an image), in decoded bytes.
        """
        if not self._open:
            raise RuntimeError("use 'async with Fetcher(...) as fetcher'")
        request_headers = {"Accept": _ACCEPT_HEADER[accept], **(headers or {})}
        if validators:
            request_headers.update(validators.request_headers())
        cap = min(max_body, self.settings.max_body) if max_body else self.settings.max_body
        exchange = await self._follow_redirects(url, request_headers, _trusted_origin(trusted), cap)
        return self._response(exchange, validators, accept)

    # -- redirects --

    async def _follow_redirects(
        self, url: str, headers: dict[str, str], trusted: Origin | None, cap: int
    ) -> Exchange:
        chain = [url]
        while True:
            session = self._checked_session(chain[-1], trusted)  # every hop checked again
            exchange = await self._exchange_with_retries(chain[-1], headers, session, cap)
            if exchange.status not in _REDIRECT_STATUSES:
                return exchange
            target = self._redirect_target(chain, exchange)
            if host_of(target) != host_of(chain[-1]):
                headers = {k: v for k, v in headers.items() if k not in _CREDENTIAL_HEADERS}
            chain.append(target)

    def _redirect_target(self, chain: list[str], exchange: Exchange) -> str:
        location = exchange.headers.get("Location")
        if not location:
            raise FetchError(
                chain[-1],
                "http",
                f"HTTP {exchange.status} redirect without a Location header",
                status=exchange.status,
            )
        target = urljoin(chain[-1], location.strip()).split("#", 1)[0]
        if target in chain:
            loop = " -> ".join(chain[chain.index(target) :] + [target])
            raise FetchError(chain[0], "redirect_loop", f"redirect loop: {loop}")
        if len(chain) > self.settings.max_redirects:
            raise FetchError(
                chain[0],
                "too_many_redirects",
                f"more than {self.settings.max_redirects} redirects (last: {chain[-1]})",
            )
        return target

    def _checked_session(self, url: str, trusted: Origin | None) -> aiohttp.ClientSession:
        """The session that may fetch ``url`` for a request trusted at ``trusted``."""
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 - raises ValueError on a bad port
            origin = origin_of(url)  # the host and port aiohttp will read from it
        except ValueError as exc:
            raise FetchError(url, "bad_url", f"not a valid URL ({exc})") from None
        if parts.scheme == "file":
            raise FetchError(url, "bad_url", "file URLs are read by the pipeline, not fetched")
        if parts.scheme not in ("http", "https") or origin is None:
            raise FetchError(url, "bad_url", "only http:// and https:// URLs can be fetched")
        if self._session is None:
            self._open_sessions()
        if self._policy.may_be_private(origin, trusted):
            assert self._own_session is not None
            return self._own_session
        host, port = origin
        # IP literals never reach the resolver, so they are checked here.
        if private_ip_literal(host):
            raise FetchError(url, "private_network", self._policy.refusal(host, port, [host]))
        assert self._session is not None
        return self._session

    # -- retries --

    async def _exchange_with_retries(
        self, url: str, headers: dict[str, str], session: aiohttp.ClientSession, cap: int
    ) -> Exchange:
        s = self.settings
        for attempt in range(s.retries + 1):
            last = attempt == s.retries
            try:
                exchange = await self._exchange(url, headers, session, cap)
            except FetchError as exc:
                if exc.kind not in _RETRY_KINDS:
                    raise
                if last:
                    # the attempts are counted, as for a status (status_problem): "timed
                    # out" alone reads as one slow answer, not a server that never answers
                    raise _after_attempts(exc, attempt + 1) from None
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
        delay = min(s.backoff_cap, s.backoff_base * 2**attempt)
        return delay / 2 + random.uniform(0, delay / 2)

    def _retry_delay(self, exchange: Exchange, attempt: int) -> float | None:
        """Seconds to wait before retrying; None when the server asks for too long."""
        exchange.retry_after = retry_after_seconds(exchange.headers.get("Retry-After"))
        if exchange.retry_after is None:
            return self._backoff(attempt)
        if exchange.retry_after > self.settings.retry_after_cap:
            return None  # waiting an hour inside one run helps no one: report it
        return exchange.retry_after

    # -- one exchange --

    @asynccontextmanager
    async def _slot(self, host: str) -> AsyncIterator[None]:
        """Wait for a per-host slot (and its delay), then for a global one, then for the
        host gate's (when the fetcher has one).

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
                if self._host_gate is None:
                    yield
                else:  # last: the slot is held only for the exchange itself, which
                    # total_timeout bounds (other workers wait for it)
                    async with self._host_gate.hold(host):
                        yield

    async def _exchange(
        self, url: str, headers: dict[str, str], session: aiohttp.ClientSession, cap: int
    ) -> Exchange:
        import aiohttp  # loaded by then: the session is aiohttp's (see _open_sessions)

        async with self._slot(host_of(url)):
            try:
                async with session.get(url, headers=headers, allow_redirects=False) as resp:
                    body = b""
                    if 200 <= resp.status < 300 and resp.status != 204:
                        body = await self._read_body(url, resp, cap)
                    return Exchange(url, resp.status, resp.headers, body)
            except FetchError:
                raise
            except TimeoutError as exc:  # aiohttp's timeout errors subclass it
                raise FetchError(url, "timeout", self._timeout_problem(exc)) from None
            except aiohttp.ClientConnectorError as exc:
                if isinstance(exc.os_error, PrivateAddress):
                    raise FetchError(url, "private_network", str(exc.os_error)) from None
                raise FetchError(url, "connect", f"cannot connect: {exc.os_error}") from None
            except aiohttp.ClientPayloadError:
                raise FetchError(
                    url, "connect", "connection lost while reading the body (incomplete response)"
                ) from None
            except aiohttp.InvalidURL as exc:
                raise FetchError(url, "bad_url", f"not a valid URL ({exc})") from None
            except (aiohttp.ClientError, OSError) as exc:
                problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise FetchError(url, "connect", f"connection failed: {problem}") from None

    def _timeout_problem(self, exc: BaseException) -> str:
        import aiohttp  # loaded by then (see _open_sessions)

        s = self.settings
        if isinstance(exc, aiohttp.SocketTimeoutError):
            return f"timed out: no data for {s.read_timeout:g} s"
        if isinstance(exc, aiohttp.ConnectionTimeoutError):
            return f"timed out connecting ({s.connect_timeout:g} s)"
        return f"timed out after {s.total_timeout:g} s"

    async def _read_body(self, url: str, resp: aiohttp.ClientResponse, cap: int) -> bytes:
        """Read and inflate the body, refusing to produce more than ``cap`` bytes."""
        if resp.content_length is not None and resp.content_length > cap:
            raise self._too_large(url, cap)
        try:
            decoders = decoders_for(resp.headers.get("Content-Encoding"))
            body = bytearray()
            async for chunk in resp.content.iter_any():
                for piece in feed_through(decoders, chunk):
                    body += piece
                    if len(body) > cap:
                        raise self._too_large(url, cap)
            for piece in finish_through(decoders):
                body += piece
        except (ValueError, zlib.error, brotli.error) as exc:
            raise FetchError(url, "encoding", f"cannot decode the body: {exc}") from None
        if len(body) > cap:
            raise self._too_large(url, cap)
        return bytes(body)

    def _too_large(self, url: str, cap: int) -> FetchError:
        if cap < self.settings.max_body:  # a cap of this request's own (an image's)
            return FetchError(url, "too_large", f"body larger than {cap / 1024 / 1024:g} MiB")
        return FetchError(url, "too_large", self.settings.too_large("body", " (decoded)"))

    # -- the result --

    def _response(self, exchange: Exchange, sent: Validators | None, accept: Accept) -> Response:
        url, status = exchange.url, exchange.status
        response = Response(
            url=url,
            status=status,
            headers=exchange.headers,
            body=exchange.body,
            not_modified=status == 304,
            validators=validators_to_store(exchange.headers, sent),
            content_type=media_type(exchange.headers.get("Content-Type")),
        )
        if status == 304:
            return response
        if not 200 <= status < 300:
            raise FetchError(
                url,
                "http",
                status_problem(exchange),
                status=status,
                retry_after=exchange.retry_after,
            )
        if not exchange.body:
            raise FetchError(url, "empty", f"HTTP {status} with an empty body", status=status)
        problem = content_type_problem(accept, response)
        if problem:
            raise FetchError(url, "content_type", problem, status=status)
        return response
