//! Persistence: one trait, one implementation per database.
//!
//! Every method takes "now" from the caller, and every list or termination is bounded by a
//! [`Scope`] decided in `access`, so the SQL itself cannot reach rows outside the caller's
//! reach. `tests/conformance.rs` runs the same cases against every implementation.

mod columns;
pub mod postgres;
mod sql;
pub mod sqlite;

use async_trait::async_trait;

pub use crate::access::Scope;
use crate::access::{Principal, SessionOwner};
use crate::error::Result;
use crate::model::{
    AccountId, ApplicationId, Cursor, ImpersonationId, ImpersonationView, LoginOutcome,
    LoginRecordFilter, LoginRecordView, Page, PageRequest, Role, SessionId, SessionView, Timestamp,
    UserId, Viewer,
};
use crate::token::TokenHash;
use crate::track::Observation;

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

/// What checking a password needs. The hash never leaves the server.
pub struct Credentials {
    pub user_id: UserId,
    pub password_hash: String,
}

/// The account a browser sign-in lands in, and its tracking setting.
#[derive(Clone, Copy, Debug)]
pub struct HomeAccount {
    pub account_id: AccountId,
    pub store_geolocation: bool,
}

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
}

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

/// A live API key, as authenticating a request needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ApiKeyRecord {
    pub id: crate::model::ApiKeyId,
    pub application_id: ApplicationId,
    pub is_admin: bool,
}

/// News for the validation cache: whose validation answer changed, as heard from other
/// processes sharing the database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Invalidation {
    /// The feed is listening (again): the cache may be used, starting from empty.
    Listening,
    /// The feed is down: changes may go unheard until it is listening again.
    Lost,
    /// These session tokens or API keys changed (ended, revoked, began or stopped acting).
    Tokens(Vec<TokenHash>),
    /// Too many changed at once to name: forget everything.
    Everything,
}

/// A large synthetic data set for benchmarks, generated inside the database: `users` people
/// spread evenly over `accounts` (the first of each its owner), and `sessions` live sessions
/// spread evenly over the users, on four applications, six kinds of device and eight places.
#[derive(Clone, Debug)]
pub struct BulkPlan<'a> {
    pub accounts: u32,
    pub users: u32,
    pub sessions: u32,
    /// Everyone's password hash (hashing 100,000 passwords would take minutes).
    pub password_hash: &'a str,
    pub now: Timestamp,
    /// Sessions were created over this span before `now`, and stay live long after it.
    pub spread: std::time::Duration,
}

