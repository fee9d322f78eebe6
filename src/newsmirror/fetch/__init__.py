"""Fetching like a good citizen: polite, incremental, bounded HTTP for feeds and pages.

aiohttp was chosen over httpx on measurement (docs/PERFORMANCE.md, "HTTP client").
"""

from ..errors import FetchError, FetchErrorKind
from ._client import Fetcher
from ._gate import HostGate
from ._referers import IMAGE_REFERERS, image_referer
from ._response import Accept, Response, Validators
from ._settings import DEFAULT_USER_AGENT, FetchSettings

__all__ = [
    "DEFAULT_USER_AGENT",
    "IMAGE_REFERERS",
    "Accept",
    "FetchError",
    "FetchErrorKind",
    "FetchSettings",
    "Fetcher",
    "HostGate",
    "Response",
    "Validators",
    "image_referer",
]
