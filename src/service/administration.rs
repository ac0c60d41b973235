//! Administration: account settings and API keys, by the people allowed to change them.

use super::impersonation::ActingAction;
use super::{Caller, SessionService, checked_text};
use crate::access;
use crate::error::{Error, Result};
use crate::model::{
    AccountId, ApiKeyId, ApiKeyView, ImpersonationView, KeyPowers, Page, PageRequest, Timestamp,
};
use crate::token::ApiKeySecret;

impl SessionService {
    /// Turns "store geolocation information" on or off for an account. Only sessions created
    /// afterwards are affected: existing ones keep what they recorded. Done while acting as
    /// someone, it goes into the audit log, stamped `now`.
    pub async fn set_store_geolocation(
        &self,
        caller: &Caller,
        account: AccountId,
        on: bool,
        now: Timestamp,
    ) -> Result<()> {
        access::may_manage_account(&self.principal(caller).await?, account)?;
        if !self.store.set_store_geolocation(account, on).await? {
            return Err(Error::Forbidden("no such account"));
        }
        let done = ActingAction::SetStoreGeolocation { account, on };
        self.record_acting(caller, done, now).await
    }

    /// Whether an account stores geolocation (for its settings page).
    pub async fn store_geolocation(&self, caller: &Caller, account: AccountId) -> Result<bool> {
        access::may_manage_account(&self.principal(caller).await?, account)?;
        Ok(self
            .store
            .account_settings(account)
            .await?
            .is_some_and(|settings| settings.store_geolocation))
    }

    /// Whether an account shows its people when a sales representative acted as them (for
    /// its settings page). Owners and platform admins.
    pub async fn show_acting(&self, caller: &Caller, account: AccountId) -> Result<bool> {
        access::may_manage_account(&self.principal(caller).await?, account)?;
        self.store
            .show_acting(account)
            .await?
            .ok_or(Error::NotFound("account"))
    }

    /// Turns impersonation transparency on or off for an account. Not while acting: a
    /// representative does not decide whether people see the representatives' acting.
    pub async fn set_show_acting(
        &self,
        caller: &Caller,
        account: AccountId,
        on: bool,
    ) -> Result<()> {
        access::may_manage_account(&self.principal(caller).await?, account)?;
        access::may_change_people(caller.impersonator.is_some())?;
        if self.store.set_show_acting(account, on).await? {
            Ok(())
        } else {
            Err(Error::NotFound("account"))
        }
    }

    /// When a sales representative acted as the caller, in accounts that show it, newest
    /// first. Never one of their sessions: a separate list.
    pub async fn acted_as_me(
        &self,
        caller: &Caller,
        page: PageRequest,
    ) -> Result<Page<ImpersonationView>> {
        self.store
            .list_acting_on(caller.user_id, super::checked_page(page)?)
            .await
    }

    /// API keys for the admin page. Platform admins only.
    pub async fn list_api_keys(&self, caller: &Caller) -> Result<Vec<ApiKeyView>> {
        access::may_manage_api_keys(&self.principal(caller).await?)?;
        self.store.list_api_keys().await
    }

    /// Creates a key from the admin page. Platform admins only; the secret is shown once.
    pub async fn create_api_key(
        &self,
        caller: &Caller,
        application: &str,
        powers: KeyPowers,
        label: &str,
        now: Timestamp,
    ) -> Result<(ApiKeyId, ApiKeySecret)> {
        access::may_manage_api_keys(&self.principal(caller).await?)?;
        checked_text(label, 200, "the label is too long")?;
        checked_text(application, 200, "no application by that name")?;
        self.issue_api_key(application, powers, label, now).await
    }

    /// Revokes a key from the admin page. Platform admins only.
    pub async fn revoke_api_key(
        &self,
        caller: &Caller,
        id: ApiKeyId,
        now: Timestamp,
    ) -> Result<()> {
        access::may_manage_api_keys(&self.principal(caller).await?)?;
        self.end_api_key(id, now).await
    }

    /// Creates an API key for a registered application, once authorised (by an admin's role,
    /// or by being the operator). The secret is returned once and never stored.
    pub(super) async fn issue_api_key(
        &self,
        application: &str,
        powers: KeyPowers,
        label: &str,
        now: Timestamp,
    ) -> Result<(ApiKeyId, ApiKeySecret)> {
        let application_id = self
            .store
            .application_by_name(application)
            .await?
            .ok_or(Error::InvalidInput("no application by that name"))?;
        let secret = ApiKeySecret::generate();
        let id = self
            .store
            .insert_api_key(application_id, &secret.hash(), powers, label, now)
            .await?;
        Ok((id, secret))
    }

    /// Revokes an API key, once authorised: its application's next request is refused.
    pub(super) async fn end_api_key(&self, id: ApiKeyId, now: Timestamp) -> Result<()> {
        let revoked = self
            .store
            .revoke_api_key(id, now)
            .await?
            .ok_or(Error::InvalidInput("no live API key with that id"))?;
        self.forget(&[revoked]);
        Ok(())
    }

    /// Whether this server can serve requests: its database answers.
    pub async fn ready(&self) -> Result<()> {
        self.store.ping().await
    }
}
