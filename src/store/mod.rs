//! Persistence: small traits per area, one generic SQL implementation, one dialect per
//! database.
//!
//! - [`SessionStore`], [`DirectoryStore`], [`AdministrationStore`], [`AuditStore`],
//!   [`ApiKeyStore`], [`LimitStore`], [`AlertStore`], [`WebhookStore`]: what the service asks
//!   of storage, one file per area. [`Store`] is all eight plus what a
//!   database as a whole does (migrate, answer a ping, tell of other servers' changes); the
//!   service holds one `Arc<dyn Store>`.
//! - `sql/`: the SQL both databases share, written once as generic code over a [`Dialect`]
//!   (`impl<D: Dialect> SessionStore for D`, …), so "go to implementation" from a trait method
//!   lands on its SQL.
//! - [`sqlite`] and [`postgres`]: each database's [`Dialect`] — connections, migrations, the
//!   email comparison, the search index, change announcements.
//!
//! Every method takes "now" from the caller, and every list or termination is bounded by a
//! [`Scope`] decided in `access`, so the SQL itself cannot reach rows outside the caller's
//! reach. The store contract suite (`tests/store_contract/`, one module per area) runs the
//! same cases against every implementation, directly on these traits.

mod administration;
mod alerts;
mod api_keys;
mod audit;
mod dialect;
mod directory;
mod limits;
pub mod postgres;
mod sessions;
mod sql;
pub mod sqlite;
mod statement;
mod webhooks;

use async_trait::async_trait;

pub use crate::access::Scope;
use crate::error::Result;
use crate::token::TokenHash;

pub use administration::{
    AdministrationStore, Applied, ChangeRecord, DirectoryChange, ExternalAccount, NewSignInLink,
    SignInLinkGrant,
};
pub use alerts::{AlertOutcome, AlertStore, AlertSubject, ClaimedAlert};
pub use api_keys::{ApiKeyRecord, ApiKeyStore};
pub use audit::{AuditStore, NewActingAction, NewLoginRecord};
pub use dialect::{Dialect, SqlDb};
pub use directory::{AccountSettings, Credentials, DirectoryStore, NewUser};
pub use limits::{LimitStore, RecentFailures};
pub use postgres::PostgresStore;
pub use sessions::{
    Acting, EndedQuery, LiveSession, NewSession, Recall, SessionQuery, SessionStore,
};
pub use sqlite::SqliteStore;
pub use statement::{Sql, Value};
pub use webhooks::{Attempt, ClaimedDelivery, DeliveryOutcome, EndpointToAdd, WebhookStore};

/// A whole database: every area, and what only the database as a whole can do.
#[async_trait]
pub trait Store:
    SessionStore
    + DirectoryStore
    + AdministrationStore
    + AuditStore
    + ApiKeyStore
    + LimitStore
    + AlertStore
    + WebhookStore
    + 'static
{
    /// Brings the schema up to date. Safe to call on every start, and from several servers at
    /// once (the migrator takes a lock).
    async fn migrate(&self) -> Result<()>;

    /// Whether the database answers: for readiness probes.
    async fn ping(&self) -> Result<()>;

    /// Changes made by other processes sharing this database, as they commit; `None` when
    /// the database cannot tell (SQLite: one server per file, and the cache's TTL bounds what
    /// an operator's command changes behind its back). Each call starts a new feed.
    fn invalidations(&self) -> Option<tokio::sync::mpsc::Receiver<Invalidation>>;
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
