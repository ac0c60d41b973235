-- Accountability for acting as a customer (see migrations/postgres/0004_acting_audit.sql for
-- the same design on PostgreSQL).

-- When the session began acting, beside whose eyes it sees through: validation compares it
-- with the policy's limit on every request, so it must come with the one indexed read of the
-- session (no join to impersonations on the hot path). NULL whenever acting_user_id is.
ALTER TABLE sessions ADD COLUMN acting_since INTEGER;
UPDATE sessions
   SET acting_since = (SELECT i.started_at FROM impersonations i
                        WHERE i.id = sessions.impersonation_id)
 WHERE impersonation_id IS NOT NULL;

-- What a sales representative did while acting as a customer user: one row per action
-- (terminations, setting changes), written by the service right after the action committed.
-- Who and where are the caller's own at that moment, not looked up through the impersonation,
-- so a row stays right even if the acting ended in between. Visible to platform admins only,
-- beside the impersonations log.
CREATE TABLE impersonation_actions (
    id             INTEGER PRIMARY KEY,
    at             INTEGER NOT NULL,
    -- The representative's session that acted (as impersonations.session_id: not a foreign
    -- key, purged sessions must not take their audit trail with them).
    session_id     INTEGER NOT NULL,
    rep_user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    acting_user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    account_id     INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind           TEXT    NOT NULL CHECK (kind IN ('terminated_sessions', 'changed_setting')),
    -- What was done, in words, with the names as they were then: "terminated session 123",
    -- "turned geolocation off for Ektek GmbH".
    detail         TEXT    NOT NULL
);
-- The audit page, newest first, with keyset pagination on (at, id).
CREATE INDEX impersonation_actions_by_time ON impersonation_actions (at DESC, id DESC);
