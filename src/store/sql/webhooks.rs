//! The webhooks' SQL: the outbox every change writes its events to inside its own transaction
//! ([`enqueue`], [`sessions_ended`]), the endpoints, and the senders' claims.

use async_trait::async_trait;

use super::{sql, token_hashes};
use crate::error::Result;
use crate::model::{
    AccountId, ApplicationId, DeliveryState, EventType, Page, PageRequest, SessionEnd, SessionId,
    Timestamp, UserId, WebhookDeliveryId, WebhookDeliveryView, WebhookEndpointId,
    WebhookEndpointView,
};
use crate::store::dialect::{Dialect, SqlDb};
use crate::store::statement::Sql;
use crate::store::{Attempt, ClaimedDelivery, DeliveryOutcome, EndpointToAdd, WebhookStore};
use crate::token::TokenHash;
use crate::webhook::{EndedFacts, Event};

/// ` RETURNING` what [`sessions_ended`] needs of each session an `UPDATE sessions` ended.
pub(super) const ENDED_RETURNING: &str =
    " RETURNING id, user_id, account_id, application_id, token_hash";

/// A row of [`ENDED_RETURNING`].
pub(super) type EndedRow = (i64, i64, i64, i64, Vec<u8>);

/// An outbox row is waiting: neither delivered nor given up.
const WAITING: &str = "delivered_at IS NULL AND abandoned_at IS NULL";

/// Rows per `INSERT`: 7 values each stays far below either database's limit on bound values.
const ROWS_PER_INSERT: usize = 400;

/// Queues `events()` for every endpoint that wants them, on `connection`, which is inside the
/// transaction of the change they report: they commit with it or not at all. `kinds` are the
/// types `events` may produce; when no endpoint wants any of them (most installations), the
/// events are not even built and this costs one read of a table of a few rows.
pub(super) async fn enqueue<DB: SqlDb>(
    connection: &mut DB::Connection,
    kinds: &[EventType],
    events: impl FnOnce() -> Vec<Event>,
) -> Result<()> {
    let endpoints: Vec<(i64, String, Option<i64>)> =
        Sql::<DB>::new("SELECT id, events, account_id FROM webhook_endpoints")
            .fetch_all(&mut *connection)
            .await?;
    let wants = |events: &str, kind: EventType| events.split(',').any(|code| code == kind.code());
    let listening: Vec<_> = endpoints
        .into_iter()
        .filter(|(_, events, _)| kinds.iter().any(|kind| wants(events, *kind)))
        .collect();
    if listening.is_empty() {
        return Ok(());
    }
    let mut rows = Vec::new();
    for event in events() {
        let payload = event.payload();
        for (endpoint, events, account) in &listening {
            let for_account =
                account.is_none_or(|account| event.account == Some(AccountId(account)));
            if wants(events, event.kind) && for_account {
                rows.push((
                    *endpoint,
                    event.message_id.clone(),
                    event.kind,
                    event.at,
                    payload.clone(),
                ));
            }
        }
    }
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let mut insert = Sql::<DB>::new(
            "INSERT INTO webhook_outbox (endpoint_id, message_id, event_type, occurred_at, \
             payload, queued_at, next_attempt_at) VALUES ",
        );
        for (n, (endpoint, message_id, kind, at, payload)) in chunk.iter().enumerate() {
            insert
                .push(if n == 0 { "(" } else { ", (" })
                .bind(*endpoint)
                .push(", ")
                .bind(message_id.as_str())
                .push(", ")
                .bind(kind.code())
                .push(", ")
                .bind(at.0)
                .push(", ")
                .bind(payload.as_str())
                .push(", ")
                .bind(at.0)
                .push(", ")
                .bind(at.0)
                .push(")");
        }
        insert.run(&mut *connection).await?;
    }
    Ok(())
}

