"""One error tree: every failure newsmirror reports to a user is a :class:`NewsmirrorError`.

Each message is one line, already phrased for the user (it names the file, source or URL
and the problem). The CLI catches the base class, prints the line and exits with the
error's ``exit_code``; a run catches the per-source kinds and goes on with other sources.
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "BusyError",
    "ConfigError",
    "DiskFullError",
    "FeedError",
    "FetchError",
    "FetchErrorKind",
    "InputError",
    "ListingError",
    "NewsmirrorError",
    "PublishError",
    "RuleError",
    "StoreCorruptError",
    "StoreError",
    "UsageError",
]

EXIT_FAILED = 1
EXIT_USAGE = 2


class NewsmirrorError(Exception):
    """Base of every error newsmirror reports; ``str(error)`` is one line."""

    exit_code = EXIT_FAILED


class ConfigError(NewsmirrorError):
    """A configuration problem (``newsmirror.toml``, a time zone, a selector)."""

    exit_code = EXIT_USAGE


class UsageError(NewsmirrorError):
    """A command used wrongly (an existing folder, a missing argument)."""

    exit_code = EXIT_USAGE


class InputError(NewsmirrorError):
    """A command's input (a file, standard input, a URL) cannot be read or used."""


class BusyError(NewsmirrorError):
    """Another run holds the site's lock."""

    exit_code = EXIT_USAGE


class RuleError(ConfigError):
    """An extraction rule or ``remove`` selector that cannot be applied."""


FetchErrorKind = Literal[
    "bad_url",
    "private_network",
    "connect",
    "timeout",
    "http",
    "redirect_loop",
    "too_many_redirects",
    "too_large",
    "encoding",
    "content_type",
    "empty",
]


class FetchError(NewsmirrorError):
    """A fetch that failed; ``str(error)`` names the URL and the problem.

    ``retry_after`` is set when the server asked us to come back later.
    """

    def __init__(
        self,
        url: str,
        kind: FetchErrorKind,
        problem: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{url}: {problem}")
        self.url = url
        self.kind: FetchErrorKind = kind
        self.problem = problem
        self.status = status
        self.retry_after = retry_after


class FeedError(NewsmirrorError):
    """The document is not a feed we can read."""


class ListingError(FeedError):
    """The listing page did not give items with its selectors."""


class StoreError(NewsmirrorError):
    """The state store cannot be opened, read or written."""


class StoreCorruptError(StoreError):
    """The state file is not a database SQLite can read: ``reindex`` rebuilds it."""

    exit_code = EXIT_USAGE


class DiskFullError(NewsmirrorError):
    """No room left to write a post, a site file or the state store: the run stops.

    Not a source's failure (no backoff is recorded): what was written is whole and kept,
    and the next run, with space freed, completes what was pending.
    """


class PublishError(NewsmirrorError):
    """Committing the site failed (git missing, not a repository, git refused)."""
