//! Persistence: one small trait, one implementation per database.
//!
//! Every method takes "now" from the caller and scopes what it may touch, so a mistake in the
//! service above cannot reach rows outside the caller's scope. Conformance tests in
//! `tests/store_conformance.rs` run the same cases against every implementation.

pub mod sqlite;

use async_trait::async_trait;

use crate::error::Result;
use crate::model::{
    AccountId, ApplicationId, Location, SessionId, SessionView, Timestamp, UserId, Viewer,
};
use crate::token::TokenHash;
use crate::track::Observation;

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
    pub created_at: Timestamp,
    pub last_active_at: Timestamp,
    pub expires_at: Timestamp,
}

/// Which sessions a list or a termination may reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// One person's sessions, across all their accounts.
    User(UserId),
}

/// Where a page of a list starts: after this (created_at, id), newest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub created_at: Timestamp,
    pub id: SessionId,
}

#[derive(Clone, Copy, Debug)]
pub struct PageRequest {
    pub after: Option<Cursor>,
    pub limit: u32,
}

#[derive(Clone, Debug)]
pub struct Page {
    pub sessions: Vec<SessionView>,
    /// Where the next page starts, if there is one.
    pub next: Option<Cursor>,
}

/// A user to create (seeding and administration).
pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub is_platform_admin: bool,
    pub is_sales_rep: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Employee,
    Owner,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Employee => "employee",
            Self::Owner => "owner",
        }
    }
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Brings the schema up to date. Safe to call on every start.
    async fn migrate(&self) -> Result<()>;

    async fn credentials_by_email(&self, email: &str) -> Result<Option<Credentials>>;
    async fn home_account(&self, user: UserId) -> Result<Option<HomeAccount>>;
    async fn application_by_name(&self, name: &str) -> Result<Option<ApplicationId>>;
    async fn viewer(&self, user: UserId, account: AccountId) -> Result<Option<Viewer>>;

    async fn insert_session(&self, session: NewSession<'_>) -> Result<SessionId>;
    /// The hot path: one indexed lookup by token hash.
    async fn live_session_by_token(
        &self,
        token: &TokenHash,
        now: Timestamp,
    ) -> Result<Option<LiveSession>>;
    /// Records activity. Called at most once a minute per session (see the service).
    async fn touch_session(
        &self,
        id: SessionId,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<()>;
    /// Live sessions in `scope`, newest first.
    async fn list_live_sessions(
        &self,
        scope: Scope,
        now: Timestamp,
        page: PageRequest,
    ) -> Result<Page>;
    /// Ends a live session, if it lies within `scope`. Returns whether one was ended.
    async fn revoke_session(&self, id: SessionId, scope: Scope, now: Timestamp) -> Result<bool>;

    // Seeding and administration.
    async fn is_empty(&self) -> Result<bool>;
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

/// Splits a location into the columns both databases store it in.
pub(crate) struct LocationColumns<'a> {
    pub kind: &'static str,
    pub city: Option<&'a str>,
    pub region: Option<&'a str>,
    pub country_code: Option<&'a str>,
    pub country_name: Option<&'a str>,
}

impl<'a> From<&'a Location> for LocationColumns<'a> {
    fn from(location: &'a Location) -> Self {
        match location {
            Location::Known {
                city,
                region,
                country_code,
                country_name,
            } => Self {
                kind: "known",
                city: city.as_deref(),
                region: region.as_deref(),
                country_code: country_code.as_deref(),
                country_name: country_name.as_deref(),
            },
            Location::LocalNetwork => Self::bare("local"),
            Location::Unknown => Self::bare("unknown"),
        }
    }
}

impl LocationColumns<'_> {
    fn bare(kind: &'static str) -> Self {
        Self {
            kind,
            city: None,
            region: None,
            country_code: None,
            country_name: None,
        }
    }
}

/// A row of the sessions list as both databases return it.
#[derive(sqlx::FromRow)]
pub(crate) struct SessionRow {
    pub id: i64,
    pub user_id: i64,
    pub user_name: String,
    pub account_id: i64,
    pub account_name: String,
    pub application: String,
    pub ip: String,
    pub device_kind: String,
    pub device_model: Option<String>,
    pub os: String,
    pub os_version: Option<String>,
    pub browser: String,
    pub browser_version: Option<String>,
    pub location_kind: String,
    pub city: Option<String>,
    pub region: Option<String>,
    pub country_code: Option<String>,
    pub country_name: Option<String>,
    pub created_at: i64,
    pub last_active_at: i64,
}

impl From<SessionRow> for SessionView {
    fn from(row: SessionRow) -> Self {
        use crate::model::{Device, DeviceKind};
        let location = match row.location_kind.as_str() {
            "known" => Location::Known {
                city: row.city,
                region: row.region,
                country_code: row.country_code,
                country_name: row.country_name,
            },
            "local" => Location::LocalNetwork,
            _ => Location::Unknown,
        };
        SessionView {
            id: SessionId(row.id),
            user_id: UserId(row.user_id),
            user_name: row.user_name,
            account_id: AccountId(row.account_id),
            account_name: row.account_name,
            application: row.application,
            ip: row.ip,
            device: Device {
                kind: DeviceKind::parse(&row.device_kind),
                model: row.device_model,
                os: row.os,
                os_version: row.os_version,
                browser: row.browser,
                browser_version: row.browser_version,
            },
            location,
            created_at: Timestamp(row.created_at),
            last_active_at: Timestamp(row.last_active_at),
            is_current: false,
        }
    }
}

/// Turns rows fetched with `limit + 1` into a page and the cursor of the next one.
pub(crate) fn into_page(rows: Vec<SessionRow>, limit: u32) -> Page {
    let mut sessions: Vec<SessionView> = rows.into_iter().map(SessionView::from).collect();
    let next = if sessions.len() > limit as usize {
        sessions.truncate(limit as usize);
        sessions.last().map(|last| Cursor {
            created_at: last.created_at,
            id: last.id,
        })
    } else {
        None
    };
    Page { sessions, next }
}
