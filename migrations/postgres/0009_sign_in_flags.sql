-- "Is this me?"; see migrations/sqlite/0009_sign_in_flags.sql for why.
ALTER TABLE sessions ADD COLUMN flags BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN flag_reasons TEXT NOT NULL DEFAULT '';
ALTER TABLE login_records ADD COLUMN flags BIGINT NOT NULL DEFAULT 0;
ALTER TABLE login_records ADD COLUMN flag_reasons TEXT NOT NULL DEFAULT '';

CREATE INDEX sessions_flagged ON sessions (created_at DESC, id DESC) WHERE flags <> 0;

CREATE TABLE sign_in_memory (
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         TEXT   NOT NULL CHECK (kind IN ('device', 'country', 'region')),
    key          TEXT   NOT NULL,
    last_seen_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, kind, key)
);

ALTER TABLE users ADD COLUMN last_sign_in_at BIGINT;
ALTER TABLE users ADD COLUMN last_latitude DOUBLE PRECISION;
ALTER TABLE users ADD COLUMN last_longitude DOUBLE PRECISION;
ALTER TABLE users ADD COLUMN last_accuracy_km BIGINT;
