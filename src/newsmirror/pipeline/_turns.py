"""Which of two sources' same-titled articles gets the plain post name: the one earlier
in the config, whatever order the sources finish in.

Sources are fetched and built concurrently and finish in any order. If each took names
first come, first served, two sources with an article of the same title on the same
day would share out the plain name and the suffixed one by finishing order, which
differs between runs, between a run and its interrupted twin, and between machines.

So each source *declares* the plain names its new items want as soon as it has planned
them (from the feed's titles and dates: cheap, and early), and names its posts only
once every source before it has declared. A name that an earlier source declared too
waits for that source to have named its own posts; every other name is taken at once.
Sources do not wait for each other's building, only for each other's planning, and
for one another only where their names meet. (An item whose title or date comes from
its article page is declared by what the feed says; the rare contest that this misses
is settled first come.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

__all__ = ["NamingTurns"]


class NamingTurns:
    def __init__(self, count: int):
        self._declared = [False] * count
        self._prefix = 0  # sources 0 .. _prefix-1 have all declared
        self._prefix_waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._named = [asyncio.Event() for _ in range(count)]
        self._claims: dict[str, list[int]] = {}  # lower-cased plain name -> turns

    def declare(self, turn: int, names: Iterable[str]) -> None:
        """Source ``turn`` will want these plain names (call once; later calls are
        ignored, so that a failing source can always declare nothing)."""
        if self._declared[turn]:
            return
        for name in names:
            self._claims.setdefault(name.lower(), []).append(turn)
        self._declared[turn] = True
        while self._prefix < len(self._declared) and self._declared[self._prefix]:
            self._prefix += 1
        waiting = []
        for index, future in self._prefix_waiters:
            if index <= self._prefix:
                if not future.done():
                    future.set_result(None)
            else:
                waiting.append((index, future))
        self._prefix_waiters = waiting

    async def wait_turn(self, turn: int, names: Iterable[str]) -> None:
        """Until source ``turn`` may take these plain names."""
        if self._prefix < turn:
            future = asyncio.get_running_loop().create_future()
            self._prefix_waiters.append((turn, future))
            await future
        for name in names:
            for other in self._claims.get(name.lower(), ()):
                if other < turn:
                    await self._named[other].wait()

    def named(self, turn: int) -> None:
        """Source ``turn`` has named its posts (or has none to name)."""
        self.declare(turn, ())
        self._named[turn].set()
