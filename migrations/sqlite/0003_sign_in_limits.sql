-- Sign-in limits (see migrations/postgres/0003_sign_in_limits.sql for the same design on
-- PostgreSQL).

-- Sign-in budgets shared by every server on one database (GCRA, see src/store/sql/limits.rs).
-- A server on SQLite has its file to itself and keeps its budgets in memory, so nothing writes
-- here in production; the table exists so that both schemas stay in step and the shared SQL
-- is tested on both databases.
--   bucket: what is limited (an address, an email, an API key, per channel), as the first 16
--           bytes of a SHA-256, so a key is small whatever a client sends.
--   tat_us: when the budget is full again, in microseconds since the Unix epoch on the
--           database's clock (not milliseconds as elsewhere: a budget of thousands a minute
--           refills in steps finer than a millisecond).
CREATE TABLE sign_in_limits (
    bucket BLOB    NOT NULL PRIMARY KEY,
    tat_us INTEGER NOT NULL
) WITHOUT ROWID;

-- The growing wait after repeated failures counts an email's recent failed sign-ins on every
-- attempt; none of the sign-in history's indexes starts with the email.
CREATE INDEX login_records_by_email ON login_records (email, at);
