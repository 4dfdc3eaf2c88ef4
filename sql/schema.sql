-- The seed's trade_decisions table (PostgreSQL). One row = one trading decision.
-- wpbench embeds this file and substitutes :"table" with its (configurable) table name; by hand:
--   psql -v table=trade_decisions -f sql/schema.sql
CREATE TABLE IF NOT EXISTS :"table" (
    id            bigserial        PRIMARY KEY,
    market_ticker text             NOT NULL,
    direction     text             NOT NULL,
    edge          double precision NOT NULL,
    score         double precision NOT NULL,
    action        text             NOT NULL,
    skip_reason   text             NULL,
    created_at    timestamptz      NOT NULL DEFAULT now()
);
