-- "Was this you?": a flagged session's person answers once, on any of their pages.
-- Set when they said "yes, that was me": the notice is not shown again.
ALTER TABLE sessions ADD COLUMN acknowledged_at INTEGER;
-- Why a session ended, when more is known than "terminated" (e.g. "reported by you").
ALTER TABLE sessions ADD COLUMN ended_reason TEXT;
