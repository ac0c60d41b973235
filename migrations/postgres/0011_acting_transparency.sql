-- Impersonation transparency; see migrations/sqlite/0011_acting_transparency.sql for why.
ALTER TABLE accounts ADD COLUMN show_acting BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX impersonations_by_target ON impersonations (target_user_id, started_at DESC, id DESC);
