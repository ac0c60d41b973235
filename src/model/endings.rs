//! Why a session ended, and who ended it: kept with the ended session until the retention
//! purge, so "where did my session go?" always has an answer.

use serde::{Deserialize, Serialize};

use super::{ApiKeyId, SessionView, Timestamp, UserId};

/// Why a session ended. Stored as [`EndReason::code`]; the two expiries are not stored (nobody
/// writes when a session runs out) but read off its times.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// They signed out on that device (or a new sign-in in that browser replaced it).
    SignedOut,
    /// They ended it from another of their sessions.
    TerminatedByYou,
    /// An owner of the session's account ended it.
    TerminatedByOwner,
    /// A platform admin ended it.
    TerminatedByAdmin,
    /// A sales representative acting as them ended it.
    TerminatedByRepresentative,
    /// An application ended it through its API key.
    EndedByApplication,
    /// Not used for 30 days (the idle timeout).
    ExpiredIdle,
    /// 90 days old (the absolute lifetime), however busy.
    ExpiredLifetime,
    /// Their password changed and the other sessions went with the old one.
    PasswordChanged,
    PersonDeactivated,
    RemovedFromAccount,
    AccountClosed,
    ApplicationRetired,
    /// They answered "No, that wasn't me" to "was this you?", on a page or from the alert mail.
    ReportedNotYou,
    /// Ended before this version kept reasons.
    Unrecorded,
}

impl EndReason {
    /// Every reason, in the order the history's filter lists them.
    pub const ALL: [Self; 15] = [
        Self::SignedOut,
        Self::TerminatedByYou,
        Self::TerminatedByOwner,
        Self::TerminatedByAdmin,
        Self::TerminatedByRepresentative,
        Self::EndedByApplication,
        Self::ExpiredIdle,
        Self::ExpiredLifetime,
        Self::PasswordChanged,
        Self::PersonDeactivated,
        Self::RemovedFromAccount,
        Self::AccountClosed,
        Self::ApplicationRetired,
        Self::ReportedNotYou,
        Self::Unrecorded,
    ];

    /// As stored, in URLs and in the API.
    pub fn code(self) -> &'static str {
        match self {
            Self::SignedOut => "signed_out",
            Self::TerminatedByYou => "terminated_by_you",
            Self::TerminatedByOwner => "terminated_by_owner",
            Self::TerminatedByAdmin => "terminated_by_admin",
            Self::TerminatedByRepresentative => "terminated_by_representative",
            Self::EndedByApplication => "ended_by_application",
            Self::ExpiredIdle => "expired_idle",
            Self::ExpiredLifetime => "expired_lifetime",
            Self::PasswordChanged => "password_changed",
            Self::PersonDeactivated => "person_deactivated",
            Self::RemovedFromAccount => "removed_from_account",
            Self::AccountClosed => "account_closed",
            Self::ApplicationRetired => "application_retired",
            Self::ReportedNotYou => "reported_not_you",
            Self::Unrecorded => "unrecorded",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|reason| reason.code() == code)
    }

    /// The few words a filter offers it as.
    pub fn label(self) -> &'static str {
        match self {
            Self::SignedOut => "Signed out",
            Self::TerminatedByYou => "Terminated by you",
            Self::TerminatedByOwner => "Terminated by an account owner",
            Self::TerminatedByAdmin => "Terminated by a platform admin",
            Self::TerminatedByRepresentative => "Terminated by a sales representative",
            Self::EndedByApplication => "Ended by an application",
            Self::ExpiredIdle => "Expired (idle 30 days)",
            Self::ExpiredLifetime => "Expired (90-day limit)",
            Self::PasswordChanged => "Password changed",
            Self::PersonDeactivated => "Person deactivated",
            Self::RemovedFromAccount => "Removed from account",
            Self::AccountClosed => "Account closed",
            Self::ApplicationRetired => "Application retired",
            Self::ReportedNotYou => "Reported as not you",
            Self::Unrecorded => "Ended (reason not recorded)",
        }
    }

    /// Whether people other than platform admins see who did it: the owner who ended a
    /// session, or the application's key. For the rest the reason is the whole story; the name
    /// behind it (a platform admin, a sales representative, whoever deactivated someone or
    /// closed an account) is for platform admins' eyes only, as acting is.
    pub fn shows_actor_to_customers(self) -> bool {
        matches!(self, Self::TerminatedByOwner | Self::EndedByApplication)
    }
}

/// How a termination is written: the reason, and who did it when a person or an application
/// did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionEnd {
    pub reason: EndReason,
    pub by_user: Option<UserId>,
    pub by_key: Option<ApiKeyId>,
}

impl SessionEnd {
    /// Ended for `reason` by nobody in particular (the engine, the operator).
    pub const fn because(reason: EndReason) -> Self {
        Self {
            reason,
            by_user: None,
            by_key: None,
        }
    }

    pub fn by(reason: EndReason, user: UserId) -> Self {
        Self {
            by_user: Some(user),
            ..Self::because(reason)
        }
    }

    pub fn by_key(key: ApiKeyId) -> Self {
        Self {
            by_key: Some(key),
            ..Self::because(EndReason::EndedByApplication)
        }
    }
}

/// An ended session, as *Ended sessions* in the sign-in history shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EndedSessionView {
    /// The session as it was (`is_current` is always false).
    pub session: SessionView,
    pub ended_at: Timestamp,
    pub reason: EndReason,
    /// The owner's name, or the API key's label, that ended it; `None` when nobody in
    /// particular did, or the viewer may not know (see
    /// [`EndReason::shows_actor_to_customers`]).
    pub ended_by: Option<String>,
}

impl EndedSessionView {
    /// "Terminated by Marie Schmidt (account owner)", "Ended by the application “host app”".
    pub fn why(&self) -> String {
        match (self.reason, self.ended_by.as_deref()) {
            (EndReason::TerminatedByOwner, Some(name)) => {
                format!("Terminated by {name} (account owner)")
            }
            (EndReason::TerminatedByAdmin, Some(name)) => {
                format!("Terminated by {name} (platform admin)")
            }
            (EndReason::TerminatedByRepresentative, Some(name)) => {
                format!("Terminated by {name} (sales representative, acting as them)")
            }
            (EndReason::EndedByApplication, Some(label)) => {
                format!("Ended by an application (API key “{label}”)")
            }
            (reason, _) => reason.label().to_owned(),
        }
    }

    /// What the viewer may see: names [`EndReason::shows_actor_to_customers`] keeps for
    /// platform admins are dropped for anyone else.
    pub fn seen_by_platform_admin(mut self, is_platform_admin: bool) -> Self {
        if !is_platform_admin && !self.reason.shows_actor_to_customers() {
            self.ended_by = None;
        }
        self
    }
}

/// Narrowing *Ended sessions*.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndedFilter {
    pub reason: Option<EndReason>,
    pub user: Option<UserId>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_reads_back_from_its_code_and_codes_are_unique() {
        for reason in EndReason::ALL {
            assert_eq!(EndReason::parse(reason.code()), Some(reason));
        }
        let mut codes: Vec<_> = EndReason::ALL.iter().map(|r| r.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), EndReason::ALL.len());
        assert_eq!(EndReason::parse("terminated"), None);
    }
}
