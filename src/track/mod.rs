//! What a session records about where it comes from: client IP, device and location.

pub mod client_ip;
pub mod flags;
pub mod geoip;
pub mod user_agent;

use std::net::IpAddr;
use std::sync::Arc;

pub use client_ip::{ClientIpHeader, TrustedProxies};
pub use geoip::GeoIp;
pub use user_agent::UserAgentTracker;

use crate::model::{Device, Location};
use flags::Coordinates;

/// The user-agent parser and GeoIP databases, loaded once and shared by every request.
pub struct Tracker {
    pub user_agents: Arc<UserAgentTracker>,
    pub geoip: GeoIp,
}

/// What we learned about a device at sign-in.
#[derive(Clone, Debug)]
pub struct Observation {
    pub ip: IpAddr,
    pub user_agent: String,
    pub device: Arc<Device>,
    pub location: Location,
    /// The GeoIP position, for "impossible travel"; `None` whenever `location` is not known
    /// (and so when the account stores no location).
    pub coordinates: Option<Coordinates>,
}

impl Tracker {
    /// Device and OS are always recorded; the location only when `with_location` (the
    /// account's "store geolocation information" setting).
    pub fn observe(&self, ip: IpAddr, user_agent: &str, with_location: bool) -> Observation {
        let ip = ip.to_canonical();
        let (location, coordinates) = if with_location {
            self.geoip.position(ip)
        } else {
            (Location::Unknown, None)
        };
        // Control characters (NUL above all, which PostgreSQL cannot store) come only from
        // hostile clients: drop them before anything is parsed or kept.
        let user_agent: String = user_agent::truncate_user_agent(user_agent)
            .chars()
            .filter(|c| !c.is_control())
            .collect();
        Observation {
            ip,
            device: self.user_agents.parse(&user_agent),
            user_agent,
            location,
            coordinates,
        }
    }
}
