//! The records kept for security: login records (every sign-in attempt), impersonations, and
//! what was done while acting as someone.

use async_trait::async_trait;

use crate::access::Scope;
use crate::error::Result;
use crate::model::{
    AccountId, ActingActionKind, ActingActionView, ApplicationId, ImpersonationId,
    ImpersonationView, LoginOutcome, LoginRecordFilter, LoginRecordView, Page, PageRequest,
    SessionId, Timestamp, UserId,
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

/// An action taken while acting as someone, to record: who as whom, where, what and when.
pub struct NewActingAction<'a> {
    pub at: Timestamp,
    /// The representative's session that acted.
    pub session_id: SessionId,
    pub representative: UserId,
    /// Whose eyes the session saw through.
    pub acting_user: UserId,
    pub account: AccountId,
    pub kind: ActingActionKind,
    /// What was done, in words.
    pub detail: &'a str,
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

    /// Marks `session` as acting as `target_user` in `target_account` since `now`, and writes
    /// the audit record, in one transaction. Returns the record and the session's token hash (its
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

    /// Like [`Self::end_impersonation`], but only if `session` is still doing `impersonation`
    /// (not one started since), and the audit record closes at `ended_at`: acting that outlived
    /// its time limit. Returns the session's token hash if it ended here.
    async fn expire_impersonation(
        &self,
        session: SessionId,
        impersonation: ImpersonationId,
        ended_at: Timestamp,
    ) -> Result<Option<TokenHash>>;

    /// The impersonation audit log, newest first.
    async fn list_impersonations(&self, page: PageRequest) -> Result<Page<ImpersonationView>>;

    /// Times a representative acted as `user`, newest first, in accounts that show it to
    /// their people (`accounts.show_acting`).
    async fn list_acting_on(
        &self,
        user: UserId,
        page: PageRequest,
    ) -> Result<Page<ImpersonationView>>;

    /// Whether an open account shows its people when they were acted as; `None` for no such
    /// account.
    async fn show_acting(&self, account: AccountId) -> Result<Option<bool>>;

    /// Returns whether the account exists (and is open).
    async fn set_show_acting(&self, account: AccountId, on: bool) -> Result<bool>;

    /// Records an action taken while acting as someone.
    async fn insert_acting_action(&self, action: NewActingAction<'_>) -> Result<()>;

    /// Actions taken while acting as someone, newest first.
    async fn list_acting_actions(&self, page: PageRequest) -> Result<Page<ActingActionView>>;
}
