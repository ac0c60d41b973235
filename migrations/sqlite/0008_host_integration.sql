-- Plugging Sessionboard into a product that keeps its own users and sign-in: the product's
-- own ids for accounts and people, keys that may sign people in without a password or keep
-- the directory in step, and one-time links from the product into Sessionboard's pages.

-- What an application's key may do beyond its own devices' sessions. A trusted key signs its
-- application's people in without a password (the product has already checked theirs) and
-- makes sign-in links; a directory key creates, changes and deactivates accounts, people and
-- memberships. Both are granted by a platform admin when the key is made.
ALTER TABLE api_keys ADD COLUMN trusted INTEGER NOT NULL DEFAULT 0 CHECK (trusted IN (0, 1));
ALTER TABLE api_keys ADD COLUMN directory INTEGER NOT NULL DEFAULT 0 CHECK (directory IN (0, 1));

-- The product's own id for an account or a person: what directory sync and trusted sign-in
-- name them by. One namespace for the whole installation; NULL for those made here.
ALTER TABLE accounts ADD COLUMN external_id TEXT;
ALTER TABLE users ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX accounts_by_external_id ON accounts (external_id) WHERE external_id IS NOT NULL;
CREATE UNIQUE INDEX users_by_external_id ON users (external_id) WHERE external_id IS NOT NULL;

-- A change made through the API is recorded against the key that made it.
ALTER TABLE changes ADD COLUMN api_key_id INTEGER;

-- One-time links from a product into Sessionboard's pages, signed in as one person in one
-- account. Only the SHA-256 of the token is kept; the row is deleted when the link is used,
-- and expired rows by the purge.
CREATE TABLE sign_in_links (
    token_hash BLOB    NOT NULL PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- The key that asked for it (and so its application), for the sign-in history.
    api_key_id INTEGER NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    -- Where in Sessionboard the link lands: a path such as /sessions.
    page       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sign_in_links_by_expiry ON sign_in_links (expires_at);
