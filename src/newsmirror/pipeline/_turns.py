"""Which of several sources' same-titled articles gets the plain post name: the one of
the source earliest in the config, whatever order the sources finish in.

Sources are fetched and built concurrently and finish in any order. If each took names
first come, first served, two sources with an article of the same title on the same
day would share out the plain name and the suffixed one by finishing order, which
differs between runs, between a run and its interrupted twin, and between machines.

So each source *declares* the plain names its new items want as soon as it has planned
them (from the feed's titles and dates: cheap, and early in a run), and names its posts
once every source before it in the config has declared: a plain name that one of those
declared is theirs, and this source takes its identity-suffixed name at once, without
waiting for them to write anything; a plain name none of them declared is this
source's, whoever declares it later. So a source waits only for the planning (fetch and
parse) of the sources before it, which in practice is long done when it has built its
posts (holding built posts for others' builds cost 60 MB and a quarter more CPU on the
feed benchmark), and at most DECLARE_PATIENCE seconds: a feed slower than that (a dead
host being retried) must not hold the posts of the sources after it in memory; their
contested names are then settled first come. An item whose title or date comes from its article page
is declared by what the feed says; the rare contest this misses is settled first come.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

__all__ = ["DECLARE_PATIENCE", "NamingTurns"]


DECLARE_PATIENCE = 20.0  # seconds a source waits for the others to declare their names


class NamingTurns:
    def __init__(self, count: int, patience: float = DECLARE_PATIENCE):
        self._declared = [False] * count
        self._prefix = 0  # sources 0 .. _prefix-1 have all declared
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._patience = patience
        self._owners: dict[str, int] = {}  # lower-cased plain name -> earliest turn

    def declare(self, turn: int, names: Iterable[str]) -> None:
        """Source ``turn`` wants these plain names (once: later calls are ignored, so a
        source that failed can always declare nothing)."""
        if self._declared[turn]:
            return
        self._declared[turn] = True
        for name in names:
            key = name.lower()
            if turn < self._owners.get(key, turn + 1):
                self._owners[key] = turn
        while self._prefix < len(self._declared) and self._declared[self._prefix]:
            self._prefix += 1
        waiting = []
        for index, future in self._waiters:
            if index > self._prefix:
                waiting.append((index, future))
            elif not future.done():
                future.set_result(None)
        self._waiters = waiting

    async def wait(self, turn: int) -> None:
        """Until every source before ``turn`` has declared, or the patience is spent."""
        if self._prefix >= turn:
            return
        future = asyncio.get_running_loop().create_future()
        self._waiters.append((turn, future))
        try:
            await asyncio.wait_for(future, self._patience)
        except TimeoutError:
            pass  # settled first come for this source

    def may_take(self, turn: int, name: str) -> bool:
        """Whether source ``turn`` may take this name, free on disk and in the store:
        a plain name an earlier source in the config declared is that one's."""
        return self._owners.get(name.lower(), turn) >= turn
