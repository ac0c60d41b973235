-- The first-admin setup link; see migrations/sqlite/0005_setup.sql for why it is as it is.
CREATE TABLE setup_tokens (
    token_hash BYTEA  NOT NULL PRIMARY KEY,
    created_at BIGINT NOT NULL
);
