-- "Was this you?"; see migrations/sqlite/0010_sign_in_notices.sql for why.
ALTER TABLE sessions ADD COLUMN acknowledged_at BIGINT;
ALTER TABLE sessions ADD COLUMN ended_reason TEXT;
