"""What workers share in the store: the site's settings, the queue of sources with their
claims, the connection slots of each host, and the image files they kept.

A claim is a lease: its holder renews it while it works and releases it when done; a
holder that dies stops renewing, and once ``held_until`` has passed, the claim is free
for any worker. Times are the database's clock (``Database.now_sql``), so workers on
machines whose clocks disagree still agree on who holds what. On PostgreSQL a claimant
skips rows another claimant has locked (``SKIP LOCKED``) instead of waiting for them;
on SQLite the write lock of ``BEGIN IMMEDIATE`` makes a claim exclusive anyway.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._db import PostgresDatabase, SqliteDatabase

__all__ = ["QueueMixin"]


class QueueMixin:
    db: SqliteDatabase | PostgresDatabase

    # --- settings the publisher gives the workers -------------------------------------

    def setting(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def put_setting(self, key: str, value: str) -> None:
        self.db.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # --- the queue of sources ------------------------------------------------------------

    def queue_sources(self, source_ids: Iterable[str]) -> tuple[int, int]:
        """Make the queue hold exactly ``source_ids``: a new one is due at once, one no
        longer given leaves the queue (a worker holding it finishes it); (added, removed)."""
        wanted = set(source_ids)
        with self.db.transaction():
            queued = {row[0] for row in self.db.execute("SELECT source FROM source_queue")}
            added = sorted(wanted - queued)
            removed = sorted(queued - wanted)
            # spread: sources due at once are claimed in a random order, not by id, in
            # which neighbours often share a host (and would queue for its slots)
            self.db.executemany(
                "INSERT INTO source_queue (source, due_at, spread)"
                f" VALUES (?, {self.db.now_sql}, ?) ON CONFLICT DO NOTHING",
                [(s, random.randrange(1 << 30)) for s in added],
            )
            self.db.executemany(
                "DELETE FROM source_queue WHERE source = ?", [(s,) for s in removed]
            )
        return len(added), len(removed)

    def claim_source(self, holder: str, hold: float) -> str | None:
        """The id of a due source nobody holds (or whose holder's claim ran out), now
        held by ``holder`` for ``hold`` seconds; None when there is none.

        A holder whose claim ran out is taken for dead: its other claims and its host
        slots are freed with it, rather than each waiting out its own lease (a slot's is
        the request timeout and more, and it may be one of a host's only two).
        """
        now = self.db.now_sql
        due = (
            f"SELECT source, holder FROM source_queue WHERE due_at <= {now}"
            f" AND (holder IS NULL OR held_until < {now})"
            f" ORDER BY due_at, spread LIMIT 1{self.db.skip_locked}"
        )
        with self.db.transaction():
            row = self.db.execute(due).fetchone()
            if row is None:
                return None
            source, dead = row
            if dead is not None and dead != holder:
                self._free_holder(dead)
            self.db.execute(
                f"UPDATE source_queue SET holder = ?, held_until = {now} + ? WHERE source = ?",
                (holder, hold, source),
            )
        return str(source)

    def _free_holder(self, holder: str) -> None:
        # rows another claimant has locked are skipped (it is taking them over): two
        # claimants freeing one dead holder never wait for each other
        self.db.execute(
            "UPDATE source_queue SET holder = NULL, held_until = NULL WHERE source IN"
            f" (SELECT source FROM source_queue WHERE holder = ?{self.db.skip_locked})",
            (holder,),
        )
        self.db.execute(
            "UPDATE host_slots SET holder = NULL, held_until = NULL WHERE (host, slot) IN"
            f" (SELECT host, slot FROM host_slots WHERE holder = ?{self.db.skip_locked})",
            (holder,),
        )

    def renew_claim(self, source: str, holder: str, hold: float) -> bool:
        """Hold ``source`` ``hold`` seconds more; False when ``holder`` lost it (its
        claim ran out and another worker took it)."""
        cursor = self.db.execute(
            f"UPDATE source_queue SET held_until = {self.db.now_sql} + ?"
            " WHERE source = ? AND holder = ?",
            (hold, source, holder),
        )
        return cursor.rowcount > 0

    def release_source(self, source: str, holder: str, due_in: float) -> None:
        """``holder`` is done with ``source``: it is due again in ``due_in`` seconds."""
        self.db.execute(
            f"UPDATE source_queue SET holder = NULL, held_until = NULL,"
            f" due_at = {self.db.now_sql} + ? WHERE source = ? AND holder = ?",
            (due_in, source, holder),
        )

    def queue_state(self) -> tuple[int, int, float | None]:
        """(sources due now and free, claims held, seconds until the next source is due:
        0 when one is, None when the queue is empty)."""
        now = self.db.now_sql
        row = self.db.execute(
            f"SELECT count(*) FILTER (WHERE due_at <= {now} AND"
            f" (holder IS NULL OR held_until < {now})),"
            " count(*) FILTER (WHERE holder IS NOT NULL),"
            f" min(due_at) - {now} FROM source_queue"
        ).fetchone()
        wait = None if row[2] is None else max(0.0, float(row[2]))
        return int(row[0]), int(row[1]), wait

    # --- connection slots per host ---------------------------------------------------

    def claim_host_slot(self, host: str, limit: int, holder: str, hold: float) -> int | None:
        """One of ``host``'s ``limit`` connection slots, now ``holder``'s for at most
        ``hold`` seconds; None while all are held."""
        now = self.db.now_sql
        free = (
            "SELECT host, slot FROM host_slots WHERE host = ? AND slot < ?"
            f" AND (holder IS NULL OR held_until < {now}) LIMIT 1{self.db.skip_locked}"
        )
        if self.db.dialect == "postgresql":  # one round trip a request, not four
            row = self.db.execute(
                f"UPDATE host_slots SET holder = ?, held_until = {now} + ?"
                f" WHERE (host, slot) = ({free}) RETURNING slot",
                (holder, hold, host, limit),
            ).fetchone()
            return None if row is None else int(row[0])
        with self.db.transaction():  # (RETURNING needs SQLite 3.35)
            row = self.db.execute(free, (host, limit)).fetchone()
            if row is None:
                return None
            self.db.execute(
                f"UPDATE host_slots SET holder = ?, held_until = {now} + ?"
                " WHERE host = ? AND slot = ?",
                (holder, hold, host, row[1]),
            )
        return int(row[1])

    def add_host_slots(self, host: str, limit: int) -> None:
        self.db.executemany(
            "INSERT INTO host_slots (host, slot) VALUES (?, ?) ON CONFLICT DO NOTHING",
            [(host, slot) for slot in range(limit)],
        )

    def release_host_slot(self, host: str, slot: int, holder: str) -> None:
        self.db.execute(
            "UPDATE host_slots SET holder = NULL, held_until = NULL"
            " WHERE host = ? AND slot = ? AND holder = ?",
            (host, slot, holder),
        )

    # --- what the publisher writes ------------------------------------------------------

    def put_image_files(self, files: dict[str, bytes]) -> None:
        """Image files (path in the site: bytes) for the publisher to write."""
        self.db.executemany(
            "INSERT INTO image_files (path, data) VALUES (?, ?) ON CONFLICT DO NOTHING",
            list(files.items()),
        )

    def unwritten_image_files(self) -> list[tuple[str, bytes]]:
        rows = self.db.execute("SELECT path, data FROM image_files WHERE written = 0")
        return [(path, bytes(data)) for path, data in rows]

    def mark_image_files_written(self, paths: Iterable[str]) -> None:
        self.db.executemany(
            "UPDATE image_files SET written = 1 WHERE path = ?", [(p,) for p in paths]
        )

    def pending_posts(self) -> list[tuple[str, str, str]]:
        """(source, key, post path) of every item whose post is not written yet."""
        rows = self.db.execute(
            "SELECT source, key, post_path FROM items WHERE state = 'pending' ORDER BY source, key"
        )
        return [(r[0], r[1], r[2]) for r in rows]
