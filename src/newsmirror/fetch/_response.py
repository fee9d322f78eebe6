"""What one exchange gives back: the response, its validators, and the words for a
failed status."""

from __future__ import annotations

import email.utils
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Literal

from ..util.charset import decode

__all__ = [
    "Accept",
    "Exchange",
    "Response",
    "Validators",
    "media_type",
    "retry_after_seconds",
    "status_problem",
    "validators_to_store",
]

Accept = Literal["feed", "html", "any"]


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


@dataclass
class Exchange:
    """One HTTP request/response, body read (or not) and decoded."""

    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    attempts: int = 1
    retry_after: float | None = None


def retry_after_seconds(value: str | None) -> float | None:
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


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def validators_to_store(headers: Mapping[str, str], sent: Validators | None) -> Validators | None:
    """Validators to store. ``Expires: 0`` means "do not cache": store none (as Miniflux).

    A 304 may omit them; the ones we sent then stay valid, so they are returned.
    """
    if headers.get("Expires", "").strip() == "0":
        return None
    etag = headers.get("ETag") or (sent.etag if sent else None)
    modified = headers.get("Last-Modified") or (sent.last_modified if sent else None)
    return Validators(etag, modified) if etag or modified else None


def status_problem(exchange: Exchange) -> str:
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
