-- Why every session ended, and who ended it (src/model/endings.rs). `ended_reason` (0010)
-- now holds an `EndReason` code; the two expiries are read off the times, never written.
-- Who: the person (owner, admin, representative, themselves) or the application's key. Not
-- foreign keys: they describe the past, and must neither slow a termination down nor stop
-- a person or key from being removed.
ALTER TABLE sessions ADD COLUMN ended_by_user_id INTEGER;
ALTER TABLE sessions ADD COLUMN ended_by_key_id INTEGER;
UPDATE sessions SET ended_reason = 'reported_not_you' WHERE ended_reason = 'reported by you';

-- A session ends at COALESCE(revoked_at, expires_at): a termination always comes before the
-- expiry it cuts short. *Ended sessions* pages by that, newest first, for one person, one
-- account, or everyone; the rows still live sort after "now" and are never read.
CREATE INDEX sessions_ended_by_user
    ON sessions (user_id, COALESCE(revoked_at, expires_at) DESC, id DESC);
CREATE INDEX sessions_ended_by_account
    ON sessions (account_id, COALESCE(revoked_at, expires_at) DESC, id DESC);
CREATE INDEX sessions_by_end ON sessions (COALESCE(revoked_at, expires_at) DESC, id DESC);
-- The purge now finds its rows through sessions_by_end: one index where it used two.
DROP INDEX sessions_by_expiry;
DROP INDEX sessions_by_revocation;
