-- Accountability for acting as a customer; see migrations/sqlite/0004_acting_audit.sql for why
-- each part is as it is.

ALTER TABLE sessions ADD COLUMN acting_since BIGINT;
UPDATE sessions
   SET acting_since = (SELECT i.started_at FROM impersonations i
                        WHERE i.id = sessions.impersonation_id)
 WHERE impersonation_id IS NOT NULL;

CREATE TABLE impersonation_actions (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at             BIGINT NOT NULL,
    session_id     BIGINT NOT NULL,
    rep_user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    acting_user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    account_id     BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind           TEXT   NOT NULL CHECK (kind IN ('terminated_sessions', 'changed_setting')),
    detail         TEXT   NOT NULL
);
CREATE INDEX impersonation_actions_by_time ON impersonation_actions (at DESC, id DESC);
