//! The API keys area's SQL.

use async_trait::async_trait;

use super::rows::ApiKeyRow;
use super::{sql, token_hashes};
use crate::error::Result;
use crate::model::{ApiKeyId, ApiKeyView, ApplicationId, KeyPowers, Timestamp};
use crate::store::dialect::Dialect;
use crate::store::{ApiKeyRecord, ApiKeyStore};
use crate::token::TokenHash;

#[async_trait]
impl<D: Dialect> ApiKeyStore for D {
    async fn insert_api_key(
        &self,
        application: ApplicationId,
        key_hash: &TokenHash,
        powers: KeyPowers,
        label: &str,
        now: Timestamp,
    ) -> Result<ApiKeyId> {
        let mut connection = self.writer().acquire().await?;
        let (id,): (i64,) = sql::<D>(
            "INSERT INTO api_keys
             (application_id, key_hash, is_admin, trusted, directory, label, created_at)",
        )
        .values([
            application.0.into(),
            key_hash.as_bytes().to_vec().into(),
            powers.platform_wide.into(),
            powers.trusted.into(),
            powers.directory.into(),
            label.into(),
            now.0.into(),
        ])
        .push(" RETURNING id")
        .fetch_one(&mut *connection)
        .await?;
        Ok(ApiKeyId(id))
    }

    async fn api_key_by_hash(&self, key_hash: &TokenHash) -> Result<Option<ApiKeyRecord>> {
        let row: Option<(i64, i64, bool, bool, bool)> = sql::<D>(
            "SELECT id, application_id, is_admin, trusted, directory FROM api_keys
             WHERE revoked_at IS NULL AND key_hash = ",
        )
        .bind(key_hash.as_bytes().to_vec())
        .fetch_optional(&mut *self.readers().acquire().await?)
        .await?;
        Ok(row.map(
            |(id, application, platform_wide, trusted, directory)| ApiKeyRecord {
                id: ApiKeyId(id),
                application_id: ApplicationId(application),
                powers: KeyPowers {
                    platform_wide,
                    trusted,
                    directory,
                },
            },
        ))
    }

    async fn revoke_api_key(&self, id: ApiKeyId, now: Timestamp) -> Result<Option<TokenHash>> {
        let mut tx = self.writer().begin().await?;
        let rows = sql::<D>("UPDATE api_keys SET revoked_at = ")
            .bind(now.0)
            .push(" WHERE revoked_at IS NULL AND id = ")
            .bind(id.0)
            .push(" RETURNING key_hash")
            .fetch_all(&mut *tx)
            .await?;
        let revoked = token_hashes(rows);
        D::announce(&mut tx, &revoked).await?;
        tx.commit().await?;
        Ok(revoked.first().copied())
    }

    async fn list_api_keys(&self) -> Result<Vec<ApiKeyView>> {
        let rows: Vec<ApiKeyRow> = sql::<D>(
            "SELECT k.id, a.name AS application, k.label, k.is_admin, k.trusted, k.directory,
                    k.created_at, k.revoked_at
             FROM api_keys k JOIN applications a ON a.id = k.application_id
             ORDER BY k.id DESC LIMIT 1000",
        )
        .fetch_all(&mut *self.readers().acquire().await?)
        .await?;
        Ok(rows.into_iter().map(ApiKeyView::from).collect())
    }
}
