//! Impersonation: a sales representative acting as a customer user, and its audit log.

use super::{Caller, SessionService, checked_page};
use crate::access;
use crate::error::{Error, Result};
use crate::model::{
    AccountId, CustomerUser, ImpersonationView, MAX_SEARCH_CHARS, Page, PageRequest, Timestamp,
    UserId,
};

impl SessionService {
    /// Customer users a sales representative may act as, by name or email.
    pub async fn list_customers(&self, caller: &Caller, search: &str) -> Result<Vec<CustomerUser>> {
        if caller.impersonator.is_some() {
            return Err(Error::AlreadyImpersonating);
        }
        access::may_look_for_customers(&self.principal(caller).await?)?;
        let search = search.trim();
        if search.chars().count() > MAX_SEARCH_CHARS {
            return Err(Error::InvalidInput("search text is too long"));
        }
        self.store.list_customers(search, 50).await
    }

    /// A sales representative starts acting as a customer user in one of that user's accounts.
    pub async fn start_impersonation(
        &self,
        caller: &Caller,
        target_user: UserId,
        target_account: AccountId,
        now: Timestamp,
    ) -> Result<()> {
        if caller.impersonator.is_some() {
            return Err(Error::AlreadyImpersonating);
        }
        let rep = self.principal(caller).await?;
        let target = self
            .store
            .principal(target_user)
            .await?
            .ok_or(Error::UserNotFound)?;
        access::may_impersonate(&rep, &target, target_account)?;
        let (_, changed) = self
            .store
            .start_impersonation(
                caller.session_id,
                caller.user_id,
                target_user,
                target_account,
                now,
            )
            .await?;
        // The session now validates as the customer: its cached answer is stale.
        self.forget(&[changed]);
        Ok(())
    }

    /// Returns the representative to their own session.
    pub async fn end_impersonation(&self, caller: &Caller, now: Timestamp) -> Result<()> {
        if caller.impersonator.is_none() {
            return Err(Error::NotImpersonating);
        }
        if let Some(changed) = self.store.end_impersonation(caller.session_id, now).await? {
            self.forget(&[changed]);
        }
        Ok(())
    }

    /// The impersonation audit log, newest first. Platform admins only — and never while acting
    /// as someone (the principal is then the customer).
    pub async fn list_impersonations(
        &self,
        caller: &Caller,
        page: PageRequest,
    ) -> Result<Page<ImpersonationView>> {
        access::may_read_audit_log(&self.principal(caller).await?)?;
        self.store.list_impersonations(checked_page(page)?).await
    }
}
