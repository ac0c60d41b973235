//! Where a session or a sign-in attempt came from: the device and the approximate location.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

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

    pub const ALL: [Self; 5] = [
        Self::Desktop,
        Self::Phone,
        Self::Tablet,
        Self::Bot,
        Self::Other,
    ];

    /// The kind a filter names ("phone"), or `None` for anything else: unlike [`Self::parse`],
    /// which reads what was stored, a filter must not quietly become "other".
    pub fn named(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// "Computer", "Phone": a filter menu's words.
    pub fn label(self) -> &'static str {
        match self {
            Self::Desktop => "Computer",
            Self::Phone => "Phone",
            Self::Tablet => "Tablet",
            Self::Bot => "Bot",
            Self::Other => "Other device",
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
    /// The town (or else the region) and the country: "Lisbon, Portugal"; empty for an unknown
    /// or local place. What a flag's reason names.
    pub fn place(&self) -> String {
        match self {
            Self::Known {
                city,
                region,
                country_code,
                country_name,
            } => [
                city.as_ref().or(region.as_ref()),
                country_name.as_ref().or(country_code.as_ref()),
            ]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", "),
            Self::Unknown | Self::LocalNetwork => String::new(),
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;

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
