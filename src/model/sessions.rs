//! Sessions as lists show them: one session, whose sessions a list shows, how it is narrowed,
//! and one page of it.

use serde::{Deserialize, Serialize};

use super::{AccountId, ApplicationId, Cursor, Device, Location, SessionId, Timestamp, UserId};

/// One active session, as shown in a sessions table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionView {
    pub id: SessionId,
    pub user_id: UserId,
    pub user_name: String,
    pub account_id: AccountId,
    pub account_name: String,
    pub application: String,
    pub ip: String,
    pub device: Device,
    pub location: Location,
    pub created_at: Timestamp,
    pub last_active_at: Timestamp,
    /// The session the viewer is using right now ("This device").
    pub is_current: bool,
}

/// Whose sessions a list shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "account", rename_all = "snake_case")]
pub enum SessionsView {
    /// The caller's own sessions, in every account they belong to.
    Mine,
    /// Every member's sessions in one account (account owners and platform admins).
    Account(AccountId),
    /// Every session in every account (platform admins).
    Platform,
}

/// Longest search text accepted: longer is never a real search, only load.
pub const MAX_SEARCH_CHARS: usize = 100;
/// Shortest search text that may run over all accounts: shorter would match nearly everything
/// and cannot use the trigram index.
pub const MIN_PLATFORM_SEARCH_CHARS: usize = 3;

/// Narrowing a sessions list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionFilter {
    pub user: Option<UserId>,
    pub application: Option<ApplicationId>,
    /// Only meaningful in the platform view; other views have their account already.
    pub account: Option<AccountId>,
    /// Case-insensitive substring of user name or email, device, browser, location or IP.
    pub search: Option<String>,
    /// Oldest sessions first instead of newest.
    #[serde(default)]
    pub oldest_first: bool,
}

/// Counting stops here: "1000+" is as precise as a person scanning a list needs, and counting
/// further would make every request cost more the bigger the table.
pub const COUNT_CAP: u32 = 1_000;

/// One page of a sessions list, with the total and the server's clock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionsPage {
    pub items: Vec<SessionView>,
    pub next: Option<Cursor>,
    /// How many sessions match in all, up to [`COUNT_CAP`].
    pub total: u64,
    /// When the server answered: relative times ("5 minutes ago") count from here.
    pub now: Timestamp,
}
