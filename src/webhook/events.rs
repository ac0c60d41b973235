//! The events, as the JSON their receivers get. Built where the change happens, inside its
//! transaction, and stored with the delivery: every attempt sends the same bytes.
//!
//! The body follows the Standard Webhooks payload shape: `{"type", "timestamp", "data"}`,
//! times in RFC 3339 UTC. Ids are the same numbers the JSON API uses.

use serde_json::{Value, json};

use crate::model::{
    AccountId, ApiKeyId, ApplicationId, BulkTerminationId, EventType, LoginOutcome, SessionEnd,
    SessionFlags, SessionId, Timestamp, UserId,
};
use crate::track::Observation;

/// One event, before it is addressed to endpoints.
#[derive(Clone, Debug)]
pub struct Event {
    pub kind: EventType,
    /// The account it belongs to, for endpoints that want one account's events; `None` for
    /// events of no single account (a person deactivated everywhere, a platform-wide bulk
    /// termination).
    pub account: Option<AccountId>,
    pub at: Timestamp,
    /// The `webhook-id`: unique per event, shared by its deliveries to every endpoint.
    pub message_id: String,
    data: Value,
}

/// A session as `session.created` and `sign_in.flagged` describe it.
pub struct SessionFacts<'a> {
    pub session: SessionId,
    pub user: UserId,
    pub account: AccountId,
    pub application: ApplicationId,
    pub observation: &'a Observation,
    pub created_at: Timestamp,
    pub flags: &'a SessionFlags,
}

/// A session as `session.ended` describes it.
#[derive(Clone, Copy, Debug)]
pub struct EndedFacts {
    pub session: SessionId,
    pub user: UserId,
    pub account: AccountId,
    pub application: ApplicationId,
}

impl Event {
    fn new(kind: EventType, account: Option<AccountId>, at: Timestamp, data: Value) -> Self {
        Self {
            kind,
            account,
            at,
            message_id: message_id(),
            data,
        }
    }

    /// The body every attempt sends.
    pub fn payload(&self) -> String {
        json!({
            "type": self.kind.code(),
            "timestamp": self.at.to_rfc3339(),
            "data": self.data,
        })
        .to_string()
    }

    /// `session.created`, and `sign_in.flagged` beside it when the sign-in stood out.
    pub fn session_opened(facts: &SessionFacts<'_>) -> Vec<Self> {
        let session = session_data(facts);
        let mut events = vec![Self::new(
            EventType::SessionCreated,
            Some(facts.account),
            facts.created_at,
            session.clone(),
        )];
        if facts.flags.any() {
            let mut data = session;
            data["reasons"] = json!(flag_codes(facts.flags));
            data["why"] = json!(facts.flags.why);
            events.push(Self::new(
                EventType::SignInFlagged,
                Some(facts.account),
                facts.created_at,
                data,
            ));
        }
        events
    }

    /// `session.ended`: which session, why, and who ended it (a person, an application's key,
    /// or neither: the engine or the operator).
    pub fn session_ended(facts: EndedFacts, end: SessionEnd, at: Timestamp) -> Self {
        Self::new(
            EventType::SessionEnded,
            Some(facts.account),
            at,
            json!({
                "session_id": facts.session,
                "user_id": facts.user,
                "account_id": facts.account,
                "application_id": facts.application,
                "reason": end.reason.code(),
                "actor": actor(end.by_user, end.by_key),
                "ended_at": at.to_rfc3339(),
            }),
        )
    }

    /// `sign_in.failed`: a refused sign-in, with the email as typed (it may name nobody).
    pub fn sign_in_failed(
        email: &str,
        user: Option<UserId>,
        account: Option<AccountId>,
        application: ApplicationId,
        outcome: LoginOutcome,
        observation: &Observation,
        at: Timestamp,
    ) -> Self {
        Self::new(
            EventType::SignInFailed,
            account,
            at,
            json!({
                "email": email,
                "user_id": user,
                "account_id": account,
                "application_id": application,
                "outcome": outcome.as_str(),
                "ip": observation.ip.to_string(),
                "user_agent": observation.user_agent,
                "location": observation.location,
                "attempted_at": at.to_rfc3339(),
            }),
        )
    }

    /// `person.deactivated`: they can no longer sign in anywhere; their sessions each get
    /// their own `session.ended`.
    pub fn person_deactivated(
        user: UserId,
        by_user: Option<UserId>,
        by_key: Option<ApiKeyId>,
        at: Timestamp,
    ) -> Self {
        Self::new(
            EventType::PersonDeactivated,
            None,
            at,
            json!({
                "user_id": user,
                "actor": actor(by_user, by_key),
                "deactivated_at": at.to_rfc3339(),
            }),
        )
    }

