"""The tables of the state store and their version."""

from __future__ import annotations

SCHEMA_VERSION = 2  # 2: sources (stable ids), articles (what each post was rendered from)


SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- A source's identity: every other table names a source by this id, never by its display
-- name, so that renaming a source keeps its posts (schema 1 keyed by name: the id of
-- such a source is that name).
CREATE TABLE IF NOT EXISTS sources (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,             -- its display name in the last run
    url TEXT NOT NULL,              -- its URL in the last run ('' when not known yet)
    first_seen TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS items (
    source TEXT NOT NULL,           -- sources.id
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
-- Items a source's filters left out (pipeline/_filters.py), or that another source had
-- already posted: seen, so a later run neither posts nor judges them again.
CREATE TABLE IF NOT EXISTS filtered (
    source TEXT NOT NULL,
    key TEXT NOT NULL,
    reason TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    PRIMARY KEY (source, key)
);
-- The article each canonical URL (util/urls.canonical_url) was first posted as: with
-- [site] one_post_per_article, another source's item with that URL is not posted again.
CREATE TABLE IF NOT EXISTS canonical_urls (
    url TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    key TEXT NOT NULL
);
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
-- What each post was rendered from (the post stage's Article, compressed JSON): lets
-- `rebuild` re-render every post and a run write again a post that was never published.
CREATE TABLE IF NOT EXISTS articles (
    source TEXT NOT NULL,
    key TEXT NOT NULL,
    article BLOB NOT NULL,
    PRIMARY KEY (source, key)
);
-- Earlier versions of edited posts (store/_versions.py): the article each edit replaced,
-- compressed as in `articles`, numbered from 1 (as first posted), with when it was first
-- seen; the current version is the `articles` row.
CREATE TABLE IF NOT EXISTS versions (
    source TEXT NOT NULL,
    key TEXT NOT NULL,
    number INTEGER NOT NULL,
    seen TEXT NOT NULL,
    article BLOB NOT NULL,
    PRIMARY KEY (source, key, number)
);
-- Full-text search (store/_search.py): the title and plain text of every stored article
-- in an FTS5 trigram index (search_text, made by the first search), brought up to date
-- by each search; search_docs names the article of each index row.
CREATE TABLE IF NOT EXISTS search_docs (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    key TEXT NOT NULL,
    stale INTEGER NOT NULL DEFAULT 0,  -- its article changed since it was indexed
    UNIQUE (source, key)
);
-- Images kept in the site (store/_images.py): per image URL, the file it was saved as
-- (NULL while it has none), the failed downloads and why; a post whose image failed is
-- named in image_waits until the image is kept or its attempts run out.
CREATE TABLE IF NOT EXISTS images (
    url TEXT PRIMARY KEY,
    path TEXT,                      -- relative to the site folder
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,                     -- the last failure; 'refused: ...' is never retried
    checked_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS image_waits (
    url TEXT NOT NULL,
    source TEXT NOT NULL,
    key TEXT NOT NULL,
    PRIMARY KEY (url, source, key)
);
"""


# Schema 1 named sources by their display name, which is then their id.
MIGRATE_FROM_1 = """
INSERT OR IGNORE INTO sources (id, name, url, first_seen)
    SELECT source, source, '', min(first_seen) FROM items GROUP BY source;
INSERT OR IGNORE INTO sources (id, name, url, first_seen)
    SELECT source, source, '', coalesce(last_attempt, '') FROM source_health;
"""
