"""Fetch settings: politeness, timeouts, retries and caps, from ``[site]``."""

from __future__ import annotations

from dataclasses import dataclass

from .. import __version__
from ..config import SiteSettings

__all__ = ["DEFAULT_USER_AGENT", "FetchSettings"]

DEFAULT_USER_AGENT = f"newsmirror/{__version__} (+https://github.com/newsmirror/newsmirror)"


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
    # Private addresses anywhere; without it only at the host and port of the source a
    # request is for (Fetcher.get's ``trusted``).
    allow_private_networks: bool = False

    @classmethod
    def from_site(cls, site: SiteSettings) -> FetchSettings:
        """Settings from ``[site]``."""
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
        )

    def too_large(self, what: str, detail: str = "") -> str:
        """The problem of a body (or a local source's file) over ``max_body``."""
        mib = self.max_body / 1024 / 1024
        return (
            f"{what} larger than {mib:g} MiB{detail}; raise [site] max_body_mb if this is expected"
        )
