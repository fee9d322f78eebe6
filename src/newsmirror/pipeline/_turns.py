"""Which of several sources' same-titled articles gets the plain post name: the one of
the source earliest in the config, whatever order the sources finish in.

Sources are fetched and built concurrently and finish in any order. If each took names
first come, first served, two sources with an article of the same title on the same
day would share out the plain name and the suffixed one by finishing order, which
differs between runs, between a run and its interrupted twin, and between machines.

So each source *declares* the plain names its new items want as soon as it has planned
them (from the feed's titles and dates: cheap, and early in a run), and names its posts
once every source has declared: a plain name then goes to the earliest source that
declared it, and the others take their identity-suffixed names without waiting for it.
Sources wait only for each other's planning (fetch and parse), not for their building,
and at most DECLARE_PATIENCE seconds: a feed slower than that (a dead host being
retried) must not hold every other source's built posts in memory; its contested names
are then settled first come. An item whose title or date comes from its article page
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
        self._undeclared = count
        self._all_declared = asyncio.Event()
        if count == 0:
            self._all_declared.set()
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
        self._undeclared -= 1
        if self._undeclared == 0:
            self._all_declared.set()

    async def wait(self) -> None:
        """Until every source has declared, or the patience is spent."""
        if self._all_declared.is_set():
            return
        try:
            await asyncio.wait_for(self._all_declared.wait(), self._patience)
        except TimeoutError:
            self._all_declared.set()  # the others need not wait that long again

    def may_take(self, turn: int, name: str) -> bool:
        """Whether source ``turn`` may take this name, free on disk and in the store:
        a plain name another source declared earlier in the config is that one's."""
        return self._owners.get(name.lower(), turn) == turn
