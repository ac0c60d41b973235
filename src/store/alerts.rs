//! Alert mails: the outbox a flagged sign-in writes in its own transaction, the background
//! sender's claims on it, the mails' "this wasn't me" links, and each person's setting.

use async_trait::async_trait;

use crate::error::Result;
use crate::model::{SessionId, SessionView, Timestamp, UserId};
use crate::token::TokenHash;

/// An alert the sender has claimed: it is this sender's to send until `next_attempt_at`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClaimedAlert {
    pub id: i64,
    pub session_id: SessionId,
    /// Including this one.
    pub attempts: u32,
    /// When the sign-in queued it.
    pub created_at: Timestamp,
}

/// What an alert mail is about.
#[derive(Clone, Debug)]
pub struct AlertSubject {
    pub session: SessionView,
    pub email: String,
    pub wants_alerts: bool,
}

/// How an attempt at sending went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AlertOutcome {
    Sent,
    /// Try again at this time.
    Retry {
        at: Timestamp,
        error: String,
    },
    /// Give up: failing for too long, or nothing left to tell.
    Abandon {
        error: String,
    },
}

#[async_trait]
pub trait AlertStore: Send + Sync {
    /// Claims up to `limit` alerts due at `now`, oldest first, moving each one's next attempt
    /// to `lease_until`: no other sender takes them before then. Atomic, so two servers never
    /// claim the same row.
    async fn claim_alerts(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<ClaimedAlert>>;

    /// Records how a claimed alert's attempt went, unless the claim was lost meanwhile (its
    /// lease ran out and another sender claimed it again): that sender's word counts.
    async fn finish_alert(
        &self,
        alert: ClaimedAlert,
        outcome: AlertOutcome,
        now: Timestamp,
    ) -> Result<()>;

    /// What a session's alert tells and to whom: the session, its person's email, and whether
    /// they still want alert mails; `None` when the session is gone.
    async fn alert_subject(&self, session: SessionId) -> Result<Option<AlertSubject>>;

    /// Keeps a mail's "this wasn't me" link (its hash), and forgets expired ones.
    async fn insert_report_link(
        &self,
        token: &TokenHash,
        session: SessionId,
        user: UserId,
        expires_at: Timestamp,
        now: Timestamp,
    ) -> Result<()>;

    /// Uses up a link: the session and person it names, if it exists and has not expired.
    /// Deleted in the same statement, so two clicks cannot both use it.
    async fn take_report_link(
        &self,
        token: &TokenHash,
        now: Timestamp,
    ) -> Result<Option<(SessionId, UserId)>>;

    /// Whether the person wants alert mails.
    async fn alert_mails(&self, user: UserId) -> Result<bool>;

    async fn set_alert_mails(&self, user: UserId, on: bool) -> Result<()>;
}
