-- Why every session ended; see migrations/sqlite/0012_session_endings.sql for why.
ALTER TABLE sessions ADD COLUMN ended_by_user_id BIGINT;
ALTER TABLE sessions ADD COLUMN ended_by_key_id BIGINT;
UPDATE sessions SET ended_reason = 'reported_not_you' WHERE ended_reason = 'reported by you';

CREATE INDEX sessions_ended_by_user
    ON sessions (user_id, (COALESCE(revoked_at, expires_at)) DESC, id DESC);
CREATE INDEX sessions_ended_by_account
    ON sessions (account_id, (COALESCE(revoked_at, expires_at)) DESC, id DESC);
CREATE INDEX sessions_by_end ON sessions ((COALESCE(revoked_at, expires_at)) DESC, id DESC);
DROP INDEX sessions_by_expiry;
DROP INDEX sessions_by_revocation;
