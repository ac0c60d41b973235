-- "Was this you?" by e-mail (src/service/alerts.rs). A flagged sign-in's alert is a row here,
-- written in the sign-in's own transaction: a rolled-back sign-in sends nothing, a committed
-- one is never lost, and the sign-in never waits for the mail server. A background task
-- claims due rows, sends, and marks them; several servers on one database share the rows.
CREATE TABLE alert_outbox (
    id              INTEGER PRIMARY KEY,
    -- Not a foreign key: the purge may take the session first; the alert is then dropped.
    session_id      INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    -- When it may next be tried. Claiming a row moves this past the sending's timeout, so
    -- another server takes it only if this one died mid-send.
    next_attempt_at INTEGER NOT NULL,
    sent_at         INTEGER,
    -- Given up on (a day of failures, or nothing left to tell).
    abandoned_at    INTEGER,
    last_error      TEXT
);
CREATE INDEX alert_outbox_due ON alert_outbox (next_attempt_at)
    WHERE sent_at IS NULL AND abandoned_at IS NULL;

-- The person's own setting: alert mails are on unless they turn them off.
ALTER TABLE users ADD COLUMN alert_mails INTEGER NOT NULL DEFAULT 1 CHECK (alert_mails IN (0, 1));

-- The mail's one-time "this wasn't me" link: only its SHA-256 is kept; 7 days; single use.
CREATE TABLE report_links (
    token_hash BLOB    PRIMARY KEY,
    session_id INTEGER NOT NULL,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL
);
CREATE INDEX report_links_by_expiry ON report_links (expires_at);
