//! The records kept for security, as the UI shows them: sign-in attempts, impersonations and
//! what was done while acting as someone.

use serde::{Deserialize, Serialize};

use super::{
    AccountId, Device, ImpersonationId, Location, LoginRecordId, SessionFlags, SessionId,
    Timestamp, UserId,
};

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
    /// A successful sign-in's flags (see [`super::SessionFlags`]); none for a refused one.
    pub flags: SessionFlags,
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

/// What kind of thing a sales representative did while acting as a customer user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActingActionKind {
    /// Ended sessions: one, a selection, or all of someone's.
    TerminatedSessions,
    /// Changed an account's setting.
    ChangedSetting,
}

impl ActingActionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TerminatedSessions => "terminated_sessions",
            Self::ChangedSetting => "changed_setting",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "terminated_sessions" => Some(Self::TerminatedSessions),
            "changed_setting" => Some(Self::ChangedSetting),
            _ => None,
        }
    }
}

/// One action taken while acting as someone, as the admins' audit log shows it: who (the
/// representative, and whose eyes they saw through, in which account), what, and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActingActionView {
    pub id: i64,
    pub at: Timestamp,
    /// The representative's session that acted.
    pub session_id: SessionId,
    pub representative_id: UserId,
    pub representative_name: String,
    pub acting_user_id: UserId,
    pub acting_user_name: String,
    pub account_id: AccountId,
    pub account_name: String,
    pub kind: ActingActionKind,
    /// What was done, in words: "terminated session 123", "turned geolocation off for Ektek
    /// GmbH".
    pub detail: String,
}

impl ActingActionView {
    /// "Michael Sommer acting as Henk Becker".
    pub fn who(&self) -> String {
        format!(
            "{} acting as {}",
            self.representative_name, self.acting_user_name
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acting_action_kinds_survive_the_round_trip_through_their_stored_text() {
        for kind in [
            ActingActionKind::TerminatedSessions,
            ActingActionKind::ChangedSetting,
        ] {
            assert_eq!(ActingActionKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(ActingActionKind::parse("logged_in"), None);
    }

    #[test]
    fn an_acting_action_names_the_representative_and_whom_they_acted_as() {
        let action = ActingActionView {
            id: 1,
            at: Timestamp(0),
            session_id: SessionId(7),
            representative_id: UserId(1),
            representative_name: "Michael Sommer".to_owned(),
            acting_user_id: UserId(2),
            acting_user_name: "Henk Becker".to_owned(),
            account_id: AccountId(3),
            account_name: "Ektek GmbH".to_owned(),
            kind: ActingActionKind::TerminatedSessions,
            detail: "terminated session 123".to_owned(),
        };
        assert_eq!(action.who(), "Michael Sommer acting as Henk Becker");
    }
}
