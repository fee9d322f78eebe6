"""A PostgreSQL server for tests: the one NEWSMIRROR_TEST_POSTGRES names, else a throwaway
cluster of Debian's binaries started for the test session.

Usage (pytest; tests/conftest.py registers the fixtures for every module)::

    def test_something(pg_url: str):
        store = open_store(pg_url)   # a fresh, empty database, dropped after the test

* ``pg_server`` (session): a :class:`PgServer`. With ``NEWSMIRROR_TEST_POSTGRES`` set to a
  ``postgresql://`` URL, that server (its user must be allowed to create databases);
  otherwise ``initdb`` of the newest ``/usr/lib/postgresql/*/bin`` into a temporary
  directory (trust authentication, no fsync), started by ``pg_ctl`` listening on
  127.0.0.1 only, on a free port, its unix socket in the same directory; stopped and
  deleted at the end of the session. ``initdb`` refuses to run as root, so as root the
  cluster belongs to the ``postgres`` system user (Debian's postgresql package creates
  it) and both commands run through ``runuser -u postgres --``.
* ``pg_url`` (function): the URL of a new database ``newsmirror_test_<pid>_<n>``, dropped
  (with any connection left to it) after the test.

When no server can be had (no binaries, no psycopg, the cluster does not start) the tests
that ask for one are skipped; when the environment variable CI is set they fail instead,
as the Jekyll and Chromium tests do.

``python tests/pgserver.py`` starts a cluster (or uses NEWSMIRROR_TEST_POSTGRES's server),
prints its URL, and stops and deletes the cluster on SIGINT or SIGTERM (for benchmarks and
for trying things by hand).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ENV = "NEWSMIRROR_TEST_POSTGRES"


class Unavailable(Exception):
    """No PostgreSQL server for the tests (the message says why)."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def find_bin_dir() -> Path | None:
    """The newest Debian PostgreSQL ``bin`` directory holding initdb and pg_ctl."""

    def version(path: str) -> float:
        try:
            return float(Path(path).parent.name)
        except ValueError:
            return 0.0

    for initdb in sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=version,
                         reverse=True):
        bin_dir = Path(initdb).parent
        if (bin_dir / "pg_ctl").exists():
            return bin_dir
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).parent
    return None


class PgServer:
    """A server the tests may create databases on; ``url`` is its ``postgres`` database."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._count = 0

    def _admin(self):  # type: ignore[no-untyped-def]
        import psycopg

        return psycopg.connect(self.url, autocommit=True, connect_timeout=10)

    def create_database(self) -> str:
        """A new empty database; returns its URL."""
        self._count += 1
        name = f"newsmirror_test_{os.getpid()}_{self._count}"
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return _with_database(self.url, name)

    def drop_database(self, url: str) -> None:
        name = urlsplit(url).path.lstrip("/")
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        pass


class LocalCluster(PgServer):
    """A throwaway cluster in a temporary directory (see the module's doc)."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            try:
                import pwd

                entry = pwd.getpwnam("postgres")
            except KeyError:
                raise Unavailable("running as root and there is no 'postgres' user to run "
                                  "initdb as (apt-get install postgresql creates it)") from None
            if not shutil.which("runuser"):
                raise Unavailable("running as root and runuser is missing")
            # the postgres user must reach the directory: under /tmp, not a root-only TMPDIR
            self.dir = Path(tempfile.mkdtemp(prefix="newsmirror-pg-", dir="/tmp"))
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)
        else:
            self.dir = Path(tempfile.mkdtemp(prefix="newsmirror-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self.port = 0
        try:
            self._initdb()
            self._start()
        except BaseException:
            self.close()
            raise
        super().__init__(f"postgresql://postgres@127.0.0.1:{self.port}/postgres")

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              cwd=self.dir, check=False)

    def _initdb(self) -> None:
        done = self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust",
                         "-E", "UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions")
        if done.returncode != 0:
            raise Unavailable(f"initdb failed ({done.returncode}): "
                              f"{(done.stderr or done.stdout).strip()[-600:]}")

    def _start(self) -> None:
        error = ""
        for _ in range(5):  # a free port may be taken between the check and the start
            self.port = _free_port()
            options = (f"-c listen_addresses=127.0.0.1 -p {self.port} "
                       f"-c unix_socket_directories={self.dir} -c fsync=off "
                       "-c synchronous_commit=off -c full_page_writes=off "
                       "-c max_connections=200 -c shared_buffers=64MB")
            done = self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o",
                             options, "-w", "-t", "60", "start")
            if done.returncode == 0:
                return
            error = (done.stderr or done.stdout).strip()
            with contextlib.suppress(OSError):
                error += " | " + self.log.read_text(errors="replace").strip()[-600:]
        raise Unavailable(f"pg_ctl start failed: {error}")

    def close(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop",
                      timeout=60)
        shutil.rmtree(self.dir, ignore_errors=True)


def _wait_ready(server: PgServer, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with server._admin() as conn:
                conn.execute("SELECT 1")
            return
        except Exception as exc:  # noqa: BLE001 (any connection failure: retry, then report)
            if time.monotonic() > deadline:
                raise Unavailable(f"cannot connect to {server.url}: {exc}") from None
            time.sleep(0.2)


def start_server() -> PgServer:
    """The server of NEWSMIRROR_TEST_POSTGRES, else a new local cluster; raises
    :class:`Unavailable` when neither can be had."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise Unavailable("psycopg is not installed (pip install 'psycopg[binary]')") from None
    url = os.environ.get(ENV, "").strip()
    if url:
        if not url.startswith(("postgresql://", "postgres://")):
            raise Unavailable(f"{ENV} is not a postgresql:// URL: {url!r}")
        server = PgServer(url)
    else:
        bin_dir = find_bin_dir()
        if bin_dir is None:
            raise Unavailable("PostgreSQL server binaries not found (apt-get install "
                              f"postgresql), and {ENV} is not set")
        server = LocalCluster(bin_dir)
    try:
        _wait_ready(server)
    except Unavailable:
        server.close()
        raise
    return server


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL is required in CI: {reason}")
    pytest.skip(f"no PostgreSQL server: {reason}")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """The session's PostgreSQL server (see the module's doc)."""
    try:
        server = start_server()
    except Unavailable as exc:
        _unavailable(str(exc))
        raise AssertionError("unreachable") from None
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    """A fresh empty database for one test: its ``postgresql://`` URL."""
    url = pg_server.create_database()
    try:
        yield url
    finally:
        pg_server.drop_database(url)


if __name__ == "__main__":
    import signal

    def _stop(signum: int, frame: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _stop)
    cluster = start_server()
    try:
        print(cluster.url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()  # until SIGINT (Ctrl-C) or SIGTERM
    finally:
        cluster.close()
