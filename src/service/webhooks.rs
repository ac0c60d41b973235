//! Webhooks: platform admins register endpoints; every change queues its events for them in
//! its own transaction (the store's outbox); a background task on every server delivers
//! them, signed, at least once, in order per endpoint.
//!
//! Delivery rules, in one place:
//! 1. Each endpoint gets its events in the order they committed: only its oldest waiting
//!    delivery is ever attempted, and a failing one holds the rest back.
//! 2. Every attempt of a delivery carries the same `webhook-id` and body; only the timestamp
//!    and signature are new.
//! 3. A failed attempt is retried after 5 s, doubling to at most an hour between attempts.
//!    A delivery still failing a day after it was queued is given up, and its endpoint paused
//!    with the reason, for an admin to look at and resume; its later events keep queueing.
//! 4. A claimed delivery is leased for twice the timeout and a little: a server killed
//!    mid-delivery leaves it to any other (or to itself, restarted) once the lease runs out.
//!    So a receiver may see an event twice, never zero times; it tells by `webhook-id`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::alerts::backoff;
use super::{Caller, SessionService, checked_page, checked_text};
use crate::access;
use crate::error::{Error, Result};
use crate::model::{
    EventType, NewWebhookEndpoint, Page, PageRequest, Timestamp, WebhookDeliveryId,
    WebhookDeliveryView, WebhookEndpointId, WebhookEndpointView, WebhookSecret,
};
use crate::store::{Attempt, ClaimedDelivery, DeliveryOutcome, EndpointToAdd, Store};
use crate::webhook::{self, Answer, Transport, policy};

/// How often a sender looks for due deliveries when it has nothing in hand.
pub const WEBHOOK_POLL: Duration = Duration::from_secs(1);
/// How long failures may go on before a delivery is given up.
pub const GIVE_UP_AFTER: Duration = Duration::from_secs(24 * 3600);
/// The longest description an endpoint may have.
const MAX_DESCRIPTION_CHARS: usize = 200;

/// What a sender needs to know about deliveries: where they may go and how long a receiver
/// has to answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WebhookPolicy {
    /// Endpoints on private networks (10/8, 192.168/16, fc00::/7, …) are allowed.
    pub allow_private_networks: bool,
    pub timeout: Duration,
}

impl Default for WebhookPolicy {
    fn default() -> Self {
        Self {
            allow_private_networks: false,
            timeout: webhook::DELIVERY_TIMEOUT,
        }
    }
}

impl WebhookPolicy {
    /// Longer than an attempt may take, so only a server that died mid-delivery loses its
    /// claim (rule 4).
    pub fn lease(&self) -> Duration {
        self.timeout * 2 + Duration::from_secs(5)
    }
}

/// An endpoint as an admin asks for it.
pub struct EndpointForm<'a> {
    pub url: &'a str,
    pub events: &'a [EventType],
    /// Only this account's events (its exact name); `None` or blank: every account's.
    pub account: Option<&'a str>,
    pub description: &'a str,
}

/// What one attempt's answer makes of a delivery (rule 3).
pub fn judge(
    answer: &Answer,
    attempts: u32,
    queued_at: Timestamp,
    now: Timestamp,
) -> (Option<String>, DeliveryOutcome) {
    let why = match answer {
        Answer::Status(200..=299) => return (None, DeliveryOutcome::Delivered),
        Answer::Status(status @ 300..=399) => format!(
            "the receiver answered {status}, a redirect: deliveries do not follow redirects to \
             another host; register the URL it redirects to"
        ),
        Answer::Status(status) => format!("the receiver answered {status}"),
        Answer::NoAnswer(why) => why.clone(),
    };
    let outcome = if now >= queued_at.plus(GIVE_UP_AFTER) {
        DeliveryOutcome::GiveUp(format!(
            "a delivery failed for a day ({attempts} attempts); the last said: {why}"
        ))
    } else {
        DeliveryOutcome::Retry(now.plus(backoff(attempts)))
    };
    (Some(why), outcome)
}

impl SessionService {
    /// Where deliveries may go and how long receivers have: for the server's transport.
    pub fn webhook_policy(&self) -> WebhookPolicy {
        self.policy.webhooks
    }

