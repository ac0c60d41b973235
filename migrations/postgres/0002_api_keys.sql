-- API keys; see migrations/sqlite/0002_api_keys.sql.
CREATE TABLE api_keys (
    id             BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id BIGINT  NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    key_hash       BYTEA   NOT NULL UNIQUE,
    is_admin       BOOLEAN NOT NULL DEFAULT FALSE,
    label          TEXT    NOT NULL,
    created_at     BIGINT  NOT NULL,
    revoked_at     BIGINT
);
CREATE INDEX api_keys_by_application ON api_keys (application_id);