/// A user to create (seeding and administration).
pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub is_platform_admin: bool,
    pub is_sales_rep: bool,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Brings the schema up to date. Safe to call on every start, and from several servers at
    /// once (the migrator takes a lock).
    async fn migrate(&self) -> Result<()>;

    /// Whether the database answers: for readiness probes.
    async fn ping(&self) -> Result<()>;

    /// Changes made by other processes sharing this database, as they commit; `None` when
    /// the database cannot tell (SQLite: one server per file, and the cache's TTL bounds what
    /// an operator's command changes behind its back). Each call starts a new feed.
    fn invalidations(&self) -> Option<tokio::sync::mpsc::Receiver<Invalidation>> {
        None
    }

    // People, accounts, applications.
    async fn credentials_by_email(&self, email: &str) -> Result<Option<Credentials>>;
    async fn home_account(&self, user: UserId) -> Result<Option<HomeAccount>>;
    async fn account_settings(&self, account: AccountId) -> Result<Option<HomeAccount>>;
    async fn application_by_name(&self, name: &str) -> Result<Option<ApplicationId>>;
    async fn principal(&self, user: UserId) -> Result<Option<Principal>>;
    /// Names and memberships of `user`, seen in `account`.
    async fn viewer(&self, user: UserId, account: AccountId) -> Result<Option<Viewer>>;
    async fn user_name(&self, user: UserId) -> Result<Option<String>>;
    async fn set_store_geolocation(&self, account: AccountId, on: bool) -> Result<bool>;

    // Sessions.
    async fn insert_session(&self, session: NewSession<'_>) -> Result<SessionId>;
    /// A successful sign-in: the session and its sign-in record (which gets the new session's
    /// id), in one transaction.
    async fn open_session(
        &self,
        session: NewSession<'_>,
        sign_in: NewLoginRecord<'_>,
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
    /// Records activity. Called at most once a minute per session (see the service).
    async fn touch_session(
        &self,
        id: SessionId,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<()>;
    /// Live sessions in `scope` that pass `query`, newest first.
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
    /// Customer users (neither sales representatives nor admins) whose name or email contains
    /// `search`, one row per account they belong to.
    async fn list_customers(
        &self,
        search: &str,
        limit: u32,
    ) -> Result<Vec<crate::model::CustomerUser>>;
    /// An account's members by name (at most 1,000: a filter menu, not an export).
    async fn list_members(&self, account: AccountId) -> Result<Vec<(UserId, String)>>;
    async fn list_applications(&self) -> Result<Vec<(ApplicationId, String)>>;
    // Every write that changes what validating a token answers returns the affected token
    // hashes, for the caller's cache, and tells other servers (see `invalidations`) in the
    // same transaction.

    /// Ends a live session, if it lies within `scope`. Returns its token hash if it ended.
    async fn revoke_session(
        &self,
        id: SessionId,
        scope: Scope,
        now: Timestamp,
    ) -> Result<Option<TokenHash>>;
    /// Ends every live session of `user` except `keep`. Returns the hashes of those ended.
    async fn revoke_all_except(
        &self,
        user: UserId,
        keep: SessionId,
        now: Timestamp,
    ) -> Result<Vec<TokenHash>>;
    /// Ends every live session of `user` within `scope`, except `keep` if given. Returns the
    /// hashes of those ended.
    async fn revoke_user_sessions(
        &self,
        user: UserId,
        scope: Scope,
        keep: Option<SessionId>,
        now: Timestamp,
    ) -> Result<Vec<TokenHash>>;
    /// Deletes sessions that expired or were ended before `before`. Returns how many.
    async fn purge_sessions(&self, before: Timestamp) -> Result<u64>;

    // Impersonation.
    /// Marks `session` as acting as `target_user` in `target_account`, and writes the audit
    /// record, in one transaction.
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
    async fn list_impersonations(&self, page: PageRequest) -> Result<Page<ImpersonationView>>;

    // Sign-in history.
    async fn insert_login_record(&self, record: NewLoginRecord<'_>) -> Result<()>;
    async fn list_login_records(
        &self,
        scope: Scope,
        filter: &LoginRecordFilter,
        page: PageRequest,
    ) -> Result<Page<LoginRecordView>>;

    // API keys.
    async fn insert_api_key(
        &self,
        application: ApplicationId,
        key_hash: &TokenHash,
        is_admin: bool,
        label: &str,
        now: Timestamp,
    ) -> Result<crate::model::ApiKeyId>;
    /// The live key with this hash: its application and whether it is platform-wide.
    async fn api_key_by_hash(&self, key_hash: &TokenHash) -> Result<Option<ApiKeyRecord>>;
    /// Revokes a live key. Returns its hash if it was live.
    async fn revoke_api_key(
        &self,
        id: crate::model::ApiKeyId,
        now: Timestamp,
    ) -> Result<Option<TokenHash>>;
    /// All keys, newest first (a handful per application).
    async fn list_api_keys(&self) -> Result<Vec<crate::model::ApiKeyView>>;

    // Seeding and administration.
    async fn is_empty(&self) -> Result<bool>;
    /// Fills an empty database with `plan`'s synthetic world, in one transaction.
    async fn seed_bulk(&self, plan: &BulkPlan<'_>) -> Result<()>;
    async fn insert_account(
        &self,
        name: &str,
        store_geolocation: bool,
        now: Timestamp,
    ) -> Result<AccountId>;
    async fn insert_user(&self, user: NewUser<'_>, now: Timestamp) -> Result<UserId>;
    async fn insert_membership(&self, user: UserId, account: AccountId, role: Role) -> Result<()>;
    async fn insert_application(&self, name: &str, now: Timestamp) -> Result<ApplicationId>;
}

/// Turns rows fetched with `limit + 1` into a page and the cursor of the next one.
pub(crate) fn into_page<T>(mut items: Vec<T>, limit: u32, key: impl Fn(&T) -> Cursor) -> Page<T> {
    let next = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(key)
    } else {
        None
    };
    Page { items, next }
}

/// How many of the next sessions in list order a search looks through before it turns to the
/// text index (see `list_live_sessions`).
pub(crate) const SEARCH_WINDOW: u32 = 2_000;

/// Token hashes from `RETURNING token_hash` rows.
pub(crate) fn token_hashes(rows: Vec<(Vec<u8>,)>) -> Vec<TokenHash> {
    rows.iter()
        .filter_map(|(bytes,)| TokenHash::from_bytes(bytes))
        .collect()
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
pub(crate) fn like_pattern(term: &str) -> String {
    let mut pattern = String::with_capacity(term.len() + 2);
    pattern.push('%');
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}