    /// Registers an endpoint; its secret is in the answer and never shown again.
    pub async fn add_webhook_endpoint(
        &self,
        caller: &Caller,
        form: EndpointForm<'_>,
        now: Timestamp,
    ) -> Result<NewWebhookEndpoint> {
        access::may_manage_webhooks(&self.principal(caller).await?)?;
        access::may_change_people(caller.impersonator.is_some())?;
        let policy = self.policy.webhooks;
        let checked = policy::check_url(form.url, policy.allow_private_networks)
            .map_err(Error::WebhookUrl)?;
        if checked.needs_resolving {
            resolves_to_allowed(&checked.url, policy.allow_private_networks).await?;
        }
        if form.events.is_empty() {
            return Err(Error::InvalidInput("choose at least one event type"));
        }
        let description = checked_text(
            form.description.trim(),
            MAX_DESCRIPTION_CHARS,
            "a description is at most 200 characters",
        )?;
        let account = match form.account.map(str::trim).filter(|name| !name.is_empty()) {
            Some(name) => Some(
                self.store
                    .account_by_name(name)
                    .await?
                    .ok_or(Error::NotFound("account"))?,
            ),
            None => None,
        };
        let mut events = form.events.to_vec();
        events.sort_by_key(|kind| EventType::ALL.iter().position(|k| k == kind));
        events.dedup();
        let secret = webhook::generate_secret();
        let id = self
            .store
            .add_webhook_endpoint(EndpointToAdd {
                url: checked.url.as_str(),
                secret: &secret,
                events: &events,
                account,
                description,
                created_by: Some(caller.user_id),
                at: now,
            })
            .await?;
        Ok(NewWebhookEndpoint {
            id,
            secret: WebhookSecret::new(secret),
        })
    }

    pub async fn webhook_endpoints(&self, caller: &Caller) -> Result<Vec<WebhookEndpointView>> {
        access::may_manage_webhooks(&self.principal(caller).await?)?;
        self.store.list_webhook_endpoints().await
    }

    /// Deletes an endpoint, and what was still queued for it.
    pub async fn delete_webhook_endpoint(
        &self,
        caller: &Caller,
        endpoint: WebhookEndpointId,
    ) -> Result<()> {
        access::may_manage_webhooks(&self.principal(caller).await?)?;
        access::may_change_people(caller.impersonator.is_some())?;
        if self.store.delete_webhook_endpoint(endpoint).await? {
            Ok(())
        } else {
            Err(Error::NotFound("webhook endpoint"))
        }
    }

    /// Lets deliveries to a paused endpoint go on, from its oldest waiting one.
    pub async fn resume_webhook_endpoint(
        &self,
        caller: &Caller,
        endpoint: WebhookEndpointId,
        now: Timestamp,
    ) -> Result<()> {
        access::may_manage_webhooks(&self.principal(caller).await?)?;
        access::may_change_people(caller.impersonator.is_some())?;
        if self.store.resume_webhook_endpoint(endpoint, now).await? {
            Ok(())
        } else {
            Err(Error::NotFound("webhook endpoint"))
        }
    }

    /// Recent deliveries, newest first; of one endpoint when given.
    pub async fn webhook_deliveries(
        &self,
        caller: &Caller,
        endpoint: Option<WebhookEndpointId>,
        page: PageRequest,
    ) -> Result<Page<WebhookDeliveryView>> {
        access::may_manage_webhooks(&self.principal(caller).await?)?;
        let page = checked_page(page)?;
        self.store.list_webhook_deliveries(endpoint, page).await
    }

    /// Sends a delivered or given-up delivery again: same `webhook-id`, same body, at its
    /// place in its endpoint's order.
    pub async fn resend_webhook_delivery(
        &self,
        caller: &Caller,
        delivery: WebhookDeliveryId,
        now: Timestamp,
    ) -> Result<()> {
        access::may_manage_webhooks(&self.principal(caller).await?)?;
        access::may_change_people(caller.impersonator.is_some())?;
        if self.store.resend_webhook_delivery(delivery, now).await? {
            Ok(())
        } else {
            Err(Error::Conflict(
                "no such delivery, or it is waiting to be sent already",
            ))
        }
    }

    /// Attempts every endpoint's next delivery that is due at `now` (at most one per
    /// endpoint, side by side); returns how many were attempted.
    pub async fn deliver_due_webhooks(
        &self,
        transport: &Arc<dyn Transport>,
        now: Timestamp,
    ) -> Result<usize> {
        let lease = self.policy.webhooks.lease();
        let claimed = self
            .store
            .claim_webhook_deliveries(now, now.plus(lease))
            .await?;
        let attempted = claimed.len();
        let mut attempts = tokio::task::JoinSet::new();
        for delivery in claimed {
            let (store, transport) = (self.store.clone(), transport.clone());
            attempts.spawn(async move { attempt(&*store, &*transport, delivery, now).await });
        }
        while let Some(done) = attempts.join_next().await {
            match done {
                Ok(result) => result?,
                Err(panic) => return Err(Error::Internal(format!("a delivery panicked: {panic}"))),
            }
        }
        Ok(attempted)
    }
}

