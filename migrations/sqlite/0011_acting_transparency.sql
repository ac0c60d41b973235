-- Impersonation transparency, per account: when on, the account's people see in their sign-in
-- history that a sales representative acted as them, and when (never as a session of theirs).
-- Off by default, as in the shop this is modelled on.
ALTER TABLE accounts ADD COLUMN show_acting INTEGER NOT NULL DEFAULT 0 CHECK (show_acting IN (0, 1));
-- A person's "acted as you" list reads their impersonations only.
CREATE INDEX impersonations_by_target ON impersonations (target_user_id, started_at DESC, id DESC);
