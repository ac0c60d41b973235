//! Webhooks: the events Sessionboard tells other systems about, the endpoints platform admins
//! register for them, and each delivery's fate, as the admin page shows them.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{AccountId, Timestamp, WebhookDeliveryId, WebhookEndpointId};

/// What happened. An endpoint names the types it wants; each is sent as its [`code`] in the
/// payload's `type`.
///
/// [`code`]: EventType::code
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum EventType {
    #[serde(rename = "session.created")]
    SessionCreated,
    #[serde(rename = "session.ended")]
    SessionEnded,
    #[serde(rename = "sign_in.failed")]
    SignInFailed,
    #[serde(rename = "sign_in.flagged")]
    SignInFlagged,
    #[serde(rename = "person.deactivated")]
    PersonDeactivated,
    #[serde(rename = "membership.removed")]
    MembershipRemoved,
    #[serde(rename = "bulk_termination.completed")]
    BulkTerminationCompleted,
}

impl EventType {
    pub const ALL: [Self; 7] = [
        Self::SessionCreated,
        Self::SessionEnded,
        Self::SignInFailed,
        Self::SignInFlagged,
        Self::PersonDeactivated,
        Self::MembershipRemoved,
        Self::BulkTerminationCompleted,
    ];

    /// "session.ended": the payload's `type`, and how an endpoint names what it wants.
    pub fn code(self) -> &'static str {
        match self {
            Self::SessionCreated => "session.created",
            Self::SessionEnded => "session.ended",
            Self::SignInFailed => "sign_in.failed",
            Self::SignInFlagged => "sign_in.flagged",
            Self::PersonDeactivated => "person.deactivated",
            Self::MembershipRemoved => "membership.removed",
            Self::BulkTerminationCompleted => "bulk_termination.completed",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.code() == code.trim())
    }

    /// What it tells, for the admin page's checkboxes.
    pub fn description(self) -> &'static str {
        match self {
            Self::SessionCreated => "someone signed in (a session began)",
            Self::SessionEnded => "a session was ended, with the reason and who ended it",
            Self::SignInFailed => "a sign-in was refused (wrong email or password)",
            Self::SignInFlagged => "a sign-in did not look like its person (\"was this you?\")",
            Self::PersonDeactivated => "a person was deactivated",
            Self::MembershipRemoved => "a person was removed from an account",
            Self::BulkTerminationCompleted => "an \"end all matching sessions\" finished",
        }
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A registered endpoint, without its secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEndpointView {
    pub id: WebhookEndpointId,
    pub url: String,
    pub events: Vec<EventType>,
    /// Only this account's events; `None`: every account's, and those of no account.
    pub account_id: Option<AccountId>,
    pub account_name: Option<String>,
    pub description: String,
    pub created_at: Timestamp,
    /// Since when deliveries to it are paused because one was given up on, and why.
    pub failing_since: Option<Timestamp>,
    pub failing_reason: Option<String>,
    /// Events queued for it and not delivered yet.
    pub waiting: u64,
}

/// Where one delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeliveryState {
    /// Queued, or failed and to be retried.
    Waiting,
    Delivered,
    /// Given up on after a day of failures (re-sending queues it again).
    Failed,
}

impl DeliveryState {
    pub fn label(self) -> &'static str {
        match self {
            Self::Waiting => "Waiting",
            Self::Delivered => "Delivered",
            Self::Failed => "Failed",
        }
    }
}

/// One event on its way to one endpoint, and its last attempt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookDeliveryView {
    pub id: WebhookDeliveryId,
    pub endpoint_id: WebhookEndpointId,
    pub endpoint_url: String,
    /// The `webhook-id` header: the same on every attempt.
    pub message_id: String,
    pub event_type: String,
    pub occurred_at: Timestamp,
    pub state: DeliveryState,
    pub attempts: u32,
    pub last_attempt_at: Option<Timestamp>,
    /// The receiver's HTTP status, when it answered.
    pub last_status: Option<u16>,
    pub last_latency_ms: Option<u64>,
    pub last_error: Option<String>,
    /// When a waiting delivery is tried next.
    pub next_attempt_at: Timestamp,
}

/// An endpoint's signing secret ("whsec_" and base64). It leaves the server once, in the
/// answer to the request that made the endpoint: not `Clone`, and its `Debug` hides it, so it
/// is not copied into logs by accident.
#[derive(Serialize, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct WebhookSecret(String);

impl WebhookSecret {
    pub fn new(secret: String) -> Self {
        Self(secret)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(…)")
    }
}

/// An endpoint just registered: its id and the secret to verify its deliveries with.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct NewWebhookEndpoint {
    pub id: WebhookEndpointId,
    pub secret: WebhookSecret,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_type_reads_back_from_its_code_and_serialises_as_it() {
        for kind in EventType::ALL {
            assert_eq!(EventType::parse(kind.code()), Some(kind));
            assert_eq!(
                serde_json::to_string(&kind).unwrap(),
                format!("\"{}\"", kind.code())
            );
        }
        assert_eq!(EventType::parse("session.deleted"), None);
    }

    #[test]
    fn a_secret_does_not_show_in_debug_output() {
        let secret = WebhookSecret::new("whsec_c2VjcmV0".to_owned());
        assert!(!format!("{secret:?}").contains("c2VjcmV0"));
    }
}
