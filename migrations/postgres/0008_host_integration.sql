-- Plugging Sessionboard into a product that keeps its own users and sign-in; see
-- migrations/sqlite/0008_host_integration.sql for why.
ALTER TABLE api_keys ADD COLUMN trusted BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE api_keys ADD COLUMN directory BOOLEAN NOT NULL DEFAULT FALSE;

ALTER TABLE accounts ADD COLUMN external_id TEXT;
ALTER TABLE users ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX accounts_by_external_id ON accounts (external_id) WHERE external_id IS NOT NULL;
CREATE UNIQUE INDEX users_by_external_id ON users (external_id) WHERE external_id IS NOT NULL;

ALTER TABLE changes ADD COLUMN api_key_id BIGINT;

CREATE TABLE sign_in_links (
    token_hash BYTEA  NOT NULL PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    api_key_id BIGINT NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    page       TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sign_in_links_by_expiry ON sign_in_links (expires_at);
