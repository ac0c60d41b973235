-- Running Sessionboard for a real organisation: people, accounts, memberships and applications
-- change over time, and every change is recorded.

-- Closed accounts keep their rows (sessions, login records and the audit log point at them)
-- but vanish from every list and from their members' memberships; their sessions ended when
-- they closed.
ALTER TABLE accounts ADD COLUMN closed_at INTEGER;

-- A deactivated person cannot sign in and has no live session (all ended when deactivated);
-- reactivating them lets them sign in again with the password they had.
ALTER TABLE users ADD COLUMN deactivated_at INTEGER;

-- What a person does in an account ("Purchasing", "Accounting"); free text, may be empty.
ALTER TABLE memberships ADD COLUMN job_label TEXT NOT NULL DEFAULT '';

-- A retired application cannot be signed in to; its keys were revoked and its sessions ended.
ALTER TABLE applications ADD COLUMN retired_at INTEGER;

-- A person created by an admin, an owner or an import has no password until they follow
-- their set-password link: users.password_hash is then '' (no argon2 string is empty, so it
-- can never match one). One open link per person: issuing a new one replaces the old.
CREATE TABLE password_links (
    -- SHA-256 of the link's token; the token itself is shown once, to whoever made the link.
    token_hash BLOB    NOT NULL PRIMARY KEY,
    user_id    INTEGER NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

-- The audit log of administration: who changed what, to whom, when and from where. Rows are
-- never updated or deleted. Ids are plain numbers, not foreign keys: a record outlives what it
-- talks about, and names are copied into `detail` when it is written.
CREATE TABLE changes (
    id                INTEGER PRIMARY KEY,
    at                INTEGER NOT NULL,
    -- NULL: the operator (the command line, an import).
    actor_id          INTEGER,
    -- The sales representative really at the keyboard, while acting as actor_id.
    impersonator_id   INTEGER,
    ip                TEXT,
    kind              TEXT    NOT NULL,
    account_id        INTEGER,
    target_user_id    INTEGER,
    application_id    INTEGER,
    -- What changed, in words, e.g. "role employee → owner, job label “Purchasing”".
    detail            TEXT    NOT NULL,
    -- How many live sessions the change ended.
    sessions_ended    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX changes_by_time ON changes (at DESC, id DESC);
CREATE INDEX changes_by_account ON changes (account_id, at DESC, id DESC);
CREATE INDEX changes_by_actor ON changes (actor_id, at DESC, id DESC);
CREATE INDEX changes_by_target ON changes (target_user_id, at DESC, id DESC);

-- Sessions acting as someone, or in an account: found when that person is deactivated or
-- removed, or the account closed, without reading every session.
CREATE INDEX sessions_acting_user ON sessions (acting_user_id) WHERE acting_user_id IS NOT NULL;
CREATE INDEX sessions_acting_account
    ON sessions (acting_account_id) WHERE acting_account_id IS NOT NULL;
