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

/// The signed-in person, as the UI needs to know them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub user_id: UserId,
    pub name: String,
    pub email: String,
    pub account_id: AccountId,
    pub account_name: String,
}

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