/// Every statement that ends sessions returns [`ENDED_RETURNING`] and passes its rows here:
/// each ended session's `session.ended` is queued in the same transaction, and the token
/// hashes come back for the caches.
pub(super) async fn sessions_ended<DB: SqlDb>(
    connection: &mut DB::Connection,
    rows: Vec<EndedRow>,
    end: SessionEnd,
    now: Timestamp,
) -> Result<Vec<TokenHash>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut facts: Vec<EndedFacts> = rows
        .iter()
        .map(|(session, user, account, application, _)| EndedFacts {
            session: SessionId(*session),
            user: UserId(*user),
            account: AccountId(*account),
            application: ApplicationId(*application),
        })
        .collect();
    // Sessions ended by one statement end at the same moment; PostgreSQL returns them in no
    // particular order. Oldest session first, so every receiver sees the same order.
    facts.sort_by_key(|facts| facts.session);
    enqueue::<DB>(connection, &[EventType::SessionEnded], || {
        facts
            .into_iter()
            .map(|facts| Event::session_ended(facts, end, now))
            .collect()
    })
    .await?;
    Ok(token_hashes(
        rows.into_iter().map(|(.., hash)| (hash,)).collect(),
    ))
}

/// A `webhook_endpoints` row with its account's name and its waiting count.
pub(crate) type EndpointRow = (
    i64,
    String,
    String,
    Option<i64>,
    Option<String>,
    String,
    i64,
    Option<i64>,
    Option<String>,
    i64,
);

/// A `webhook_outbox` row as the deliveries list shows it.
pub(crate) type DeliveryRow = (
    i64,
    i64,
    String,
    String,
    String,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    i64,
);

#[async_trait]
impl<D: Dialect> WebhookStore for D {
    async fn add_webhook_endpoint(&self, endpoint: EndpointToAdd<'_>) -> Result<WebhookEndpointId> {
        let events: Vec<&str> = endpoint.events.iter().map(|kind| kind.code()).collect();
        let (id,): (i64,) = sql::<D>(
            "INSERT INTO webhook_endpoints (url, secret, events, account_id, description, \
             created_at, created_by)",
        )
        .values([
            endpoint.url.into(),
            endpoint.secret.into(),
            events.join(",").into(),
            endpoint.account.map(|account| account.0).into(),
            endpoint.description.into(),
            endpoint.at.0.into(),
            endpoint.created_by.map(|user| user.0).into(),
        ])
        .push(" RETURNING id")
        .fetch_one(&mut *self.writer().acquire().await?)
        .await?;
        Ok(WebhookEndpointId(id))
    }

