"""Web-archive interchange: what the mirror fetched, appended as WARC records
(``[site] warc = true``) so that replay tools (pywb, ReplayWeb.page) can open it."""

from ._warc import WARC_FOLDER, WarcArchive, warc_name

__all__ = ["WARC_FOLDER", "WarcArchive", "warc_name"]
