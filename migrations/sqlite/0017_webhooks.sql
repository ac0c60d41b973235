-- Signed webhooks (src/service/webhooks.rs). An endpoint is where a platform admin wants to
-- hear about changes; the outbox holds one row per (event, endpoint), written in the same
-- transaction as the change the event reports: a rolled-back change sends nothing, a
-- committed one is never lost. A background task on every server claims each endpoint's
-- oldest waiting row, posts it signed (Standard Webhooks), and marks it; several servers on
-- one database share the rows and never deliver the same one at the same time.
CREATE TABLE webhook_endpoints (
    id             INTEGER PRIMARY KEY,
    url            TEXT    NOT NULL,
    -- "whsec_…", shown once when the endpoint is made. Kept as it is, not hashed: every
    -- delivery signs with it.
    secret         TEXT    NOT NULL,
    -- The event types it wants, comma-separated ("session.created,session.ended").
    events         TEXT    NOT NULL,
    -- Only events of this account; NULL: every account, and events that belong to none.
    account_id     INTEGER REFERENCES accounts (id) ON DELETE CASCADE,
    description    TEXT    NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL,
    created_by     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    -- Set when a delivery was given up on after a day of failures; deliveries to it pause
    -- (its events keep queueing) until an admin resumes it.
    failing_since  INTEGER,
    failing_reason TEXT
);

CREATE TABLE webhook_outbox (
    -- Also the order of delivery to each endpoint: the order the events committed in.
    id              INTEGER PRIMARY KEY,
    endpoint_id     INTEGER NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    -- The `webhook-id` header: one per event, the same on every attempt.
    message_id      TEXT    NOT NULL,
    event_type      TEXT    NOT NULL,
    occurred_at     INTEGER NOT NULL,
    -- The JSON body, exactly as every attempt sends it.
    payload         TEXT    NOT NULL,
    -- When it was queued, or re-sent: a day after this, failures give it up.
    queued_at       INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    -- When it may next be tried. Claiming it moves this past the delivery's timeout, so
    -- another server takes it only if this one died mid-delivery.
    next_attempt_at INTEGER NOT NULL,
    delivered_at    INTEGER,
    abandoned_at    INTEGER,
    last_attempt_at INTEGER,
    -- The receiver's HTTP status of the last attempt (NULL when none came back).
    last_status     INTEGER,
    last_latency_ms INTEGER,
    last_error      TEXT
);
-- Each endpoint's next waiting row, in one seek: what every sender asks each second.
CREATE INDEX webhook_outbox_waiting ON webhook_outbox (endpoint_id, id)
    WHERE delivered_at IS NULL AND abandoned_at IS NULL;
-- An endpoint's recent deliveries, newest first (and the cascade when it is deleted).
CREATE INDEX webhook_outbox_by_endpoint ON webhook_outbox (endpoint_id, id);
