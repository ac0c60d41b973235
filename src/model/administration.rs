//! Running the directory: accounts, people, memberships and applications as their
//! administrators see them, and the audit log of every change made to them.

use serde::{Deserialize, Serialize};

use super::{AccountId, ApplicationId, Role, Timestamp, UserId};

/// An account, as the platform admins' accounts page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    pub id: AccountId,
    pub name: String,
    pub created_at: Timestamp,
    pub members: u64,
    /// The sales representatives who serve it.
    pub representatives: Vec<(UserId, String)>,
}

/// One membership of a person, as the people page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonMembership {
    pub account_id: AccountId,
    pub account_name: String,
    pub role: Role,
    pub job_label: String,
}

/// A person, as the platform admins' people page lists them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonView {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub is_platform_admin: bool,
    pub is_sales_rep: bool,
    /// Set: cannot sign in, and has no live session.
    pub deactivated_at: Option<Timestamp>,
    /// False until they follow their set-password link.
    pub has_password: bool,
    pub created_at: Timestamp,
    /// The id a product that keeps the directory in step knows them by.
    pub external_id: Option<String>,
    pub memberships: Vec<PersonMembership>,
    /// For sales representatives: the accounts they serve.
    pub serves: Vec<(AccountId, String)>,
}

/// A member of an account, as its owners' Members page lists them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    pub user_id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub job_label: String,
    /// Their live sessions in this account.
    pub live_sessions: u64,
    /// False until they follow their set-password link.
    pub has_password: bool,
    /// Kept in step by a product, through which they sign in (they need no password here).
    pub synced: bool,
    pub deactivated: bool,
}

/// An account's Members page: its name (platform admins may not belong to it) and members.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Members {
    pub account_name: String,
    pub members: Vec<MemberView>,
}

/// An application, as the platform admins' applications page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationView {
    pub id: ApplicationId,
    pub name: String,
    pub created_at: Timestamp,
    /// Its API keys not revoked.
    pub live_keys: u64,
}

/// A one-time link that lets a person set their password, shown once to whoever made it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordLink {
    pub user_id: UserId,
    /// The path with its token, `/set-password?token=…`; the server's public address goes in
    /// front of it where one is known.
    pub path: String,
    pub expires_at: Timestamp,
}

/// Who a set-password link is for, as its page greets them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordLinkHolder {
    pub name: String,
    pub email: String,
}

/// What kind of change an audit record is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    AccountCreated,
    AccountRenamed,
    AccountClosed,
    PersonCreated,
    PersonEdited,
    PersonDeactivated,
    PersonReactivated,
    RolesChanged,
    MembershipAdded,
    MembershipChanged,
    MembershipRemoved,
    RepresentativeAssigned,
    RepresentativeUnassigned,
    ApplicationCreated,
    ApplicationRenamed,
    ApplicationRetired,
    PasswordLinkIssued,
    PasswordSet,
    PasswordChanged,
    /// "End all matching sessions": the filter in words, and how many ended.
    SessionsEnded,
}

