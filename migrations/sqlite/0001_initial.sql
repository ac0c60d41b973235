-- Sessionboard's schema (SQLite). migrations/postgres/ holds the same design for PostgreSQL;
-- keep the two in step, number for number.
--
-- Times are INTEGER milliseconds since the Unix epoch (UTC) in both databases: they sort and
-- index identically everywhere and the engine passes "now" in, so tests control the clock.

-- A tenant: a customer company, or a sales representative's personal account.
CREATE TABLE accounts (
    id                INTEGER PRIMARY KEY,
    name              TEXT    NOT NULL,
    -- "Store geolocation information". Read when a session is created and never again, so
    -- toggling it cannot rewrite existing sessions.
    store_geolocation INTEGER NOT NULL DEFAULT 1 CHECK (store_geolocation IN (0, 1)),
    created_at        INTEGER NOT NULL
);

CREATE TABLE users (
    id                INTEGER PRIMARY KEY,
    -- Emails compare case-insensitively: "Henk@Ektek.de" and "henk@ektek.de" are one person.
    email             TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    name              TEXT    NOT NULL,
    -- argon2id in PHC string format. Never leaves the server.
    password_hash     TEXT    NOT NULL,
    is_platform_admin INTEGER NOT NULL DEFAULT 0 CHECK (is_platform_admin IN (0, 1)),
    is_sales_rep      INTEGER NOT NULL DEFAULT 0 CHECK (is_sales_rep IN (0, 1)),
    created_at        INTEGER NOT NULL
);

-- A user's role in an account. The first membership (lowest account id) is where a browser
-- sign-in lands.
CREATE TABLE memberships (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    role       TEXT    NOT NULL CHECK (role IN ('employee', 'owner')),
    PRIMARY KEY (user_id, account_id)
);
CREATE INDEX memberships_by_account ON memberships (account_id, user_id);

-- Web app, iOS app, Android app, Public API…: every session belongs to one.
CREATE TABLE applications (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

CREATE TABLE sessions (
    id               INTEGER PRIMARY KEY,
    -- SHA-256 of the bearer token; the token itself is never stored.
    token_hash       BLOB    NOT NULL UNIQUE,
    user_id          INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    account_id       INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    application_id   INTEGER NOT NULL REFERENCES applications (id),
    ip               TEXT    NOT NULL,
    -- Truncated to 512 bytes by the engine before it gets here.
    user_agent       TEXT    NOT NULL,
    -- Parsed once at sign-in, so listing never runs the user-agent regexes.
    device_kind      TEXT    NOT NULL,
    device_model     TEXT,
    os               TEXT    NOT NULL,
    os_version       TEXT,
    browser          TEXT    NOT NULL,
    browser_version  TEXT,
    -- 'known' (fields below may be set), 'local' (private address) or 'unknown'.
    location_kind    TEXT    NOT NULL CHECK (location_kind IN ('known', 'local', 'unknown')),
    city             TEXT,
    region           TEXT,
    country_code     TEXT,
    country_name     TEXT,
    created_at       INTEGER NOT NULL,
    last_active_at   INTEGER NOT NULL,
    -- min(last activity + idle timeout, creation + absolute lifetime), kept current by the
    -- throttled touch, so "is it live?" is one comparison the indexes can use.
    expires_at       INTEGER NOT NULL,
    -- Set when terminated or logged out. The row stays for history and audit until purged.
    revoked_at       INTEGER
);

-- Listing one person's sessions, newest first, with keyset pagination on (created_at, id).
-- Partial: terminated sessions never appear in lists, so they need not be in the index.
CREATE INDEX sessions_live_by_user
    ON sessions (user_id, created_at DESC, id DESC) WHERE revoked_at IS NULL;
-- The same for an account owner's view of their account.
CREATE INDEX sessions_live_by_account
    ON sessions (account_id, created_at DESC, id DESC) WHERE revoked_at IS NULL;
-- The purge job: rows long past expiry, terminated or not.
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
