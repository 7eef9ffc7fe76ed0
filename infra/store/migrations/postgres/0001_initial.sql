-- The PostgreSQL store's first schema: the same tables as the SQLite store.
--
-- Why TEXT and not JSONB / timestamptz: documents are crawled text, and PostgreSQL refuses
-- NUL characters in JSONB (a "\u0000" escape) but keeps json.dumps' escaped form in TEXT;
-- times are the ISO-8601 UTC strings the Store port speaks, compared as strings on both
-- backends. COLLATE "C" makes those comparisons and ORDER BY byte order, as in SQLite,
-- whatever locale the database was created with.
CREATE TABLE subscriptions (
    id TEXT COLLATE "C" PRIMARY KEY,
    data TEXT NOT NULL,
    updated TEXT COLLATE "C");

CREATE TABLE items (
    id TEXT COLLATE "C" PRIMARY KEY,
    version INTEGER NOT NULL,
    status TEXT COLLATE "C",
    doc TEXT NOT NULL);
CREATE INDEX items_status ON items (status);

CREATE TABLE item_versions (
    id TEXT COLLATE "C" NOT NULL,
    version INTEGER NOT NULL,
    seen_at TEXT COLLATE "C" NOT NULL,
    content_hash TEXT,
    changes TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (id, version));
CREATE INDEX item_versions_seen ON item_versions (seen_at);

CREATE TABLE sources (name TEXT COLLATE "C" PRIMARY KEY, data TEXT NOT NULL);

CREATE TABLE validators (url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT);

CREATE TABLE alert_ledger (
    sub_id TEXT COLLATE "C" NOT NULL,
    item_id TEXT COLLATE "C" NOT NULL,
    version INTEGER NOT NULL,
    kind TEXT COLLATE "C" NOT NULL,
    claimed_at TEXT COLLATE "C" NOT NULL,
    sent_at TEXT COLLATE "C",
    PRIMARY KEY (sub_id, item_id, version, kind));

CREATE TABLE pending_alerts (
    sub_id TEXT COLLATE "C" NOT NULL,
    item_id TEXT COLLATE "C" NOT NULL,
    version INTEGER NOT NULL,
    kind TEXT COLLATE "C" NOT NULL,
    channel TEXT COLLATE "C" NOT NULL,
    address TEXT COLLATE "C" NOT NULL,
    data TEXT NOT NULL,
    queued_at TEXT COLLATE "C" NOT NULL,
    not_before TEXT COLLATE "C",
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    PRIMARY KEY (sub_id, item_id, version, kind));
CREATE INDEX pending_alerts_address ON pending_alerts (channel, address);

CREATE TABLE digest_log (
    email TEXT COLLATE "C" NOT NULL,
    period TEXT COLLATE "C" NOT NULL,
    claimed_at TEXT COLLATE "C" NOT NULL,
    sent_at TEXT COLLATE "C",
    items INTEGER,
    PRIMARY KEY (email, period));
