"""The store's connection to its database: SQLite (a file beside the site, the default)
or PostgreSQL (``postgresql://...``, for workers on many machines).

The store writes one SQL for both: ``?`` placeholders, ``INSERT ... ON CONFLICT``
upserts (SQLite 3.24+ and PostgreSQL 9.5+ share that syntax), ISO 8601 text for times.
What differs is here: how a transaction starts, how placeholders are spelled, the column
types of the schema (``_schema.py``), the database's clock, and row locks that other
claimants skip (``SKIP LOCKED``, PostgreSQL only: SQLite's write lock already makes a
claim exclusive).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit, urlunsplit

from ..errors import StoreError

__all__ = [
    "Cursor",
    "Database",
    "Dialect",
    "PostgresDatabase",
    "SqliteDatabase",
    "connect",
    "is_database_url",
    "redact_url",
    "statements",
]

Dialect = Literal["sqlite", "postgresql"]

_URL_SCHEMES = ("postgresql://", "postgres://")


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def __iter__(self) -> Iterator[Any]: ...


class Database(Protocol):
    dialect: Dialect
    name: str  # the file or the URL without its password: for messages
    # SQL of the database's clock, in seconds since the epoch (claims and leases are timed
    # by it, so that workers on machines whose clocks differ agree on who holds what)
    now_sql: str
    # appended to a SELECT whose rows a claim takes: other claimants pass them by
    skip_locked: str

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor: ...
    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Cursor: ...
    def script(self, sql: str) -> None: ...
    def transaction(self) -> AbstractContextManager[None]: ...
    def close(self) -> None: ...


def is_database_url(target: str | Path) -> bool:
    return isinstance(target, str) and target.startswith(_URL_SCHEMES)


def redact_url(url: str) -> str:
    """``url`` without its password, fit for a message or a log."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


def connect(target: str | Path) -> SqliteDatabase | PostgresDatabase:
    if is_database_url(target):
        return PostgresDatabase(str(target))
    return SqliteDatabase(Path(target))


_COMMENT = re.compile(r"--[^\n]*")


def statements(sql: str) -> list[str]:
    """The statements of a script of ours: comments dropped, split at each ``;`` (no
    string in the schema holds one)."""
    return [s.strip() for s in _COMMENT.sub("", sql).split(";") if s.strip()]


class SqliteDatabase:
    dialect: Dialect = "sqlite"
    now_sql = "((julianday('now') - 2440587.5) * 86400.0)"
    skip_locked = ""

    def __init__(self, path: Path) -> None:
        self.name = str(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.raw = sqlite3.connect(path, isolation_level=None)  # explicit transactions
        # WAL + NORMAL: commits do not fsync, yet a killed process never corrupts the
        # database or loses a committed transaction (only power loss could).
        self.raw.execute("PRAGMA journal_mode=WAL")
        self.raw.execute("PRAGMA synchronous=NORMAL")
        self.raw.execute("PRAGMA busy_timeout=5000")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        return self.raw.execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Cursor:
        return self.raw.executemany(sql, rows)

    def script(self, sql: str) -> None:
        # not ``executescript``, which commits the transaction it is called in
        for statement in statements(sql):
            self.raw.execute(statement)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        # IMMEDIATE: the write lock is taken at once, so two writers never both read
        # and then fail to upgrade (SQLITE_BUSY in the middle of a transaction).
        self.raw.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.raw.execute("ROLLBACK")
            raise
        self.raw.execute("COMMIT")

    def close(self) -> None:
        self.raw.close()


# A ``?`` outside quotes becomes psycopg's ``%s``; every ``%`` is doubled (psycopg reads
# placeholders in quoted text too, and every statement here is sent with parameters).
_QMARK = re.compile(r"'(?:[^']|'')*'|\?|%")


def _psycopg_sql(sql: str) -> str:
    def spell(match: re.Match[str]) -> str:
        text = match.group(0)
        return "%s" if text == "?" else text.replace("%", "%%")

    return _QMARK.sub(spell, sql)


class PostgresDatabase:
    dialect: Dialect = "postgresql"
    now_sql = "extract(epoch from clock_timestamp())::double precision"
    skip_locked = " FOR UPDATE SKIP LOCKED"

    def __init__(self, url: str) -> None:
        self.name = redact_url(url)
        try:
            import psycopg  # only a PostgreSQL store needs it
        except ImportError:
            raise StoreError(
                f"{self.name}: a PostgreSQL state store needs psycopg 3: "
                "pip install 'newsmirror[postgresql]'"
            ) from None
        self._psycopg = psycopg
        try:
            # autocommit: a statement outside ``transaction()`` commits by itself, as in
            # the SQLite connection; transactions are explicit.
            self.raw = psycopg.connect(url, autocommit=True, connect_timeout=10)
        except psycopg.Error as exc:
            raise StoreError(f"{self.name}: cannot connect to the state database: {exc}") from None
        self._sql: dict[str, str] = {}

    def _translate(self, sql: str) -> str:
        translated = self._sql.get(sql)
        if translated is None:
            translated = self._sql[sql] = _psycopg_sql(sql)
        return translated

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        return self.raw.execute(self._translate(sql), params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Cursor:
        cursor = self.raw.cursor()
        rows = list(rows)
        if rows:
            cursor.executemany(self._translate(sql), rows)
        return cursor

    def script(self, sql: str) -> None:
        for statement in statements(sql):
            self.raw.execute(statement)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.raw.transaction():
            yield

    def close(self) -> None:
        self.raw.close()
