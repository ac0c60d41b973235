-- People, accounts, memberships and applications that change over time, and the audit log of
-- those changes; see migrations/sqlite/0007_directory_administration.sql for why.
ALTER TABLE accounts ADD COLUMN closed_at BIGINT;
ALTER TABLE users ADD COLUMN deactivated_at BIGINT;
ALTER TABLE memberships ADD COLUMN job_label TEXT NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN retired_at BIGINT;

CREATE TABLE password_links (
    token_hash BYTEA  NOT NULL PRIMARY KEY,
    user_id    BIGINT NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE changes (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at              BIGINT NOT NULL,
    actor_id        BIGINT,
    impersonator_id BIGINT,
    ip              TEXT,
    kind            TEXT   NOT NULL,
    account_id      BIGINT,
    target_user_id  BIGINT,
    application_id  BIGINT,
    detail          TEXT   NOT NULL,
    sessions_ended  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX changes_by_time ON changes (at DESC, id DESC);
CREATE INDEX changes_by_account ON changes (account_id, at DESC, id DESC);
CREATE INDEX changes_by_actor ON changes (actor_id, at DESC, id DESC);
CREATE INDEX changes_by_target ON changes (target_user_id, at DESC, id DESC);

CREATE INDEX sessions_acting_user ON sessions (acting_user_id) WHERE acting_user_id IS NOT NULL;
CREATE INDEX sessions_acting_account
    ON sessions (acting_account_id) WHERE acting_account_id IS NOT NULL;
