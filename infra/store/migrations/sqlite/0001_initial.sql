-- The embedded store's first schema. IF NOT EXISTS: stores created before migrations were
-- versioned already hold these tables and are adopted as version 1 unchanged.
CREATE TABLE IF NOT EXISTS subscriptions (id TEXT PRIMARY KEY, data TEXT NOT NULL, updated TEXT);
CREATE TABLE IF NOT EXISTS items (id TEXT PRIMARY KEY, version INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS item_versions (
    id TEXT NOT NULL, version INTEGER NOT NULL, seen_at TEXT NOT NULL, content_hash TEXT,
    changes TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (id, version));
CREATE TABLE IF NOT EXISTS sources (name TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS validators (url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT);
CREATE TABLE IF NOT EXISTS alert_ledger (
    sub_id TEXT NOT NULL, item_id TEXT NOT NULL, version INTEGER NOT NULL, kind TEXT NOT NULL,
    claimed_at TEXT NOT NULL, sent_at TEXT, PRIMARY KEY (sub_id, item_id, version, kind));
CREATE TABLE IF NOT EXISTS pending_alerts (
    sub_id TEXT NOT NULL, item_id TEXT NOT NULL, version INTEGER NOT NULL, kind TEXT NOT NULL,
    channel TEXT NOT NULL, address TEXT NOT NULL, data TEXT NOT NULL, queued_at TEXT NOT NULL,
    not_before TEXT, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT,
    PRIMARY KEY (sub_id, item_id, version, kind));
CREATE INDEX IF NOT EXISTS pending_alerts_address ON pending_alerts(channel, address);
CREATE TABLE IF NOT EXISTS digest_log (
    email TEXT NOT NULL, period TEXT NOT NULL, claimed_at TEXT NOT NULL, sent_at TEXT,
    items INTEGER, PRIMARY KEY (email, period));
CREATE INDEX IF NOT EXISTS item_versions_seen ON item_versions(seen_at);
