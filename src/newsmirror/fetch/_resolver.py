"""The resolver half of the private-network guard (``_guard``).

Apart from ``_guard`` because it subclasses aiohttp's resolver: a run whose sources are
all local files imports no aiohttp (docs/PERFORMANCE.md, "Start-up").
"""

from __future__ import annotations

import socket

from aiohttp.abc import AbstractResolver, ResolveResult

from ._guard import AddressPolicy, PrivateAddress, is_public_address

__all__ = ["GuardedResolver"]


class GuardedResolver(AbstractResolver):
    """Resolve with ``inner``, then keep only public addresses (unless the policy allows
    private ones everywhere).

    The connector connects to exactly what this returns, so a name cannot pass the
    check with one answer and connect with another (DNS rebinding). It knows nothing
    of the request, so a source's own private host and port go through another
    connector (see ``Fetcher``).
    """

    def __init__(self, inner: AbstractResolver, policy: AddressPolicy) -> None:
        self._inner = inner
        self._policy = policy

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        if self._policy.allow_private:
            return results
        allowed = [r for r in results if is_public_address(r["host"])]
        if not allowed:
            addresses = (r["host"] for r in results)
            raise PrivateAddress(self._policy.refusal(host, port, addresses))
        return allowed

    async def close(self) -> None:
        await self._inner.close()
