-- "Was this you?" by e-mail; see migrations/sqlite/0013_alert_mails.sql for why.
CREATE TABLE alert_outbox (
    id              BIGSERIAL PRIMARY KEY,
    session_id      BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    sent_at         BIGINT,
    abandoned_at    BIGINT,
    last_error      TEXT
);
CREATE INDEX alert_outbox_due ON alert_outbox (next_attempt_at)
    WHERE sent_at IS NULL AND abandoned_at IS NULL;

ALTER TABLE users ADD COLUMN alert_mails BOOLEAN NOT NULL DEFAULT TRUE;

CREATE TABLE report_links (
    token_hash BYTEA  PRIMARY KEY,
    session_id BIGINT NOT NULL,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at BIGINT NOT NULL
);
CREATE INDEX report_links_by_expiry ON report_links (expires_at);
