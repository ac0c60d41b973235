//! Plain types shared by the server and the browser.
//!
//! Nothing here depends on a database, a web framework or the server's tracking data, so this
//! module compiles to WebAssembly and the UI renders exactly what the engine returns.

use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// A session's public identifier: safe to show and to send back, it grants nothing by itself.
    SessionId
);
id_type!(
    /// A person who signs in.
    UserId
);
id_type!(
    /// A tenant: a customer's account, or a sales representative's personal one.
    AccountId
);
id_type!(
    /// A registered application (web app, mobile app, API client) that sessions are created for.
    ApplicationId
);

/// A moment in time, in milliseconds since the Unix epoch (UTC).
///
/// Stored as a plain integer in both SQLite and PostgreSQL: it compares and indexes the same way
/// in both, has no time-zone ambiguity, and lets tests set the clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub const fn from_millis(millis: i64) -> Self {
        Self(millis)
    }

    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// The current wall-clock time.
    #[cfg(feature = "ssr")]
    pub fn now() -> Self {
        let since_epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Self(i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX))
    }

    pub fn plus(self, duration: std::time::Duration) -> Self {
        let millis = i64::try_from(duration.as_millis()).unwrap_or(i64::MAX);
        Self(self.0.saturating_add(millis))
    }

    pub fn minus(self, duration: std::time::Duration) -> Self {
        let millis = i64::try_from(duration.as_millis()).unwrap_or(i64::MAX);
        Self(self.0.saturating_sub(millis))
    }

    /// "2026-11-23 14:05 UTC": the same text on the server and in the browser, so a server-rendered
    /// page and its hydrated copy agree.
    pub fn to_utc_string(self) -> String {
        self.format_utc(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute] UTC"
        ))
    }

    /// "2026-11-23 14:05", for columns whose heading says "UTC".
    pub fn to_short_utc_string(self) -> String {
        self.format_utc(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute]"
        ))
    }

    /// "just now", "5 minutes ago", "3 hours ago", "2 days ago", or the date for anything older
    /// than a month, as seen at `now`.
    pub fn relative_to(self, now: Timestamp) -> String {
        let seconds = (now.0 - self.0) / 1000;
        let plural = |n: i64, unit: &str| {
            if n == 1 {
                format!("1 {unit} ago")
            } else {
                format!("{n} {unit}s ago")
            }
        };
        match seconds {
            ..45 => "just now".to_owned(),
            45..3_600 => plural((seconds + 30) / 60, "minute"),
            3_600..86_400 => plural(seconds / 3_600, "hour"),
            86_400..2_592_000 => plural(seconds / 86_400, "day"),
            _ => self.format_utc(time::macros::format_description!("[year]-[month]-[day]")),
        }
    }

    /// RFC 3339, for `<time datetime=…>`.
    pub fn to_rfc3339(self) -> String {
        self.format_utc(&time::format_description::well_known::Rfc3339)
    }

    fn format_utc(self, format: &(impl time::formatting::Formattable + ?Sized)) -> String {
        let nanos = i128::from(self.0) * 1_000_000;
        time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
            .ok()
            .and_then(|moment| moment.format(format).ok())
            .unwrap_or_else(|| "—".to_owned())
    }
}

/// What kind of device a session runs on, judged from its user agent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    Desktop,
    Phone,
    Tablet,
    Bot,
    Other,
}

impl DeviceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Desktop => "desktop",
            Self::Phone => "phone",
            Self::Tablet => "tablet",
            Self::Bot => "bot",
            Self::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Self {
        match text {
            "desktop" => Self::Desktop,
            "phone" => Self::Phone,
            "tablet" => Self::Tablet,
            "bot" => Self::Bot,
            _ => Self::Other,
        }
    }
}

/// The device, operating system and browser a session was created from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Device {
    pub kind: DeviceKind,
    /// e.g. "iPhone", "Samsung SM-S918B"; `None` for an ordinary computer.
    pub model: Option<String>,
    pub os: String,
    pub os_version: Option<String>,
    pub browser: String,
    pub browser_version: Option<String>,
}

impl Device {
    /// "Windows 10", "iOS 17.1", "Linux", or "Unknown OS".
    pub fn os_label(&self) -> String {
        join_version(known_or(&self.os, "Unknown OS"), self.os_version.as_deref())
    }

    /// "Chrome 120.0.0", "Mobile Safari 17.1", or "Unknown browser".
    pub fn browser_label(&self) -> String {
        join_version(
            known_or(&self.browser, "Unknown browser"),
            self.browser_version.as_deref(),
        )
    }
}

