-- Signed webhooks; see migrations/sqlite/0017_webhooks.sql for why.
CREATE TABLE webhook_endpoints (
    id             BIGSERIAL PRIMARY KEY,
    url            TEXT   NOT NULL,
    secret         TEXT   NOT NULL,
    events         TEXT   NOT NULL,
    account_id     BIGINT REFERENCES accounts (id) ON DELETE CASCADE,
    description    TEXT   NOT NULL DEFAULT '',
    created_at     BIGINT NOT NULL,
    created_by     BIGINT REFERENCES users (id) ON DELETE SET NULL,
    failing_since  BIGINT,
    failing_reason TEXT
);

CREATE TABLE webhook_outbox (
    id              BIGSERIAL PRIMARY KEY,
    endpoint_id     BIGINT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    message_id      TEXT   NOT NULL,
    event_type      TEXT   NOT NULL,
    occurred_at     BIGINT NOT NULL,
    payload         TEXT   NOT NULL,
    queued_at       BIGINT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    delivered_at    BIGINT,
    abandoned_at    BIGINT,
    last_attempt_at BIGINT,
    last_status     BIGINT,
    last_latency_ms BIGINT,
    last_error      TEXT
);
CREATE INDEX webhook_outbox_waiting ON webhook_outbox (endpoint_id, id)
    WHERE delivered_at IS NULL AND abandoned_at IS NULL;
CREATE INDEX webhook_outbox_by_endpoint ON webhook_outbox (endpoint_id, id);
