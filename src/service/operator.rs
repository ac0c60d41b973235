//! The operator's handle: what startup code and the command line do without a caller.

use std::sync::Arc;
use std::time::Duration;

use super::{SessionPolicy, SessionService, SignIn, SignedIn};
use crate::error::Result;
use crate::model::{ApiKeyId, Timestamp};
use crate::store::Store;
use crate::token::ApiKeySecret;
use crate::track::Tracker;

/// Actions with no caller to authorise: creating and revoking API keys from the command line,
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
        is_admin: bool,
        label: &str,
        now: Timestamp,
    ) -> Result<(ApiKeyId, ApiKeySecret)> {
        self.service
            .issue_api_key(application, is_admin, label, now)
            .await
    }

    /// Revokes an API key (the `api-key revoke` command).
    pub async fn revoke_api_key(&self, id: ApiKeyId, now: Timestamp) -> Result<()> {
        self.service.end_api_key(id, now).await
    }

    /// Signs in someone whose identity the caller has already established, without a
    /// password: for measuring what a sign-in costs besides the password hash (and, one day,
    /// single sign-on). Never reachable over HTTP.
    pub async fn sign_in_verified(&self, attempt: SignIn<'_>, now: Timestamp) -> Result<SignedIn> {
        self.service.sign_in_verified(attempt, now).await
    }

    /// Deletes sessions that expired or ended more than `retention` ago, and forgets idle
    /// rate-limit counters. For the background job; returns how many rows went.
    pub async fn purge_expired(&self, now: Timestamp, retention: Duration) -> Result<u64> {
        self.service.sign_in_limiter.forget_idle();
        self.service
            .store
            .purge_sessions(now.minus(retention))
            .await
    }
}
