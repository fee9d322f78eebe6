"""The tables of the state store and their version."""

from __future__ import annotations

SCHEMA_VERSION = 1


SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS items (
    source TEXT NOT NULL,
    key TEXT NOT NULL,              -- identity within the source (guid, link or hash)
    link TEXT,
    post_path TEXT NOT NULL,        -- relative to the site folder
    content_hash TEXT NOT NULL,     -- hash of the item as the source gave it
    first_seen TEXT NOT NULL,       -- ISO 8601 UTC
    published TEXT NOT NULL,        -- ISO 8601 UTC, as written in the post
    state TEXT NOT NULL CHECK (state IN ('pending', 'written')),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (source, key)
);
CREATE UNIQUE INDEX IF NOT EXISTS items_post_path ON items (lower(post_path));
CREATE TABLE IF NOT EXISTS http_cache (
    url TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT,
    body_hash TEXT,
    checked_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS source_health (
    source TEXT PRIMARY KEY,
    failures INTEGER NOT NULL DEFAULT 0,   -- consecutive
    last_error TEXT,
    last_success TEXT,
    last_attempt TEXT,
    next_due TEXT,
    last_item_count INTEGER
);
CREATE TABLE IF NOT EXISTS pages (
    source TEXT NOT NULL,
    key TEXT NOT NULL,
    url TEXT NOT NULL,              -- final URL after redirects
    content_type TEXT,
    fetched_at TEXT NOT NULL,
    body BLOB NOT NULL,             -- raw bytes, compressed (see compress_page)
    PRIMARY KEY (source, key)
);
"""