    async fn list_webhook_endpoints(&self) -> Result<Vec<WebhookEndpointView>> {
        let rows: Vec<EndpointRow> = sql::<D>(
            "SELECT e.id, e.url, e.events, e.account_id, a.name, e.description, e.created_at, \
             e.failing_since, e.failing_reason, \
             (SELECT COUNT(*) FROM webhook_outbox o WHERE o.endpoint_id = e.id AND ",
        )
        .push("o.delivered_at IS NULL AND o.abandoned_at IS NULL) FROM webhook_endpoints e LEFT JOIN accounts a ON a.id = e.account_id ORDER BY e.id")
        .fetch_all(&mut *self.readers().acquire().await?)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(
                    id,
                    url,
                    events,
                    account,
                    account_name,
                    description,
                    created,
                    since,
                    reason,
                    waiting,
                )| {
                    WebhookEndpointView {
                        id: WebhookEndpointId(id),
                        url,
                        events: events.split(',').filter_map(EventType::parse).collect(),
                        account_id: account.map(AccountId),
                        account_name,
                        description,
                        created_at: Timestamp(created),
                        failing_since: since.map(Timestamp),
                        failing_reason: reason,
                        waiting: u64::try_from(waiting).unwrap_or(0),
                    }
                },
            )
            .collect())
    }

    async fn delete_webhook_endpoint(&self, endpoint: WebhookEndpointId) -> Result<bool> {
        // Its queue goes with it: the outbox's foreign key cascades.
        let deleted = sql::<D>("DELETE FROM webhook_endpoints WHERE id = ")
            .bind(endpoint.0)
            .run(&mut *self.writer().acquire().await?)
            .await?;
        Ok(deleted > 0)
    }

    async fn resume_webhook_endpoint(
        &self,
        endpoint: WebhookEndpointId,
        now: Timestamp,
    ) -> Result<bool> {
        let mut tx = self.writer().begin().await?;
        let resumed = sql::<D>(
            "UPDATE webhook_endpoints SET failing_since = NULL, failing_reason = NULL WHERE id = ",
        )
        .bind(endpoint.0)
        .run(&mut *tx)
        .await?;
        sql::<D>("UPDATE webhook_outbox SET next_attempt_at = ")
            .bind(now.0)
            .push(" WHERE endpoint_id = ")
            .bind(endpoint.0)
            .push(" AND ")
            .push(WAITING)
            .run(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(resumed > 0)
    }

    async fn list_webhook_deliveries(
        &self,
        endpoint: Option<WebhookEndpointId>,
        page: PageRequest,
    ) -> Result<Page<WebhookDeliveryView>> {
        let mut statement = sql::<D>(
            "SELECT o.id, o.endpoint_id, e.url, o.message_id, o.event_type, o.occurred_at, \
             o.attempts, o.delivered_at, o.abandoned_at, o.last_attempt_at, o.last_status, \
             o.last_latency_ms, o.last_error, o.next_attempt_at \
             FROM webhook_outbox o JOIN webhook_endpoints e ON e.id = o.endpoint_id WHERE 1 = 1",
        );
        if let Some(endpoint) = endpoint {
            statement.push(" AND o.endpoint_id = ").bind(endpoint.0);
        }
        if let Some(after) = page.after {
            statement.push(" AND o.id < ").bind(after.id);
        }
        statement
            .push(" ORDER BY o.id DESC LIMIT ")
            .bind(i64::from(page.limit) + 1);
        let rows: Vec<DeliveryRow> = statement
            .fetch_all(&mut *self.readers().acquire().await?)
            .await?;
        let deliveries = rows.into_iter().map(delivery_view).collect();
        Ok(super::into_page(
            deliveries,
            page.limit,
            |delivery: &WebhookDeliveryView| crate::model::Cursor {
                at: delivery.occurred_at,
                id: delivery.id.0,
            },
        ))
    }

    async fn resend_webhook_delivery(
        &self,
        delivery: WebhookDeliveryId,
        now: Timestamp,
    ) -> Result<bool> {
        let queued = sql::<D>(
            "UPDATE webhook_outbox SET delivered_at = NULL, abandoned_at = NULL, attempts = 0, \
             queued_at = ",
        )
        .bind(now.0)
        .push(", next_attempt_at = ")
        .bind(now.0)
        .push(" WHERE id = ")
        .bind(delivery.0)
        .push(" AND NOT (")
        .push(WAITING)
        .push(")")
        .run(&mut *self.writer().acquire().await?)
        .await?;
        Ok(queued > 0)
    }

    async fn claim_webhook_deliveries(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
    ) -> Result<Vec<ClaimedDelivery>> {
        // A read first: a sender asks every second, and most of the time nothing is due (no
        // endpoint, nothing queued, or every head waiting out its backoff or another
        // server's lease).
        let due: Option<(i64,)> = sql::<D>(
            "SELECT e.id FROM webhook_endpoints e WHERE e.failing_since IS NULL AND \
             (SELECT o.next_attempt_at FROM webhook_outbox o WHERE o.endpoint_id = e.id AND \
             o.delivered_at IS NULL AND o.abandoned_at IS NULL ORDER BY o.id LIMIT 1) <= ",
        )
        .bind(now.0)
        .push(" LIMIT 1")
        .fetch_optional(&mut *self.readers().acquire().await?)
        .await?;
        if due.is_none() {
            return Ok(Vec::new());
        }
        // Only each endpoint's oldest waiting row may be claimed, and only once it is due: a
        // row behind one that is being retried waits for it, which keeps each endpoint's
        // events in the order they happened. The outer condition repeats "due": on PostgreSQL
        // a second server's update that waited for this one's row lock re-checks it against the
        // row as committed, finds it leased, and leaves it.
        let rows: Vec<(i64, i64, String, String, i64, i64)> =
            sql::<D>("UPDATE webhook_outbox SET next_attempt_at = ")
                .bind(lease_until.0)
                .push(
                    ", attempts = attempts + 1 WHERE id IN (SELECT (SELECT o.id FROM \
                     webhook_outbox o WHERE o.endpoint_id = e.id AND o.delivered_at IS NULL \
                     AND o.abandoned_at IS NULL ORDER BY o.id LIMIT 1) FROM webhook_endpoints e \
                     WHERE e.failing_since IS NULL) AND ",
                )
                .push(WAITING)
                .push(" AND next_attempt_at <= ")
                .bind(now.0)
                .push(" RETURNING id, endpoint_id, message_id, payload, attempts, queued_at")
                .fetch_all(&mut *self.writer().acquire().await?)
                .await?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let endpoints: Vec<(i64, String, String)> =
            sql::<D>("SELECT id, url, secret FROM webhook_endpoints")
                .fetch_all(&mut *self.readers().acquire().await?)
                .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, endpoint, message_id, payload, attempts, queued_at)| {
                let (_, url, secret) = endpoints.iter().find(|(e, ..)| *e == endpoint)?;
                Some(ClaimedDelivery {
                    id: WebhookDeliveryId(id),
                    endpoint_id: WebhookEndpointId(endpoint),
                    url: url.clone(),
                    secret: secret.clone(),
                    message_id,
                    payload,
                    attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                    queued_at: Timestamp(queued_at),
                })
            })
            .collect())
    }

    async fn finish_webhook_delivery(
        &self,
        delivery: &ClaimedDelivery,
        attempt: Attempt,
        outcome: DeliveryOutcome,
    ) -> Result<()> {
        let mut tx = self.writer().begin().await?;
        let mut statement = sql::<D>("UPDATE webhook_outbox SET last_attempt_at = ");
        statement
            .bind(attempt.at.0)
            .push(", last_status = ")
            .bind(attempt.status.map(i64::from))
            .push(", last_latency_ms = ")
            .bind(i64::try_from(attempt.latency_ms).unwrap_or(i64::MAX))
            .push(", last_error = ")
            .bind(attempt.error);
        match &outcome {
            DeliveryOutcome::Delivered => {
                statement.push(", delivered_at = ").bind(attempt.at.0);
            }
            DeliveryOutcome::Retry(at) => {
                statement.push(", next_attempt_at = ").bind(at.0);
            }
            DeliveryOutcome::GiveUp(_) => {
                statement.push(", abandoned_at = ").bind(attempt.at.0);
            }
        }
        // Still this sender's claim: nobody claimed it again (which counts an attempt).
        let finished = statement
            .push(" WHERE id = ")
            .bind(delivery.id.0)
            .push(" AND attempts = ")
            .bind(i64::from(delivery.attempts))
            .push(" AND ")
            .push(WAITING)
            .run(&mut *tx)
            .await?;
        if let (DeliveryOutcome::GiveUp(reason), 1..) = (outcome, finished) {
            sql::<D>("UPDATE webhook_endpoints SET failing_since = ")
                .bind(attempt.at.0)
                .push(", failing_reason = ")
                .bind(reason)
                .push(" WHERE failing_since IS NULL AND id = ")
                .bind(delivery.endpoint_id.0)
                .run(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

fn delivery_view(row: DeliveryRow) -> WebhookDeliveryView {
    let (
        id,
        endpoint,
        url,
        message_id,
        event_type,
        occurred,
        attempts,
        delivered,
        abandoned,
        last_attempt,
        status,
        latency,
        error,
        next,
    ) = row;
    let state = match (delivered, abandoned) {
        (Some(_), _) => DeliveryState::Delivered,
        (None, Some(_)) => DeliveryState::Failed,
        (None, None) => DeliveryState::Waiting,
    };
    WebhookDeliveryView {
        id: WebhookDeliveryId(id),
        endpoint_id: WebhookEndpointId(endpoint),
        endpoint_url: url,
        message_id,
        event_type,
        occurred_at: Timestamp(occurred),
        state,
        attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
        last_attempt_at: last_attempt.map(Timestamp),
        last_status: status.and_then(|status| u16::try_from(status).ok()),
        last_latency_ms: latency.and_then(|latency| u64::try_from(latency).ok()),
        last_error: error,
        next_attempt_at: Timestamp(next),
    }
}
