//! Sessions: creating, finding, listing and ending them.

use async_trait::async_trait;

use super::{ChangeRecord, NewLoginRecord};
use crate::access::{Scope, SessionOwner};
use crate::error::Result;
use crate::model::{
    AccountId, ApplicationId, BulkProgress, BulkTerminationId, DeviceKind, EndReason,
    EndedSessionView, ImpersonationId, Page, PageRequest, SessionEnd, SessionFlags, SessionId,
    SessionView, Timestamp, UserId,
};
use crate::token::TokenHash;
use crate::track::Observation;
use crate::track::flags::Memory;

/// A session about to be created.
pub struct NewSession<'a> {
    pub token_hash: TokenHash,
    pub user_id: UserId,
    pub account_id: AccountId,
    pub application_id: ApplicationId,
    pub observation: &'a Observation,
    /// Lower-cased text the search box matches; see `service::search_text`.
    pub search_text: &'a str,
    pub created_at: Timestamp,
    /// Equal to `created_at` for a fresh sign-in; earlier-created demo data differs.
    pub last_active_at: Timestamp,
    pub expires_at: Timestamp,
    /// What made it stand out from its person's history (none for planted and demo sessions).
    pub flags: &'a SessionFlags,
    /// Queue an alert mail with it, if its person wants them (flagged, and mail configured).
    pub alert: bool,
    /// What `open_session` drops from its person's memory as it remembers this sign-in
    /// ([`Memory::forgotten`]); nothing for planted sessions, which remember nothing.
    pub forgotten: &'a [String],
}

/// A person as a sign-in needs them: their name (for the search text) and their memory.
#[derive(Clone, Debug, Default)]
pub struct Recall {
    pub name: String,
    pub memory: Memory,
}

/// A session found by its token that has neither expired nor been terminated.
#[derive(Clone, Debug)]
pub struct LiveSession {
    pub id: SessionId,
    pub user_id: UserId,
    pub account_id: AccountId,
    pub application_id: ApplicationId,
    pub created_at: Timestamp,
    pub last_active_at: Timestamp,
    pub expires_at: Timestamp,
    /// Set while a sales representative (the session's user) acts as someone else.
    pub acting: Option<Acting>,
}

/// Whose eyes an impersonating session sees through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Acting {
    pub user_id: UserId,
    pub account_id: AccountId,
    pub impersonation_id: ImpersonationId,
    /// When the acting began: it ends by itself after the policy's `impersonation_max`.
    pub started_at: Timestamp,
}

/// The filters a sessions query applies inside its scope. Search text is already lower-cased
/// and bounded by the service.
#[derive(Clone, Debug, Default)]
pub struct SessionQuery {
    pub user: Option<UserId>,
    pub application: Option<ApplicationId>,
    pub account: Option<AccountId>,
    pub search: Option<String>,
    /// Ascending creation order (the indexes serve both directions).
    pub oldest_first: bool,
    /// Only sessions with a flag (`sessions_flagged` serves the platform view).
    pub flagged_only: bool,
    /// Never this session: the caller's own, which ending "every matching session" must
    /// neither end nor count.
    pub except: Option<SessionId>,
    /// Upper-case ISO code, checked by the service.
    pub country: Option<String>,
    pub device: Option<DeviceKind>,
    /// `created_at >= created_after`.
    pub created_after: Option<Timestamp>,
    /// `created_at < created_before`.
    pub created_before: Option<Timestamp>,
}

/// The filters *Ended sessions* applies inside its scope.
#[derive(Clone, Copy, Debug)]
pub struct EndedQuery {
    pub reason: Option<EndReason>,
    pub user: Option<UserId>,
    /// The policy's absolute lifetime: a session that ran out at `created_at` plus this hit
    /// the limit, one that ran out sooner sat idle. (Read with today's policy: sessions from
    /// before a policy change may be told apart by the new one.)
    pub lifetime_millis: i64,
}

