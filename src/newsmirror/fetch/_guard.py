"""The private-network guard: addresses are checked after DNS resolution, inside the
resolver the connector uses, so the address that was checked is the address connected
to (this defeats DNS rebinding)."""

from __future__ import annotations

import functools
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass

from aiohttp.abc import AbstractResolver, ResolveResult

__all__ = ["AddressPolicy", "GuardedResolver", "PrivateAddress", "private_ip_literal"]


class PrivateAddress(OSError):
    """Raised inside the resolver; an OSError so aiohttp wraps it as a DNS error."""


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is loopback
    # is_global is False for private, loopback, link-local, reserved, unspecified and
    # shared (100.64/10) space; multicast has global ranges, so refuse it explicitly.
    return ip.is_global and not ip.is_multicast


@functools.lru_cache(maxsize=4096)
def private_ip_literal(host: str) -> bool:
    """True when ``host`` is an IP address (not a name) outside public space.

    Cached: ``ip_address`` raising twice for every host name was a visible per-request
    cost in the page benchmark (docs/PERFORMANCE.md, "HTTP client").
    """
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return not _is_public(host)


@dataclass(frozen=True)
class AddressPolicy:
    allow_private: bool
    trusted_hosts: frozenset[str]

    def trusts(self, host: str) -> bool:
        return self.allow_private or host.lower().rstrip(".") in self.trusted_hosts

    def refusal(self, host: str, addresses: Iterable[str]) -> str:
        shown = ", ".join(sorted(set(addresses))[:3])
        return (
            f"refused: {host} is on a private or reserved network ({shown}); list it "
            f"as a source or set [site] allow_private_networks = true to allow it"
        )


class GuardedResolver(AbstractResolver):
    """Resolve with ``inner``, then keep only addresses the policy allows.

    The connector connects to exactly what this returns, so a name cannot pass the
    check with one answer and connect with another (DNS rebinding).
    """

    def __init__(self, inner: AbstractResolver, policy: AddressPolicy) -> None:
        self._inner = inner
        self._policy = policy

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        if self._policy.trusts(host):
            return results
        allowed = [r for r in results if _is_public(r["host"])]
        if not allowed:
            raise PrivateAddress(self._policy.refusal(host, (r["host"] for r in results)))
        return allowed

    async def close(self) -> None:
        await self._inner.close()
