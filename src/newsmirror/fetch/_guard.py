"""The private-network guard.

A request may reach a private or reserved address only at the host and port the user
configured for the source it is made for (a self-hosted RSSHub on 127.0.0.1:1200 serves
that source's feed, its article pages there and redirects back there), or anywhere with
``[site] allow_private_networks``. Another source's links to that host and port, and
redirects from it to any other private host or port, are refused.

Names are checked after DNS resolution, inside the resolver the connector uses, so the
address that was checked is the address connected to (this defeats DNS rebinding); IP
literals never reach a resolver and are checked by the fetcher before connecting. Both
read the URL with yarl, as aiohttp does: a second parser could see another host
(``１２７.0.0.1`` is 127.0.0.1 to yarl, a name to ``urlsplit``).
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from yarl import URL

__all__ = [
    "AddressPolicy",
    "Origin",
    "PrivateAddress",
    "is_public_address",
    "origin_of",
    "private_ip_literal",
]

# (host as yarl reads it, lower-cased, without a trailing dot; port, the scheme's default
# when the URL gives none): http://h/ and http://h:80/ are one origin, https://h/ another.
Origin = tuple[str, int]


class PrivateAddress(OSError):
    """Raised inside the resolver; an OSError so aiohttp wraps it as a DNS error."""


# 2000::/3 holds every global unicast address; outside it only NAT64 (unwrapped below)
# reaches the internet. The rest (site-local fec0::/10, IPv4-translated ::ffff:0:0/96,
# local-use NAT64 64:ff9b:1::/48, ...) Python 3.11 may call global but is not.
_GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address a connection to ``ip`` may end up at: IPv4-mapped, NAT64,
    6to4 and IPv4-compatible addresses carry one (64:ff9b::10.0.0.1 reaches 10.0.0.1)."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64 or ip in _IPV4_COMPATIBLE:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


@functools.lru_cache(maxsize=4096)
def is_public_address(address: str) -> bool:
    """True when ``address`` (an IP address, as a resolver answers) is public unicast.

    ``is_global`` alone is not enough on Python 3.11: it calls NAT64, 6to4 and
    IPv4-compatible addresses with a private IPv4 inside, and site-local ones, global.
    Cached: resolvers answer with the same few addresses again and again.
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            ip = inner
        elif ip not in _GLOBAL_UNICAST:
            return False
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
    return not is_public_address(host)


_DEFAULT_PORTS = {"http": 80, "https": 443}


@functools.lru_cache(maxsize=4096)
def origin_of(url: str) -> Origin | None:
    """The host and port aiohttp will connect to for ``url``; None when it has no host
    or is not http(s). Raises ValueError for a URL yarl cannot read."""
    parsed = URL(url)
    default = _DEFAULT_PORTS.get(parsed.scheme)
    host = (parsed.host or "").lower().rstrip(".")
    if default is None or not host:
        return None
    return host, default if parsed.explicit_port is None else parsed.explicit_port


def _shown(host: str, port: int) -> str:
    if port in _DEFAULT_PORTS.values():
        return host
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


@dataclass(frozen=True)
class AddressPolicy:
    allow_private: bool

    def may_be_private(self, origin: Origin, trusted: Origin | None) -> bool:
        """Whether a request for the source configured at ``trusted`` may reach a
        private address at ``origin``: only at that very host and port."""
        return self.allow_private or origin == trusted

    def refusal(self, host: str, port: int, addresses: Iterable[str]) -> str:
        shown = ", ".join(sorted(set(addresses))[:3])
        return (
            f"refused: {_shown(host, port)} is on a private or reserved network ({shown}); "
            f"only a source's own configured host and port may be private (set [site] "
            f"allow_private_networks = true to allow every private address)"
        )