/// One attempt at one claimed delivery, recorded.
async fn attempt(
    store: &dyn Store,
    transport: &dyn Transport,
    delivery: ClaimedDelivery,
    now: Timestamp,
) -> Result<()> {
    let seconds = now.0.div_euclid(1000);
    let started = Instant::now();
    let answer = match webhook::sign(
        &delivery.secret,
        &delivery.message_id,
        seconds,
        &delivery.payload,
    ) {
        Some(headers) => {
            transport
                .post(&delivery.url, &headers, delivery.payload.clone())
                .await
        }
        None => Answer::NoAnswer("the endpoint's secret is not a Standard Webhooks secret".into()),
    };
    let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let finished = now.plus(started.elapsed());
    let (error, outcome) = judge(&answer, delivery.attempts, delivery.queued_at, finished);
    match (&outcome, &error) {
        (DeliveryOutcome::GiveUp(reason), _) => {
            tracing::warn!(endpoint = delivery.endpoint_id.0, %reason, "webhook endpoint paused");
        }
        (DeliveryOutcome::Retry(at), Some(error)) => {
            tracing::info!(endpoint = delivery.endpoint_id.0, id = %delivery.message_id, %error, retry_at = at.0, "webhook not delivered yet");
        }
        _ => {}
    }
    let status = match answer {
        Answer::Status(status) => Some(status),
        Answer::NoAnswer(_) => None,
    };
    let attempt = Attempt {
        at: finished,
        status,
        latency_ms,
        error,
    };
    store
        .finish_webhook_delivery(&delivery, attempt, outcome)
        .await
}

/// Refuses a host name that does not resolve, or resolves to an address deliveries may not go
/// to. Checked again at every delivery (the server's transport), since DNS answers change.
async fn resolves_to_allowed(url: &url::Url, allow_private: bool) -> Result<()> {
    let host = url.host_str().unwrap_or_default();
    let port = url.port_or_known_default().unwrap_or(443);
    let resolved = tokio::time::timeout(
        Duration::from_secs(5),
        policy::resolve(host, port, allow_private),
    )
    .await
    .map_err(|_| {
        Error::WebhookUrl(format!(
            "{host} does not resolve (the lookup took too long)"
        ))
    })?
    .map_err(|error| Error::WebhookUrl(format!("{host} does not resolve ({error})")))?;
    // Every address must be allowed: an endpoint is not registered half inside the network.
    match resolved.refused {
        Some(why) => Err(Error::WebhookUrl(why)),
        None if resolved.allowed.is_empty() => {
            Err(Error::WebhookUrl(format!("{host} has no address")))
        }
        None => Ok(()),
    }
}

/// Delivers webhooks for as long as the server runs: every endpoint's next due delivery, at
/// once again while there are some, and every [`WEBHOOK_POLL`] otherwise.
pub fn spawn_webhook_sender(
    service: Arc<SessionService>,
    transport: Arc<dyn Transport>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match service
                .deliver_due_webhooks(&transport, Timestamp::now())
                .await
            {
                Ok(0) => tokio::time::sleep(WEBHOOK_POLL).await,
                Ok(_) => {}
                Err(error) => {
                    tracing::error!(error = %error.report(), "delivering webhooks failed");
                    tokio::time::sleep(WEBHOOK_POLL).await;
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);

    #[test]
    fn only_a_2xx_delivers_and_a_redirect_says_it_was_not_followed() {
        let t = Timestamp(1_000_000);
        assert_eq!(
            judge(&Answer::Status(204), 1, t, t),
            (None, DeliveryOutcome::Delivered)
        );
        let (why, outcome) = judge(&Answer::Status(302), 1, t, t);
        assert!(why.unwrap().contains("do not follow redirects"));
        assert_eq!(
            outcome,
            DeliveryOutcome::Retry(t.plus(Duration::from_secs(5)))
        );
        let (why, _) = judge(&Answer::Status(500), 1, t, t);
        assert_eq!(why.unwrap(), "the receiver answered 500");
    }

    #[test]
    fn retries_back_off_to_an_hour_and_stop_after_a_day() {
        assert_eq!(backoff(1), Duration::from_secs(5));
        assert_eq!(backoff(2), Duration::from_secs(10));
        assert_eq!(backoff(30), HOUR);
        let queued = Timestamp(0);
        let (_, before) = judge(
            &Answer::NoAnswer("refused".into()),
            20,
            queued,
            queued.plus(23 * HOUR),
        );
        assert!(matches!(before, DeliveryOutcome::Retry(_)));
        let (_, after) = judge(
            &Answer::NoAnswer("refused".into()),
            21,
            queued,
            queued.plus(24 * HOUR),
        );
        let DeliveryOutcome::GiveUp(reason) = after else {
            panic!("{after:?}")
        };
        assert!(
            reason.contains("21 attempts") && reason.contains("refused"),
            "{reason}"
        );
    }
}
