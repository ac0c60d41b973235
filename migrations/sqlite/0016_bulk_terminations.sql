-- "End all N matching sessions" (src/service/sessions.rs). Its audit entry is a `changes`
-- row written when it begins; this row is its progress. Each batch advances both in the
-- batch's own transaction, so a progress bar on any server, and the change log, read exactly
-- what has been ended, even if the server running it dies halfway.
CREATE TABLE bulk_terminations (
    id          INTEGER PRIMARY KEY,
    change_id   INTEGER NOT NULL REFERENCES changes (id) ON DELETE CASCADE,
    -- Who may watch it: the person whose board started it.
    started_by  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    started_at  INTEGER NOT NULL,
    expected    INTEGER NOT NULL,
    ended       INTEGER NOT NULL DEFAULT 0,
    updated_at  INTEGER NOT NULL,
    finished_at INTEGER,
    error       TEXT
);