/// uap-core says "Other" for what it does not recognise.
fn known_or<'a>(name: &'a str, unknown: &'a str) -> &'a str {
    if name == "Other" || name.is_empty() {
        unknown
    } else {
        name
    }
}

fn join_version(name: &str, version: Option<&str>) -> String {
    match version {
        Some(version) if !version.is_empty() => format!("{name} {version}"),
        _ => name.to_owned(),
    }
}

/// Where a session was approximately created from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Location {
    /// Found in the GeoIP database.
    Known {
        city: Option<String>,
        region: Option<String>,
        /// ISO 3166-1 alpha-2, e.g. "DE".
        country_code: Option<String>,
        country_name: Option<String>,
    },
    /// A private, loopback or link-local address: no city would be true.
    LocalNetwork,
    /// No database, no match, or the account does not store geolocation.
    Unknown,
}

impl Location {
    /// "Berlin, Land Berlin, Germany", "Local network" or "Unknown location".
    pub fn label(&self) -> String {
        match self {
            Self::Known {
                city,
                region,
                country_code,
                country_name,
            } => {
                let country = country_name.as_ref().or(country_code.as_ref());
                let parts: Vec<&str> = [city.as_ref(), region.as_ref(), country]
                    .into_iter()
                    .flatten()
                    .map(String::as_str)
                    .filter(|part| !part.is_empty())
                    .collect();
                if parts.is_empty() {
                    "Unknown location".to_owned()
                } else {
                    parts.join(", ")
                }
            }
            Self::LocalNetwork => "Local network".to_owned(),
            Self::Unknown => "Unknown location".to_owned(),
        }
    }

    /// Whether an address can have a place on the map at all.
    pub fn is_local_address(ip: IpAddr) -> bool {
        match ip {
            IpAddr::V4(v4) => {
                v4.is_private()
                    || v4.is_loopback()
                    || v4.is_link_local()
                    || v4.is_unspecified()
                    || v4.is_broadcast()
                    // 100.64.0.0/10, carrier-grade NAT: shared, not locatable.
                    || (v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64)
            }
            IpAddr::V6(v6) => {
                if let Some(v4) = v6.to_ipv4_mapped() {
                    return Self::is_local_address(IpAddr::V4(v4));
                }
                let first = v6.segments()[0];
                v6.is_loopback()
                    || v6.is_unspecified()
                    || (first & 0xfe00) == 0xfc00 // unique local fc00::/7
                    || (first & 0xffc0) == 0xfe80 // link-local fe80::/10
            }
        }
    }
}

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

id_type!(
    /// One sales representative's stretch of acting as a customer user.
    ImpersonationId
);
id_type!(
    /// One sign-in attempt in the sign-in history.
    LoginRecordId
);
id_type!(
    /// An application's API key (the id, not the secret).
    ApiKeyId
);

/// A person's role in one account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Employee,
    Owner,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Employee => "employee",
            Self::Owner => "owner",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "employee" => Some(Self::Employee),
            "owner" => Some(Self::Owner),
            _ => None,
        }
    }
}

/// An account a person belongs to, and their role there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub account_id: AccountId,
    pub account_name: String,
    pub role: Role,
}

/// Who is really at the keyboard while a sales representative acts as a customer user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Impersonator {
    pub user_id: UserId,
    pub name: String,
}

/// The signed-in person as the UI needs to know them. While a sales representative acts as a
/// customer, this is the customer, and `impersonator` says who is really acting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub user_id: UserId,
    pub name: String,
    pub email: String,
    /// The account this session is signed in to.
    pub account_id: AccountId,
    pub account_name: String,
    pub memberships: Vec<Membership>,
    pub is_platform_admin: bool,
    pub is_sales_rep: bool,
    pub impersonator: Option<Impersonator>,
}

impl Viewer {
    /// Accounts whose sessions this person may see as an account owner.
    pub fn owned_accounts(&self) -> impl Iterator<Item = &Membership> {
        self.memberships
            .iter()
            .filter(|membership| membership.role == Role::Owner)
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
/// Most rows one page may hold.
pub const MAX_PAGE_SIZE: u32 = 200;

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

/// Where a page of a list starts: after this (time, id), newest first. Opaque to clients,
/// which get it as text from one page and hand it back for the next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cursor {
    pub at: Timestamp,
    pub id: i64,
}

impl Cursor {
    pub fn encode(&self) -> String {
        format!("{}.{}", self.at.0, self.id)
    }

