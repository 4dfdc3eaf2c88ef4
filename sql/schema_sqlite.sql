-- The SQLite twin of sql/schema.sql. INTEGER PRIMARY KEY is SQLite's rowid alias, its bigserial;
-- REAL is an IEEE double; created_at is UTC ISO-8601 with milliseconds, set by the database.
-- wpbench substitutes :"table" with its table name; by hand, replace it before feeding sqlite3.
CREATE TABLE IF NOT EXISTS :"table" (
    id            INTEGER PRIMARY KEY,
    market_ticker TEXT    NOT NULL,
    direction     TEXT    NOT NULL,
    edge          REAL    NOT NULL,
    score         REAL    NOT NULL,
    action        TEXT    NOT NULL,
    skip_reason   TEXT    NULL,
    created_at    TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
