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

-- Sales representatives acting as customer users. Visible to platform admins only (the audit
-- log); an impersonation never creates a session for the customer.
CREATE TABLE impersonations (
    id                INTEGER PRIMARY KEY,
    impersonator_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The representative's own session that did the acting. Not a foreign key: sessions point
    -- here, and purged sessions must not take their audit trail with them.
    session_id        INTEGER NOT NULL,
    target_user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    target_account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    started_at        INTEGER NOT NULL,
    ended_at          INTEGER
);
CREATE INDEX impersonations_by_start ON impersonations (started_at DESC, id DESC);

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
    revoked_at       INTEGER,
    -- While a sales representative acts as a customer user, their own session carries whose
    -- eyes it sees through. The session stays the representative's: it is never listed as the
    -- customer's.
    acting_user_id    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    acting_account_id INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    impersonation_id  INTEGER REFERENCES impersonations (id) ON DELETE SET NULL,
    -- Lower-cased user name, email, device, browser, location and IP, for the search box.
    -- Copied at sign-in so the search needs no joins; indexed by sessions_search below.
    search_text      TEXT    NOT NULL
);

-- Listing one person's sessions, newest first, with keyset pagination on (created_at, id).
-- Partial: terminated sessions never appear in lists, so they need not be in the index.
CREATE INDEX sessions_live_by_user
    ON sessions (user_id, created_at DESC, id DESC) WHERE revoked_at IS NULL;
-- The same for an account owner's view of their account.
CREATE INDEX sessions_live_by_account
    ON sessions (account_id, created_at DESC, id DESC) WHERE revoked_at IS NULL;
-- A platform admin's view of everything, and the application filter on it.
CREATE INDEX sessions_live_by_created
    ON sessions (created_at DESC, id DESC) WHERE revoked_at IS NULL;
CREATE INDEX sessions_live_by_application
    ON sessions (application_id, created_at DESC, id DESC) WHERE revoked_at IS NULL;
-- The purge job: rows long past expiry, terminated or not.
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
CREATE INDEX sessions_by_revocation ON sessions (revoked_at) WHERE revoked_at IS NOT NULL;

-- Substring search ("ber" finds Berlin and Becker) through a trigram index, so searching all
-- sessions never scans the table. External content: the text lives once, in sessions.
CREATE VIRTUAL TABLE sessions_search USING fts5 (
    search_text, content = 'sessions', content_rowid = 'id', tokenize = 'trigram'
);
CREATE TRIGGER sessions_search_insert AFTER INSERT ON sessions BEGIN
    INSERT INTO sessions_search (rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER sessions_search_delete AFTER DELETE ON sessions BEGIN
    INSERT INTO sessions_search (sessions_search, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
END;

-- Sign-in history: every attempt, successful or not. Kept after sessions end.
CREATE TABLE login_records (
    id              INTEGER PRIMARY KEY,
    at              INTEGER NOT NULL,
    -- NULL when the email matched nobody.
    user_id         INTEGER REFERENCES users (id) ON DELETE SET NULL,
    account_id      INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    -- As entered (trimmed, at most 254 bytes), so failed attempts on unknown emails show.
    email           TEXT    NOT NULL,
    application_id  INTEGER NOT NULL REFERENCES applications (id),
    ip              TEXT    NOT NULL,
    user_agent      TEXT    NOT NULL,
    device_kind     TEXT    NOT NULL,
    device_model    TEXT,
    os              TEXT    NOT NULL,
    os_version      TEXT,
    browser         TEXT    NOT NULL,
    browser_version TEXT,
    location_kind   TEXT    NOT NULL CHECK (location_kind IN ('known', 'local', 'unknown')),
    city            TEXT,
    region          TEXT,
    country_code    TEXT,
    country_name    TEXT,
    outcome         TEXT    NOT NULL CHECK (outcome IN ('success', 'invalid_credentials')),
    session_id      INTEGER
);
CREATE INDEX login_records_by_user ON login_records (user_id, at DESC, id DESC);
CREATE INDEX login_records_by_account ON login_records (account_id, at DESC, id DESC);
CREATE INDEX login_records_by_time ON login_records (at DESC, id DESC);
