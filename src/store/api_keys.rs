//! API keys: how applications authenticate to the JSON API.

use async_trait::async_trait;

use crate::error::Result;
use crate::model::{ApiKeyId, ApiKeyView, ApplicationId, KeyPowers, Timestamp};
use crate::token::TokenHash;

/// A live API key, as authenticating a request needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ApiKeyRecord {
    pub id: ApiKeyId,
    pub application_id: ApplicationId,
    pub powers: KeyPowers,
}

#[async_trait]
pub trait ApiKeyStore: Send + Sync {
    async fn insert_api_key(
        &self,
        application: ApplicationId,
        key_hash: &TokenHash,
        powers: KeyPowers,
        label: &str,
        now: Timestamp,
    ) -> Result<ApiKeyId>;

    /// The live key with this hash: its application and its powers.
    async fn api_key_by_hash(&self, key_hash: &TokenHash) -> Result<Option<ApiKeyRecord>>;

    /// Revokes a live key. Returns its hash if it was live.
    async fn revoke_api_key(&self, id: ApiKeyId, now: Timestamp) -> Result<Option<TokenHash>>;

    /// All keys, newest first (a handful per application).
    async fn list_api_keys(&self) -> Result<Vec<ApiKeyView>>;
}
