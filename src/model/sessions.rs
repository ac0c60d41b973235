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
    /// What made it stand out from its person's history when it started.
    pub flags: SessionFlags,
}

impl SessionView {
    /// "Firefox on Ubuntu near Lisbon, Portugal": what "was this you?" names it by.
    pub fn headline(&self) -> String {
        let place = self.location.place();
        let near = if place.is_empty() {
            String::new()
        } else {
            format!(" near {place}")
        };
        format!("{} on {}{near}", self.device.browser, self.device.os)
    }
}

/// What made a sign-in stand out from its person's own history when it happened (computed
/// then, by `track::flags`, and kept with the session and its sign-in record), with the
/// reasons in words for a tooltip: "first sign-in from Lisbon, Portugal".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionFlags {
    /// An OS and browser (and phone model) not used in the last 90 days.
    pub new_device: bool,
    /// A country not signed in from in the last 90 days.
    pub new_country: bool,
    /// A region not signed in from lately, in a known country (shown more quietly).
    pub new_region: bool,
    /// Too far from the previous sign-in for the time between them (over 1,000 km/h).
    pub impossible_travel: bool,
    pub why: String,
}

impl SessionFlags {
    const NEW_DEVICE: i64 = 1;
    const NEW_COUNTRY: i64 = 2;
    const NEW_REGION: i64 = 4;
    const IMPOSSIBLE_TRAVEL: i64 = 8;

    pub fn any(&self) -> bool {
        self.bits() != 0
    }

    /// As stored: one bit per flag.
    pub fn bits(&self) -> i64 {
        [
            (self.new_device, Self::NEW_DEVICE),
            (self.new_country, Self::NEW_COUNTRY),
            (self.new_region, Self::NEW_REGION),
            (self.impossible_travel, Self::IMPOSSIBLE_TRAVEL),
        ]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, bit)| bit)
        .sum()
    }

    pub fn from_bits(bits: i64, why: String) -> Self {
        Self {
            new_device: bits & Self::NEW_DEVICE != 0,
            new_country: bits & Self::NEW_COUNTRY != 0,
            new_region: bits & Self::NEW_REGION != 0,
            impossible_travel: bits & Self::IMPOSSIBLE_TRAVEL != 0,
            why,
        }
    }

    /// The badges to show, most alarming first: (label, whether it is quiet).
    pub fn badges(&self) -> Vec<(&'static str, bool)> {
        [
            (self.impossible_travel, "Impossible travel", false),
            (self.new_country, "New country", false),
            (self.new_device, "New device", false),
            (self.new_region, "New region", true),
        ]
        .into_iter()
        .filter(|(on, _, _)| *on)
        .map(|(_, label, quiet)| (label, quiet))
        .collect()
    }
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
    /// Only sessions that stood out when they started (any flag).
    #[serde(default)]
    pub flagged_only: bool,
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
