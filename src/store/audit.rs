//! The records kept for security: login records (every sign-in attempt) and impersonations.

use async_trait::async_trait;

use crate::access::Scope;
use crate::error::Result;
use crate::model::{
    AccountId, ApplicationId, ImpersonationId, ImpersonationView, LoginOutcome, LoginRecordFilter,
    LoginRecordView, Page, PageRequest, SessionId, Timestamp, UserId,
};
use crate::token::TokenHash;
use crate::track::Observation;

/// A sign-in attempt to record.
pub struct NewLoginRecord<'a> {
    pub at: Timestamp,
    pub user_id: Option<UserId>,
    pub account_id: Option<AccountId>,
    pub email: &'a str,
    pub application_id: ApplicationId,
    pub observation: &'a Observation,
    pub outcome: LoginOutcome,
    pub session_id: Option<SessionId>,
}

#[async_trait]
pub trait AuditStore: Send + Sync {
    /// A failed attempt (a successful one is written with its session, see
    /// [`super::SessionStore::open_session`]).
    async fn insert_login_record(&self, record: NewLoginRecord<'_>) -> Result<()>;

    /// Login records in `scope` that pass `filter`, newest first.
    async fn list_login_records(
        &self,
        scope: Scope,
        filter: &LoginRecordFilter,
        page: PageRequest,
    ) -> Result<Page<LoginRecordView>>;

    /// Marks `session` as acting as `target_user` in `target_account`, and writes the audit
    /// record, in one transaction. Returns the record and the session's token hash (its
    /// validation answer changed).
    async fn start_impersonation(
        &self,
        session: SessionId,
        impersonator: UserId,
        target_user: UserId,
        target_account: AccountId,
        now: Timestamp,
    ) -> Result<(ImpersonationId, TokenHash)>;

    /// Returns `session` to its own user and closes the audit record. Returns the session's
    /// token hash if it was acting.
    async fn end_impersonation(
        &self,
        session: SessionId,
        now: Timestamp,
    ) -> Result<Option<TokenHash>>;

    /// The impersonation audit log, newest first.
    async fn list_impersonations(&self, page: PageRequest) -> Result<Page<ImpersonationView>>;
}
