//! The operator's handle: what startup code and the command line do without a caller.

use std::sync::Arc;
use std::time::Duration;

use super::changes::Author;
use super::import::{ImportError, ImportReport};
use super::setup::checked_email;
use super::{NewPerson, SessionPolicy, SessionService, SignIn, SignedIn};
use crate::error::{Error, Result};
use crate::model::{
    AccountId, ApiKeyId, ApplicationId, KeyPowers, PasswordLink, Timestamp, UserId,
};
use crate::store::Store;
use crate::token::{ApiKeySecret, SessionToken};
use crate::track::Tracker;

/// Actions with no caller to authorise: creating and revoking API keys, accounts and people
/// from the command line (one by one or imported from a file), opening the first-admin setup,
/// the background purge, seeding the demo world, measuring sign-ins without a password. Only
/// [`super::start`] makes one, and no request handler is given it.
pub struct Operator {
    service: Arc<SessionService>,
}

impl Operator {
    pub(super) fn new(service: Arc<SessionService>) -> Self {
        Self { service }
    }

    /// The service this operator runs beside (what request handlers get).
    pub fn service(&self) -> &Arc<SessionService> {
        &self.service
    }

    /// The store itself, for seeding.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.service.store
    }

    pub fn tracker(&self) -> &Arc<Tracker> {
        &self.service.tracker
    }

    pub fn policy(&self) -> SessionPolicy {
        self.service.policy
    }
    /// Creates an API key (the `api-key create` command). The secret is returned once.
    pub async fn create_api_key(
        &self,
        application: &str,
        powers: KeyPowers,
        label: &str,
        now: Timestamp,
    ) -> Result<(ApiKeyId, ApiKeySecret)> {
        self.service
            .issue_api_key(application, powers, label, now)
            .await
    }

    /// Revokes an API key (the `api-key revoke` command).
    pub async fn revoke_api_key(&self, id: ApiKeyId, now: Timestamp) -> Result<()> {
        self.service.end_api_key(id, now).await
    }

    /// Creates a person who owns a new account (the `user create` command): with
    /// `is_platform_admin`, the first admin without the setup link. Checked as the setup page
    /// checks its admin; the password is hashed here and never stored.
    pub async fn create_user(&self, person: NewPerson<'_>, now: Timestamp) -> Result<UserId> {
        self.service.create_user(person, now).await
    }

    /// Imports accounts, people and memberships from CSV text (the `import` command). The
    /// whole file is checked first: with any bad row nothing is written and every bad row is
    /// returned. What already matches is left alone, so running a file twice changes nothing.
    /// New people get set-password links, returned once.
    pub async fn import_csv(
        &self,
        reader: impl std::io::Read,
        now: Timestamp,
    ) -> Result<ImportReport, ImportError> {
        self.service.import_csv(reader, now).await
    }

    /// Creates an account with nobody in it yet (the `account create` command).
    pub async fn create_account(&self, name: &str, now: Timestamp) -> Result<AccountId> {
        self.service.new_account(Author::Operator, name, now).await
    }

    /// Registers an application (the `application create` command), so that keys can be made
    /// for it.
    pub async fn create_application(&self, name: &str, now: Timestamp) -> Result<ApplicationId> {
        self.service
            .new_application(Author::Operator, name, now)
            .await
    }

    /// Deactivates the person with this email (the `user deactivate` command): they cannot
    /// sign in, and every session of theirs ends at once. Returns how many sessions ended.
    pub async fn deactivate_user(&self, email: &str, now: Timestamp) -> Result<usize> {
        let user = self.user_by_email(email).await?;
        self.service.end_person(Author::Operator, user, now).await
    }

    /// Takes away the password of the person with this email and returns a set-password link
    /// for them, shown once (the `user reset-password` command). Their sessions end too
    /// unless `end_sessions` is false.
    pub async fn reset_password(
        &self,
        email: &str,
        end_sessions: bool,
        now: Timestamp,
    ) -> Result<PasswordLink> {
        let user = self.user_by_email(email).await?;
        self.service
            .forced_reset(Author::Operator, user, None, end_sessions, now)
            .await
    }

    /// Opens the first-admin setup while nobody exists: returns the new setup link's token,
    /// for the operator's eyes only, and makes any earlier unused one invalid. `None` once
    /// someone exists (the demo world, a finished setup, a person from the command line).
    pub async fn open_setup(&self, now: Timestamp) -> Result<Option<SessionToken>> {
        self.service.open_setup(now).await
    }

    /// Signs in someone whose identity the caller has already established, without a
    /// password: for measuring what a sign-in costs besides the password hash (and, one day,
    /// single sign-on). Never reachable over HTTP.
    pub async fn sign_in_verified(&self, attempt: SignIn<'_>, now: Timestamp) -> Result<SignedIn> {
        self.service.sign_in_verified(attempt, now).await
    }

    /// Deletes sessions that expired or ended more than `retention` ago. For the background
    /// job; returns how many rows went. (Idle sign-in budgets go every minute, by the
    /// service's own job: see `crate::limit::spawn_forgetting`.)
    pub async fn purge_expired(&self, now: Timestamp, retention: Duration) -> Result<u64> {
        let store = &self.service.store;
        // Sign-in links live a minute; nothing needs an expired one.
        store.purge_sign_in_links(now).await?;
        store.purge_sessions(now.minus(retention)).await
    }

    /// Anyone, deactivated or not, by their email as typed; [`Error::UserNotFound`] for an
    /// email nobody has.
    async fn user_by_email(&self, email: &str) -> Result<UserId> {
        let email = checked_email(email)?;
        self.service
            .store
            .person_by_email(&email)
            .await?
            .map(|person| person.id)
            .ok_or(Error::UserNotFound)
    }
}
