"""Sources name their new posts one after another, in config order.

Sources are fetched and built concurrently and finish in any order. If each named its
posts when it finished, two sources with an article of the same title on the same day
would take the plain name in finishing order, which differs between runs, between a run
and its interrupted twin, and between machines. So naming is a relay: a source reserves
its names only after every source before it in the config has reserved its own (or had
none to reserve). Building stays concurrent; only the one short transaction waits.
"""

from __future__ import annotations

import asyncio

__all__ = ["NamingTurns"]


class NamingTurns:
    def __init__(self, count: int):
        # done[i] is set once source i and every source before it have named their posts
        self._done = [asyncio.Event() for _ in range(count)]

    async def wait(self, index: int) -> None:
        """Until every source before ``index`` has named its posts."""
        if index > 0:
            await self._done[index - 1].wait()

    def finish(self, index: int) -> None:
        """Source ``index`` has named its posts (call after ``wait``)."""
        self._done[index].set()

    def finished(self, index: int) -> bool:
        return self._done[index].is_set()

    async def pass_on(self, index: int) -> None:
        """A source that names nothing (unchanged, failed, dry run) lets the next go."""
        if not self.finished(index):
            await self.wait(index)
            self.finish(index)
