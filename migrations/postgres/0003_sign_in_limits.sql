-- Sign-in limits; see migrations/sqlite/0003_sign_in_limits.sql.

-- Every server on this database spends from these budgets, one row per bucket, in one
-- statement each (INSERT … ON CONFLICT DO UPDATE … WHERE, see src/store/sql/limits.rs).
-- UNLOGGED: budgets are worth nothing after a crash (they start full again, as they would
-- after a minute anyway), and skipping the write-ahead log makes each attempt's write cheap.
-- No index but the key, and room on each page, so that updates stay HOT; idle rows are
-- deleted every minute, so the table holds only buckets spent in the last minute or two.
CREATE UNLOGGED TABLE sign_in_limits (
    bucket BYTEA  NOT NULL PRIMARY KEY,
    tat_us BIGINT NOT NULL
) WITH (fillfactor = 70);

CREATE INDEX login_records_by_email ON login_records (email, at);
