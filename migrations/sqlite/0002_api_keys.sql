-- API keys: how applications (web app back ends, mobile back ends, API clients) authenticate to
-- /api/v1. The secret is shown once at creation; only its SHA-256 is kept, like session tokens.
CREATE TABLE api_keys (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    key_hash       BLOB    NOT NULL UNIQUE,
    -- A platform-wide key sees and ends sessions in every account, like a platform admin.
    is_admin       INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
    label          TEXT    NOT NULL,
    created_at     INTEGER NOT NULL,
    revoked_at     INTEGER
);
CREATE INDEX api_keys_by_application ON api_keys (application_id);
