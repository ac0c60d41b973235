//! The records kept for security, as the UI shows them: sign-in attempts and impersonations.

use serde::{Deserialize, Serialize};

use super::{AccountId, Device, ImpersonationId, Location, LoginRecordId, Timestamp, UserId};

/// How a sign-in attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LoginOutcome {
    Success,
    InvalidCredentials,
}

impl LoginOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::InvalidCredentials => "invalid_credentials",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "success" => Some(Self::Success),
            "invalid_credentials" => Some(Self::InvalidCredentials),
            _ => None,
        }
    }
}

/// One sign-in attempt, as the sign-in history shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRecordView {
    pub id: LoginRecordId,
    pub at: Timestamp,
    /// `None` when the email matched nobody.
    pub user_id: Option<UserId>,
    pub user_name: Option<String>,
    pub email: String,
    pub account_name: Option<String>,
    pub application: String,
    pub ip: String,
    pub device: Device,
    pub location: Location,
    pub outcome: LoginOutcome,
}

/// Narrowing the sign-in history.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRecordFilter {
    /// Inclusive.
    pub from: Option<Timestamp>,
    /// Exclusive.
    pub until: Option<Timestamp>,
    pub outcome: Option<LoginOutcome>,
    pub user: Option<UserId>,
}

/// One impersonation, as the admins' audit log shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImpersonationView {
    pub id: ImpersonationId,
    pub impersonator_id: UserId,
    pub impersonator_name: String,
    pub target_user_id: UserId,
    pub target_user_name: String,
    pub target_account_id: AccountId,
    pub target_account_name: String,
    pub started_at: Timestamp,
    pub ended_at: Option<Timestamp>,
}
