-- The first-admin setup link (see migrations/postgres/0005_setup.sql for the same design on
-- PostgreSQL, and src/service/setup.rs for the flow).
--
-- A server that starts on a database with nobody in it, and without the demo world, prints a
-- one-time link to /setup for creating the first platform admin. Like session tokens, only the
-- link's SHA-256 is kept, so a copy of the database cannot be used to set the server up. A new
-- start replaces an unused link (an old one may sit in a log); using it deletes it, in one
-- statement, so of two requests with the same link only one wins.
CREATE TABLE setup_tokens (
    token_hash BLOB    NOT NULL PRIMARY KEY,
    created_at INTEGER NOT NULL
);
