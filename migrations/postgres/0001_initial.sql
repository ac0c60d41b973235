-- Sessionboard's schema (PostgreSQL). The same design as migrations/sqlite/0001_initial.sql;
-- keep the two in step, number for number. Comments there explain each choice; here only what
-- differs.
--
-- Times are BIGINT milliseconds since the Unix epoch (UTC), as in SQLite.

-- Trigram indexes for the search box (pg_trgm is a trusted extension since PostgreSQL 13, so a
-- database owner may create it).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE accounts (
    id                BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name              TEXT    NOT NULL,
    store_geolocation BOOLEAN NOT NULL DEFAULT TRUE,
    created_at        BIGINT  NOT NULL
);

CREATE TABLE users (
    id                BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email             TEXT    NOT NULL,
    name              TEXT    NOT NULL,
    password_hash     TEXT    NOT NULL,
    is_platform_admin BOOLEAN NOT NULL DEFAULT FALSE,
    is_sales_rep      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at        BIGINT  NOT NULL
);
-- Case-insensitive uniqueness, like SQLite's COLLATE NOCASE; look-ups use lower(email).
CREATE UNIQUE INDEX users_email_lower ON users (lower(email));

CREATE TABLE memberships (
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    role       TEXT   NOT NULL CHECK (role IN ('employee', 'owner')),
    PRIMARY KEY (user_id, account_id)
);
CREATE INDEX memberships_by_account ON memberships (account_id, user_id);

CREATE TABLE applications (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       TEXT   NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE impersonations (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    impersonator_id   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id        BIGINT NOT NULL,
    target_user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    target_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    started_at        BIGINT NOT NULL,
    ended_at          BIGINT
);
CREATE INDEX impersonations_by_start ON impersonations (started_at DESC, id DESC);

CREATE TABLE sessions (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash        BYTEA  NOT NULL UNIQUE,
    user_id           BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    account_id        BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    application_id    BIGINT NOT NULL REFERENCES applications (id),
    ip                TEXT   NOT NULL,
    user_agent        TEXT   NOT NULL,
    device_kind       TEXT   NOT NULL,
    device_model      TEXT,
    os                TEXT   NOT NULL,
    os_version        TEXT,
    browser           TEXT   NOT NULL,
    browser_version   TEXT,
    location_kind     TEXT   NOT NULL CHECK (location_kind IN ('known', 'local', 'unknown')),
    city              TEXT,
    region            TEXT,
    country_code      TEXT,
    country_name      TEXT,
    created_at        BIGINT NOT NULL,
    last_active_at    BIGINT NOT NULL,
    expires_at        BIGINT NOT NULL,
    revoked_at        BIGINT,
    acting_user_id    BIGINT REFERENCES users (id) ON DELETE SET NULL,
    acting_account_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    impersonation_id  BIGINT REFERENCES impersonations (id) ON DELETE SET NULL,
    search_text       TEXT   NOT NULL
);

CREATE INDEX sessions_live_by_user
    ON sessions (user_id, created_at DESC, id DESC) WHERE revoked_at IS NULL;
CREATE INDEX sessions_live_by_account
    ON sessions (account_id, created_at DESC, id DESC) WHERE revoked_at IS NULL;
CREATE INDEX sessions_live_by_created
    ON sessions (created_at DESC, id DESC) WHERE revoked_at IS NULL;
CREATE INDEX sessions_live_by_application
    ON sessions (application_id, created_at DESC, id DESC) WHERE revoked_at IS NULL;
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
CREATE INDEX sessions_by_revocation ON sessions (revoked_at) WHERE revoked_at IS NOT NULL;
-- Substring search: a trigram GIN index serves ILIKE '%term%' without scanning the table.
CREATE INDEX sessions_search
    ON sessions USING gin (search_text gin_trgm_ops) WHERE revoked_at IS NULL;

CREATE TABLE login_records (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at              BIGINT NOT NULL,
    user_id         BIGINT REFERENCES users (id) ON DELETE SET NULL,
    account_id      BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    email           TEXT   NOT NULL,
    application_id  BIGINT NOT NULL REFERENCES applications (id),
    ip              TEXT   NOT NULL,
    user_agent      TEXT   NOT NULL,
    device_kind     TEXT   NOT NULL,
    device_model    TEXT,
    os              TEXT   NOT NULL,
    os_version      TEXT,
    browser         TEXT   NOT NULL,
    browser_version TEXT,
    location_kind   TEXT   NOT NULL CHECK (location_kind IN ('known', 'local', 'unknown')),
    city            TEXT,
    region          TEXT,
    country_code    TEXT,
    country_name    TEXT,
    outcome         TEXT   NOT NULL CHECK (outcome IN ('success', 'invalid_credentials')),
    session_id      BIGINT
);
CREATE INDEX login_records_by_user ON login_records (user_id, at DESC, id DESC);
CREATE INDEX login_records_by_account ON login_records (account_id, at DESC, id DESC);
CREATE INDEX login_records_by_time ON login_records (at DESC, id DESC);