    /// `membership.removed`: a person is no longer a member of an account.
    pub fn membership_removed(
        user: UserId,
        account: AccountId,
        by_user: Option<UserId>,
        by_key: Option<ApiKeyId>,
        at: Timestamp,
    ) -> Self {
        Self::new(
            EventType::MembershipRemoved,
            Some(account),
            at,
            json!({
                "user_id": user,
                "account_id": account,
                "actor": actor(by_user, by_key),
                "removed_at": at.to_rfc3339(),
            }),
        )
    }

    /// `bulk_termination.completed`: one "end all matching sessions" ran to its end (or
    /// stopped, with `error`); each session it ended had its own `session.ended`.
    pub fn bulk_termination_completed(completed: &BulkCompleted<'_>) -> Self {
        Self::new(
            EventType::BulkTerminationCompleted,
            completed.account,
            completed.finished_at,
            json!({
                "bulk_termination_id": completed.id,
                "account_id": completed.account,
                "actor": actor(Some(completed.started_by), None),
                "filter": completed.filter,
                "expected": completed.expected,
                "ended": completed.ended,
                "started_at": completed.started_at.to_rfc3339(),
                "finished_at": completed.finished_at.to_rfc3339(),
                "error": completed.error,
            }),
        )
    }
}

/// What `bulk_termination.completed` tells.
pub struct BulkCompleted<'a> {
    pub id: BulkTerminationId,
    pub account: Option<AccountId>,
    pub started_by: UserId,
    /// The filter, in words, as the change log has it.
    pub filter: &'a str,
    pub expected: u64,
    pub ended: u64,
    pub started_at: Timestamp,
    pub finished_at: Timestamp,
    pub error: Option<&'a str>,
}

fn session_data(facts: &SessionFacts<'_>) -> Value {
    let device = &facts.observation.device;
    json!({
        "session_id": facts.session,
        "user_id": facts.user,
        "account_id": facts.account,
        "application_id": facts.application,
        "ip": facts.observation.ip.to_string(),
        "location": facts.observation.location,
        "device": {
            "kind": device.kind.as_str(),
            "model": device.model,
        },
        "os": { "name": device.os, "version": device.os_version },
        "browser": { "name": device.browser, "version": device.browser_version },
        "created_at": facts.created_at.to_rfc3339(),
    })
}

/// Who did it: `{"user_id", "api_key_id"}`, either or both null.
fn actor(user: Option<UserId>, key: Option<ApiKeyId>) -> Value {
    json!({ "user_id": user, "api_key_id": key })
}

/// The flags by name: "new_device", "new_country", "new_region", "impossible_travel".
fn flag_codes(flags: &SessionFlags) -> Vec<&'static str> {
    [
        (flags.new_device, "new_device"),
        (flags.new_country, "new_country"),
        (flags.new_region, "new_region"),
        (flags.impossible_travel, "impossible_travel"),
    ]
    .into_iter()
    .filter(|(on, _)| *on)
    .map(|(_, code)| code)
    .collect()
}

/// "msg_" and 128 random bits.
fn message_id() -> String {
    use base64::Engine;
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    format!(
        "msg_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EndReason;

    #[test]
    fn a_payload_has_the_standard_shape_and_every_event_its_own_id() {
        let facts = EndedFacts {
            session: SessionId(7),
            user: UserId(2),
            account: AccountId(3),
            application: ApplicationId(1),
        };
        let end = SessionEnd {
            reason: EndReason::TerminatedByOwner,
            by_user: Some(UserId(9)),
            by_key: None,
        };
        let first = Event::session_ended(facts, end, Timestamp(1_765_000_000_000));
        let second = Event::session_ended(facts, end, Timestamp(1_765_000_000_000));
        assert_ne!(first.message_id, second.message_id);
        assert!(first.message_id.starts_with("msg_"));
        let body: Value = serde_json::from_str(&first.payload()).unwrap();
        assert_eq!(body["type"], "session.ended");
        assert_eq!(body["timestamp"], "2025-12-06T05:46:40Z");
        assert_eq!(body["data"]["reason"], "terminated_by_owner");
        assert_eq!(body["data"]["actor"]["user_id"], 9);
        assert_eq!(body["data"]["actor"]["api_key_id"], Value::Null);
    }
}
