//! API keys as the admin page lists them.

use serde::{Deserialize, Serialize};

use super::{ApiKeyId, Timestamp};

/// An application's API key as the admin page lists it (never the secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyView {
    pub id: ApiKeyId,
    pub application: String,
    pub label: String,
    pub is_admin: bool,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}
