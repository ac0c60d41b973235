-- "End all N matching sessions"; see migrations/sqlite/0016_bulk_terminations.sql.
CREATE TABLE bulk_terminations (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    change_id   BIGINT NOT NULL REFERENCES changes (id) ON DELETE CASCADE,
    started_by  BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    started_at  BIGINT NOT NULL,
    expected    BIGINT NOT NULL,
    ended       BIGINT NOT NULL DEFAULT 0,
    updated_at  BIGINT NOT NULL,
    finished_at BIGINT,
    error       TEXT
);