impl ChangeKind {
    pub const ALL: [ChangeKind; 20] = [
        Self::AccountCreated,
        Self::AccountRenamed,
        Self::AccountClosed,
        Self::PersonCreated,
        Self::PersonEdited,
        Self::PersonDeactivated,
        Self::PersonReactivated,
        Self::RolesChanged,
        Self::MembershipAdded,
        Self::MembershipChanged,
        Self::MembershipRemoved,
        Self::RepresentativeAssigned,
        Self::RepresentativeUnassigned,
        Self::ApplicationCreated,
        Self::ApplicationRenamed,
        Self::ApplicationRetired,
        Self::PasswordLinkIssued,
        Self::PasswordSet,
        Self::PasswordChanged,
        Self::SessionsEnded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::AccountCreated => "account_created",
            Self::AccountRenamed => "account_renamed",
            Self::AccountClosed => "account_closed",
            Self::PersonCreated => "person_created",
            Self::PersonEdited => "person_edited",
            Self::PersonDeactivated => "person_deactivated",
            Self::PersonReactivated => "person_reactivated",
            Self::RolesChanged => "roles_changed",
            Self::MembershipAdded => "membership_added",
            Self::MembershipChanged => "membership_changed",
            Self::MembershipRemoved => "membership_removed",
            Self::RepresentativeAssigned => "representative_assigned",
            Self::RepresentativeUnassigned => "representative_unassigned",
            Self::ApplicationCreated => "application_created",
            Self::ApplicationRenamed => "application_renamed",
            Self::ApplicationRetired => "application_retired",
            Self::PasswordLinkIssued => "password_link_issued",
            Self::PasswordSet => "password_set",
            Self::PasswordChanged => "password_changed",
            Self::SessionsEnded => "sessions_ended",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// For people: "Membership removed".
    pub fn label(self) -> &'static str {
        match self {
            Self::AccountCreated => "Account created",
            Self::AccountRenamed => "Account renamed",
            Self::AccountClosed => "Account closed",
            Self::PersonCreated => "Person created",
            Self::PersonEdited => "Person edited",
            Self::PersonDeactivated => "Person deactivated",
            Self::PersonReactivated => "Person reactivated",
            Self::RolesChanged => "Platform roles changed",
            Self::MembershipAdded => "Membership added",
            Self::MembershipChanged => "Membership changed",
            Self::MembershipRemoved => "Membership removed",
            Self::RepresentativeAssigned => "Representative assigned",
            Self::RepresentativeUnassigned => "Representative unassigned",
            Self::ApplicationCreated => "Application created",
            Self::ApplicationRenamed => "Application renamed",
            Self::ApplicationRetired => "Application retired",
            Self::PasswordLinkIssued => "Set-password link issued",
            Self::PasswordSet => "Password set",
            Self::PasswordChanged => "Password changed",
            Self::SessionsEnded => "Matching sessions ended",
        }
    }
}

/// One change, as the audit log shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeView {
    pub id: i64,
    pub at: Timestamp,
    /// `None`: the operator, from the command line or an import.
    pub actor_id: Option<UserId>,
    pub actor_name: Option<String>,
    /// The sales representative at the keyboard while acting as the actor.
    pub impersonator_name: Option<String>,
    pub ip: Option<String>,
    pub kind: ChangeKind,
    pub account_id: Option<AccountId>,
    pub account_name: Option<String>,
    pub target_user_id: Option<UserId>,
    pub target_user_name: Option<String>,
    pub application_id: Option<ApplicationId>,
    pub detail: String,
    pub sessions_ended: u64,
    /// The application key that made the change through the API.
    pub api_key: Option<ApiKeyName>,
}

/// An API key as the audit log names it: its application and its label.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyName {
    pub application: String,
    pub label: String,
}

impl ChangeView {
    /// "Anna Admin", "Michael Sommer acting as Henk Becker", "Corner Shop's key “sync”", or
    /// "the command line".
    pub fn who(&self) -> String {
        match (&self.actor_name, &self.impersonator_name, &self.api_key) {
            (Some(actor), Some(rep), _) => format!("{rep} acting as {actor}"),
            (Some(actor), None, _) => actor.clone(),
            (None, _, Some(key)) if key.label.is_empty() => {
                format!("{}'s API key", key.application)
            }
            (None, _, Some(key)) => format!("{}'s API key “{}”", key.application, key.label),
            (None, _, None) => "the command line".to_owned(),
        }
    }
}

/// Narrowing the audit log of changes; every field is in the page's URL.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeFilter {
    pub actor: Option<UserId>,
    pub target: Option<UserId>,
    pub kind: Option<ChangeKind>,
    /// Platform admins only; an owner's log is their account's already.
    pub account: Option<AccountId>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_kinds_survive_the_round_trip_through_their_stored_text() {
        for kind in ChangeKind::ALL {
            assert_eq!(ChangeKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(ChangeKind::parse("dropped_table"), None);
    }
}
