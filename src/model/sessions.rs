//! Sessions as lists show them: one session, whose sessions a list shows, how it is narrowed,
//! and one page of it.

use serde::{Deserialize, Serialize};

use super::{
    AccountId, ApplicationId, BulkTerminationId, Cursor, Device, DeviceKind, Location, SessionId,
    Timestamp, UserId,
};

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
    /// Only sessions signed in from this country: an ISO 3166-1 alpha-2 code ("NL").
    #[serde(default)]
    pub country: Option<String>,
    /// Only sessions on this kind of device.
    #[serde(default)]
    pub device: Option<DeviceKind>,
    /// Only sessions created at or after this moment.
    #[serde(default)]
    pub created_after: Option<Timestamp>,
    /// Only sessions created before this moment.
    #[serde(default)]
    pub created_before: Option<Timestamp>,
}

/// A country filter as sessions store it ("NL"), or why it is not one.
pub fn country_code(text: &str) -> Result<String, &'static str> {
    let code = text.trim();
    if code.len() == 2 && code.bytes().all(|b| b.is_ascii_alphabetic()) {
        Ok(code.to_ascii_uppercase())
    } else {
        Err("a country is its two-letter code, like NL or US")
    }
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

/// Ending more sessions than this at once asks the person to type what they are about to do
/// ("end 37 sessions"): a click is too easy for a mistake that signs out a company.
pub const BULK_CONFIRM_ABOVE: u64 = 10;

/// What "End all matching sessions" would end: how many, and the first few as the board lists
/// them, so the person sees what the filter really caught before ending it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkPreview {
    /// Exact: every live session that passes the filter, the caller's current one excepted.
    pub count: u64,
    pub sample: Vec<SessionView>,
}

impl BulkPreview {
    /// The words a person types to confirm ending `count` sessions, when it asks for them.
    pub fn confirmation(count: u64) -> Option<String> {
        (count > BULK_CONFIRM_ABOVE).then(|| format!("end {count} sessions"))
    }
}

/// How far a bulk termination has got, as every server reads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulkProgress {
    pub id: BulkTerminationId,
    /// How many matched when it began.
    pub expected: u64,
    /// How many it has ended so far (a session that ended by itself meanwhile is not counted).
    pub ended: u64,
    pub started_at: Timestamp,
    /// The last batch's commit.
    pub updated_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    /// Why it stopped short, when it did.
    pub error: Option<String>,
}

impl BulkProgress {
    /// No batch for this long, unfinished: the server running it stopped (restarted, or
    /// killed). What it ended stays ended; starting again ends the rest.
    pub const STALLED_AFTER_MILLIS: i64 = 60_000;

    pub fn is_stalled(&self, now: Timestamp) -> bool {
        self.finished_at.is_none() && now.0 - self.updated_at.0 > Self::STALLED_AFTER_MILLIS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_than_ten_sessions_ask_for_the_count_typed_out_and_ten_or_fewer_do_not() {
        assert_eq!(BulkPreview::confirmation(0), None);
        assert_eq!(BulkPreview::confirmation(10), None);
        assert_eq!(
            BulkPreview::confirmation(11).as_deref(),
            Some("end 11 sessions")
        );
        assert_eq!(
            BulkPreview::confirmation(37).as_deref(),
            Some("end 37 sessions")
        );
    }

    #[test]
    fn a_country_filter_is_two_letters_in_either_case_and_nothing_else() {
        assert_eq!(country_code("nl").as_deref(), Ok("NL"));
        assert_eq!(country_code(" US ").as_deref(), Ok("US"));
        for not_a_code in ["", "N", "NLD", "N1", "ÑL", "Netherlands", "--"] {
            assert!(country_code(not_a_code).is_err(), "{not_a_code:?}");
        }
    }

    #[test]
    fn a_device_filter_names_a_kind_exactly_or_is_no_filter() {
        for kind in DeviceKind::ALL {
            assert_eq!(DeviceKind::named(kind.as_str()), Some(kind));
        }
        assert_eq!(DeviceKind::named("Phone"), None);
        assert_eq!(DeviceKind::named("toaster"), None);
    }
}
