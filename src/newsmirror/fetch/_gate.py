"""Politeness shared beyond one process: a gate a request passes before it connects.

A fetcher limits its own connections to a host (``[site] per_host_connections``), but
workers on several machines each have their own fetcher. Given a gate, every request
also holds one of the host's slots in something all of them see (the workers' store:
``pipeline/_worker.py``) from before it connects until its response is read, so the
host sees no more connections at once from all the workers together than from one.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol

__all__ = ["HostGate"]


class HostGate(Protocol):
    def hold(self, host: str) -> AbstractAsyncContextManager[None]:
        """Wait for one of ``host``'s slots; it is released when the block ends."""
        ...