    /// `None` for anything that is not a cursor we made.
    pub fn parse(text: &str) -> Option<Self> {
        if text.len() > 41 {
            return None;
        }
        let (at, id) = text.split_once('.')?;
        Some(Self {
            at: Timestamp(at.parse().ok()?),
            id: id.parse().ok()?,
        })
    }
}

impl Serialize for Cursor {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.encode())
    }
}

impl<'de> Deserialize<'de> for Cursor {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).ok_or_else(|| serde::de::Error::custom("invalid cursor"))
    }
}

/// Which page of a list, and how long.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRequest {
    pub after: Option<Cursor>,
    pub limit: u32,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            after: None,
            limit: 50,
        }
    }
}

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

/// A customer user a sales representative can act as, in one of their accounts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerUser {
    pub user_id: UserId,
    pub name: String,
    pub email: String,
    pub account_id: AccountId,
    pub account_name: String,
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

/// One page of a list, and where the next starts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<Cursor>,
}

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

/// A cursor travels as an opaque string.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Cursor {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("Opaque: pass it back as `after` for the next page."))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Cursor {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_render_identically_everywhere_in_utc() {
        assert_eq!(
            Timestamp::from_millis(1_795_000_000_000).to_utc_string(),
            "2026-11-18 11:06 UTC"
        );
        assert_eq!(
            Timestamp::from_millis(1_795_000_000_000).to_rfc3339(),
            "2026-11-18T11:06:40Z"
        );
    }

    #[test]
    fn relative_times_read_like_a_person_would_say_them() {
        let now = Timestamp::from_millis(1_795_000_000_000);
        let ago = |seconds: i64| Timestamp(now.0 - seconds * 1000).relative_to(now);
        assert_eq!(ago(-5), "just now", "clock skew");
        assert_eq!(ago(10), "just now");
        assert_eq!(ago(60), "1 minute ago");
        assert_eq!(ago(5 * 60), "5 minutes ago");
        assert_eq!(ago(3 * 3600 + 59), "3 hours ago");
        assert_eq!(ago(86_400), "1 day ago");
        assert_eq!(ago(12 * 86_400), "12 days ago");
        assert_eq!(ago(45 * 86_400), "2026-10-04");
    }

    #[test]
    fn location_labels_skip_missing_parts_and_prefer_country_names() {
        let known = Location::Known {
            city: Some("London".into()),
            region: None,
            country_code: Some("GB".into()),
            country_name: Some("United Kingdom".into()),
        };
        assert_eq!(known.label(), "London, United Kingdom");
        let code_only = Location::Known {
            city: Some("Mountain View".into()),
            region: Some("California".into()),
            country_code: Some("US".into()),
            country_name: None,
        };
        assert_eq!(code_only.label(), "Mountain View, California, US");
        let empty = Location::Known {
            city: None,
            region: None,
            country_code: None,
            country_name: None,
        };
        assert_eq!(empty.label(), "Unknown location");
        assert_eq!(Location::LocalNetwork.label(), "Local network");
    }

    #[test]
    fn private_and_loopback_addresses_are_local() {
        for local in [
            "10.1.2.3",
            "192.168.0.10",
            "172.16.5.4",
            "127.0.0.1",
            "169.254.1.1",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:192.168.1.1",
        ] {
            assert!(
                Location::is_local_address(local.parse().unwrap()),
                "{local}"
            );
        }
        for public in [
            "81.2.69.142",
            "8.8.8.8",
            "2001:4860:4860::8888",
            "::ffff:8.8.8.8",
        ] {
            assert!(
                !Location::is_local_address(public.parse().unwrap()),
                "{public}"
            );
        }
    }

    #[test]
    fn cursors_round_trip_and_reject_anything_else() {
        let cursor = Cursor {
            at: Timestamp(1_795_000_000_000),
            id: 42,
        };
        assert_eq!(Cursor::parse(&cursor.encode()), Some(cursor));
        let long = "9".repeat(100);
        for bad in [
            "",
            "1",
            "a.b",
            "1.2.3",
            "1.",
            ".1",
            long.as_str(),
            "99999999999999999999.1",
        ] {
            assert_eq!(Cursor::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn device_labels_include_versions_when_known() {
        let device = Device {
            kind: DeviceKind::Desktop,
            model: None,
            os: "Windows".into(),
            os_version: Some("10".into()),
            browser: "Chrome".into(),
            browser_version: None,
        };
        assert_eq!(device.os_label(), "Windows 10");
        assert_eq!(device.browser_label(), "Chrome");
        let unknown = Device {
            os: "Other".into(),
            os_version: None,
            browser: "Other".into(),
            ..device
        };
        assert_eq!(unknown.os_label(), "Unknown OS");
        assert_eq!(unknown.browser_label(), "Unknown browser");
    }
}
