//! Webhooks: the endpoints, the outbox each change writes its events to in its own
//! transaction (see `sql/webhooks.rs`), and the senders' claims on it.

use async_trait::async_trait;

use crate::error::Result;
use crate::model::{
    AccountId, EventType, Page, PageRequest, Timestamp, UserId, WebhookDeliveryId,
    WebhookDeliveryView, WebhookEndpointId, WebhookEndpointView,
};

/// An endpoint to register; the service has checked its URL and made its secret.
pub struct EndpointToAdd<'a> {
    pub url: &'a str,
    pub secret: &'a str,
    pub events: &'a [EventType],
    pub account: Option<AccountId>,
    pub description: &'a str,
    pub created_by: Option<UserId>,
    pub at: Timestamp,
}

/// A delivery a sender has claimed: it is this sender's to attempt until its lease runs out.
pub struct ClaimedDelivery {
    pub id: WebhookDeliveryId,
    pub endpoint_id: WebhookEndpointId,
    pub url: String,
    /// The endpoint's signing secret.
    pub secret: String,
    pub message_id: String,
    pub payload: String,
    /// Including this one.
    pub attempts: u32,
    /// When it was queued (or re-sent): the day of retries counts from here.
    pub queued_at: Timestamp,
}

/// What an attempt brought back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    pub at: Timestamp,
    /// The receiver's HTTP status, when it answered.
    pub status: Option<u16>,
    pub latency_ms: u64,
    /// Why it failed, in words; `None` when it was delivered.
    pub error: Option<String>,
}

/// How a claimed delivery ends up after an attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeliveryOutcome {
    Delivered,
    /// Try again at this time.
    Retry(Timestamp),
    /// Failing for a day: give it up, and pause the endpoint with this reason.
    GiveUp(String),
}

#[async_trait]
pub trait WebhookStore: Send + Sync {
    async fn add_webhook_endpoint(&self, endpoint: EndpointToAdd<'_>) -> Result<WebhookEndpointId>;

    /// Every endpoint, oldest first (a handful: platform admins register them one by one).
    async fn list_webhook_endpoints(&self) -> Result<Vec<WebhookEndpointView>>;

    /// Deletes an endpoint and everything queued for it; false when there was none.
    async fn delete_webhook_endpoint(&self, endpoint: WebhookEndpointId) -> Result<bool>;

    /// Lets a paused (failing) endpoint be delivered to again, its waiting events due now;
    /// false when there was no such endpoint.
    async fn resume_webhook_endpoint(
        &self,
        endpoint: WebhookEndpointId,
        now: Timestamp,
    ) -> Result<bool>;

    /// Recent deliveries, newest first; of one endpoint when given.
    async fn list_webhook_deliveries(
        &self,
        endpoint: Option<WebhookEndpointId>,
        page: PageRequest,
    ) -> Result<Page<WebhookDeliveryView>>;

    /// Queues a delivery again, due now, with the same `webhook-id` and body; false when there
    /// was none or it is waiting already.
    async fn resend_webhook_delivery(
        &self,
        delivery: WebhookDeliveryId,
        now: Timestamp,
    ) -> Result<bool>;

    /// Claims, for each endpoint that is not paused, its oldest waiting delivery if that one is
    /// due at `now`, moving its next attempt to `lease_until`: no sender takes it, nor anything
    /// queued after it for the same endpoint, before then. Atomic, so two servers never claim
    /// the same row.
    async fn claim_webhook_deliveries(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
    ) -> Result<Vec<ClaimedDelivery>>;

    /// Records an attempt and its outcome, unless the claim was lost meanwhile (its lease ran
    /// out and another sender claimed it again): that sender's word counts.
    async fn finish_webhook_delivery(
        &self,
        delivery: &ClaimedDelivery,
        attempt: Attempt,
        outcome: DeliveryOutcome,
    ) -> Result<()>;
}