/// Every write that changes what validating a token answers returns the affected token
/// hashes, for the caller's cache, and tells other servers (see [`super::Store::invalidations`])
/// in the same transaction.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// A session without a sign-in behind it (the demo world's).
    async fn insert_session(&self, session: NewSession<'_>) -> Result<SessionId>;

    /// A person's live flagged sessions they have not answered "was this you?" for, newest
    /// first, leaving out `except` (the page asking): the notices their pages show.
    async fn unanswered_flagged_sessions(
        &self,
        user: UserId,
        except: SessionId,
        now: Timestamp,
    ) -> Result<Vec<SessionView>>;

    /// Their answer "yes, that was me" to a flagged session of theirs. Returns whether it was
    /// one (live, flagged, theirs, unanswered).
    async fn acknowledge_session(
        &self,
        user: UserId,
        id: SessionId,
        now: Timestamp,
    ) -> Result<bool>;

    /// Who is signing in, and what the store remembers of their sign-ins since `since`
    /// (devices, countries, regions) and where and when they last signed in: what a new
    /// sign-in is compared with. One read; `None` for nobody.
    async fn sign_in_recall(&self, user: UserId, since: Timestamp) -> Result<Option<Recall>>;

    /// A successful sign-in: the session and its login record (which gets the new session's
    /// id and flags), in one transaction, which also remembers the device and place for the
    /// person's next sign-in and, with `session.alert`, queues its alert mail unless the
    /// person turned those off.
    ///
    /// With `checked_hash`, the password hash the sign-in checked: the session opens only if it
    /// is still the person's (else [`crate::Error::InvalidCredentials`], nothing written).
    async fn open_session(
        &self,
        session: NewSession<'_>,
        record: NewLoginRecord<'_>,
        checked_hash: Option<&str>,
    ) -> Result<SessionId>;

    /// The hot path: one indexed lookup by token hash.
    async fn live_session_by_token(
        &self,
        token: &TokenHash,
        now: Timestamp,
    ) -> Result<Option<LiveSession>>;

    /// Whose a live session is, for deciding who may end it.
    async fn live_session_owner(
        &self,
        id: SessionId,
        now: Timestamp,
    ) -> Result<Option<SessionOwner>>;

    /// Records activity, and says whether the session is still live (false: ended, expired or
    /// gone). Called at most once a minute per session (see the service).
    async fn touch_session(
        &self,
        id: SessionId,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<bool>;

    /// Live sessions in `scope` that pass `query`, newest first (or oldest, as asked).
    async fn list_live_sessions(
        &self,
        scope: Scope,
        query: &SessionQuery,
        now: Timestamp,
        page: PageRequest,
    ) -> Result<Page<SessionView>>;

    /// How many live sessions `list_live_sessions` would find in all, counting up to `cap`.
    async fn count_live_sessions(
        &self,
        scope: Scope,
        query: &SessionQuery,
        now: Timestamp,
        cap: u32,
    ) -> Result<u64>;

    /// Ends a live session, if it lies within `scope`, noting why and by whom. Returns its
    /// token hash if it ended.
    async fn terminate_session(
        &self,
        id: SessionId,
        scope: Scope,
        end: SessionEnd,
        now: Timestamp,
    ) -> Result<Option<TokenHash>>;

    /// Ends every live session of `user` except `keep`. Returns the hashes of those ended.
    async fn terminate_all_except(
        &self,
        user: UserId,
        keep: SessionId,
        end: SessionEnd,
        now: Timestamp,
    ) -> Result<Vec<TokenHash>>;

    /// Begins a bulk termination expecting to end `expected` sessions: writes its audit
    /// record and its progress (nothing ended yet), and returns the id its batches advance.
    async fn begin_bulk_termination(
        &self,
        record: &ChangeRecord,
        expected: u64,
    ) -> Result<BulkTerminationId>;

    /// Ends at most `batch` of the live sessions in `scope` that pass `query` (its search
    /// included, its order not), for bulk termination `job`, whose progress and audit record
    /// count them in the same transaction. Returns the hashes of those ended: fewer than
    /// `batch` means none are left. Each batch is its own short transaction, so that ending a
    /// hundred thousand sessions never holds sign-ins up for longer than one batch.
    async fn terminate_matching(
        &self,
        job: BulkTerminationId,
        scope: Scope,
        query: &SessionQuery,
        end: SessionEnd,
        now: Timestamp,
        batch: u32,
    ) -> Result<Vec<TokenHash>>;

    /// Marks bulk termination `job` finished, or stopped short with `error`.
    async fn finish_bulk_termination(
        &self,
        job: BulkTerminationId,
        error: Option<&str>,
        now: Timestamp,
    ) -> Result<()>;

    /// How far bulk termination `job` has got, if `started_by` started it.
    async fn bulk_termination(
        &self,
        job: BulkTerminationId,
        started_by: UserId,
    ) -> Result<Option<BulkProgress>>;

    /// Ends every live session of `user` within `scope`, except `keep` if given. Returns the
    /// hashes of those ended.
    async fn terminate_user_sessions(
        &self,
        user: UserId,
        scope: Scope,
        keep: Option<SessionId>,
        end: SessionEnd,
        now: Timestamp,
    ) -> Result<Vec<TokenHash>>;

    /// Ended sessions in `scope` (terminated, or run out, and not yet purged) that pass
    /// `query`, most recently ended first.
    async fn list_ended_sessions(
        &self,
        scope: Scope,
        query: &EndedQuery,
        now: Timestamp,
        page: PageRequest,
    ) -> Result<Page<EndedSessionView>>;

    /// Deletes sessions that expired or were ended before `before`. Returns how many.
    async fn purge_sessions(&self, before: Timestamp) -> Result<u64>;
}
