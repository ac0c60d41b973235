//! The directory: people, accounts, memberships and applications, and what a person may do.

use async_trait::async_trait;

use crate::access::Principal;
use crate::error::Result;
use crate::model::{AccountId, ApplicationId, CustomerUser, Role, Timestamp, UserId, Viewer};
use crate::token::TokenHash;

/// What checking a password needs, and where a sign-in that passes lands: one read on every
/// sign-in's path. The hash never leaves the server.
pub struct Credentials {
    pub user_id: UserId,
    pub password_hash: String,
    /// The account a browser sign-in lands in (their first open one), with its settings;
    /// `None` for someone who belongs to no open account.
    pub home: Option<AccountSettings>,
}

/// An account's tracking setting, as a sign-in needs it.
#[derive(Clone, Copy, Debug)]
pub struct AccountSettings {
    pub account_id: AccountId,
    pub store_geolocation: bool,
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
pub trait DirectoryStore: Send + Sync {
    /// By email, compared case-insensitively (callers pass it lower-cased).
    async fn credentials_by_email(&self, email: &str) -> Result<Option<Credentials>>;
    async fn account_settings(&self, account: AccountId) -> Result<Option<AccountSettings>>;
    /// Returns whether the account exists.
    async fn set_store_geolocation(&self, account: AccountId, on: bool) -> Result<bool>;
    async fn application_by_name(&self, name: &str) -> Result<Option<ApplicationId>>;
    /// A person's roles, for authorising what they ask.
    async fn principal(&self, user: UserId) -> Result<Option<Principal>>;
    /// Names and memberships of `user`, seen in `account`.
    async fn viewer(&self, user: UserId, account: AccountId) -> Result<Option<Viewer>>;
    async fn user_name(&self, user: UserId) -> Result<Option<String>>;
    /// Customer users (neither sales representatives nor admins) whose name or email contains
    /// `search`, one row per account they belong to among those `rep` serves.
    async fn list_customers(
        &self,
        rep: UserId,
        search: &str,
        limit: u32,
    ) -> Result<Vec<CustomerUser>>;
    /// An account's members by name (at most 1,000: a filter menu, not an export).
    async fn list_members(&self, account: AccountId) -> Result<Vec<(UserId, String)>>;
    /// Every application, by id (at most 1,000).
    async fn list_applications(&self) -> Result<Vec<(ApplicationId, String)>>;

    /// Whether nobody exists yet: only then is the demo world seeded, or a setup link opened.
    async fn is_empty(&self) -> Result<bool>;
    async fn insert_account(
        &self,
        name: &str,
        store_geolocation: bool,
        now: Timestamp,
    ) -> Result<AccountId>;
    async fn insert_user(&self, user: NewUser<'_>, now: Timestamp) -> Result<UserId>;
    /// A user and a new account named `account` that they own, in one transaction: both or
    /// neither, so a failure cannot leave someone who exists but can sign in nowhere.
    ///
    /// With `setup_token`, the first admin: written only while nobody exists, and only by
    /// taking that token in the same transaction. `None` (nothing written) when the token is
    /// not there (used, replaced, never made) or someone exists. Of several requests with one
    /// token, exactly one writes; a failure or a dropped request leaves the token in place.
    async fn insert_owner(
        &self,
        user: NewUser<'_>,
        account: &str,
        setup_token: Option<&TokenHash>,
        now: Timestamp,
    ) -> Result<Option<(UserId, AccountId)>>;
    async fn insert_membership(
        &self,
        user: UserId,
        account: AccountId,
        role: Role,
        job_label: &str,
    ) -> Result<()>;
    /// `rep` (a sales representative) serves `account` from now on.
    async fn insert_rep_assignment(&self, rep: UserId, account: AccountId) -> Result<()>;
    async fn insert_application(&self, name: &str, now: Timestamp) -> Result<ApplicationId>;

    /// Makes `hash` the one first-admin setup token, replacing any earlier unused one.
    async fn replace_setup_token(&self, hash: &TokenHash, now: Timestamp) -> Result<()>;
    /// Whether `hash` is the open setup token: a cheap read, so that a wrong link costs no
    /// password hashing.
    async fn has_setup_token(&self, hash: &TokenHash) -> Result<bool>;
}
