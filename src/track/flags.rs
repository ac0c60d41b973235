//! "Is this me?": what makes a new sign-in stand out from the person's own history. Pure rules
//! over what the store remembers of each person (the devices, countries and regions they
//! signed in from lately, and where and when they last signed in), so they can be tested alone
//! and computed once, at sign-in, rather than on every page view.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::model::{Device, DeviceKind, Location, SessionFlags, Timestamp};

/// How long a device, country or region stays "known" after the person last signed in with
/// or from it.
pub const MEMORY: Duration = Duration::from_secs(90 * 24 * 60 * 60);

/// The most keys (devices, countries, regions) a person's memory keeps: a client that makes up
/// a new user agent for every sign-in must not grow the row each later sign-in reads and
/// rewrites. The least recently seen go first.
pub const MAX_REMEMBERED: usize = 64;

/// Faster than an airliner: two sign-ins further apart than this allows were not made by one
/// person travelling.
pub const IMPOSSIBLE_KM_PER_HOUR: f64 = 1_000.0;

/// GeoIP positions less precise than this say little about where someone is (a country's
/// centre, a large mobile network): they never count as travel.
pub const COARSE_ACCURACY_KM: u32 = 200;

/// Two places closer than this are one place as far as GeoIP can tell (neighbouring cities
/// of one network): never travel, however short the time between them.
const SAME_PLACE_KM: f64 = 100.0;

/// A GeoIP position.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Coordinates {
    pub latitude: f64,
    pub longitude: f64,
    /// The database's accuracy radius, when it gives one.
    pub accuracy_km: Option<u32>,
}

impl Coordinates {
    /// Whether the position says where someone is precisely enough to measure travel.
    fn is_precise(&self) -> bool {
        self.latitude.is_finite()
            && self.longitude.is_finite()
            && self.latitude.abs() <= 90.0
            && self.longitude.abs() <= 180.0
            && self.accuracy_km.is_none_or(|km| km <= COARSE_ACCURACY_KM)
    }

    /// Great-circle distance (haversine, on a sphere of the Earth's mean radius).
    pub fn distance_km(&self, other: &Self) -> f64 {
        const EARTH_RADIUS_KM: f64 = 6_371.0;
        let (lat1, lat2) = (self.latitude.to_radians(), other.latitude.to_radians());
        let dlat = lat2 - lat1;
        let dlon = (other.longitude - self.longitude).to_radians();
        let a = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
    }
}

/// What the store remembers of a person's sign-ins, as of a new one.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Memory {
    /// Whether they ever signed in before (a first sign-in is never flagged).
    pub signed_in_before: bool,
    /// [`device_key`]s, countries and `country/region` keys seen within [`MEMORY`].
    pub devices: Vec<String>,
    pub countries: Vec<String>,
    pub regions: Vec<String>,
    /// Their previous sign-in's time and position, when it had one.
    pub last: Option<(Timestamp, Coordinates)>,
    /// [`seen_keys`] the next sign-in's write drops: seen only before [`MEMORY`], or the
    /// least recently seen beyond [`MAX_REMEMBERED`].
    pub forgotten: Vec<String>,
}

impl Memory {
    /// The memory of someone who signed in before, from what the store keeps of them: every
    /// [`seen_keys`] key with when it was last seen (in milliseconds), and their previous
    /// sign-in's time and position. Keys last seen before `since` are no longer known.
    pub fn recall(
        seen: BTreeMap<String, i64>,
        last: Option<(Timestamp, Coordinates)>,
        since: Timestamp,
    ) -> Self {
        let mut memory = Self {
            signed_in_before: true,
            last,
            ..Self::default()
        };
        let mut by_recency: Vec<(String, i64)> = seen.into_iter().collect();
        by_recency.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        for (rank, (key, at)) in by_recency.into_iter().enumerate() {
            if at < since.0 || rank >= MAX_REMEMBERED {
                memory.forgotten.push(key);
                continue;
            }
            // A kind this version does not know is neither compared nor dropped.
            let Some((kind, value)) = key.split_once(':') else {
                continue;
            };
            let list = match kind {
                "device" => &mut memory.devices,
                "country" => &mut memory.countries,
                "region" => &mut memory.regions,
                _ => continue,
            };
            list.push(value.to_owned());
        }
        memory
    }
}

/// What a sign-in adds to its person's memory: `device:<device_key>`, and with a known place
/// `country:<code>` and `region:<code/region>`.
pub fn seen_keys(device: &Device, location: &Location) -> Vec<String> {
    let (country, region) = place_keys(location);
    std::iter::once(format!("device:{}", device_key(device)))
        .chain(country.map(|country| format!("country:{country}")))
        .chain(region.map(|region| format!("region:{region}")))
        .collect()
}

/// Where a new sign-in comes from.
#[derive(Clone, Copy, Debug)]
pub struct Origin<'a> {
    pub device: &'a Device,
    /// `Unknown` when the account stores no location.
    pub location: &'a Location,
    pub coordinates: Option<Coordinates>,
    pub at: Timestamp,
}

/// The device as the "new device" rule compares it: OS family and browser family, and for
/// phones and tablets the model. Versions change with every update and must not count.
pub fn device_key(device: &Device) -> String {
    let model = match device.kind {
        DeviceKind::Phone | DeviceKind::Tablet => device.model.as_deref().unwrap_or(""),
        _ => "",
    };
    format!("{}|{}|{model}", device.os, device.browser)
}

/// A location's country code (or name) and `country/region`, when it has them.
pub fn place_keys(location: &Location) -> (Option<String>, Option<String>) {
    match location {
        Location::Known {
            region,
            country_code,
            country_name,
            ..
        } => {
            let country = country_code.clone().or_else(|| country_name.clone());
            let region = match (&country, region) {
                (Some(country), Some(region)) => Some(format!("{country}/{region}")),
                _ => None,
            };
            (country, region)
        }
        Location::Unknown | Location::LocalNetwork => (None, None),
    }
}

/// The flags of a new sign-in, with the reason for each in words.
pub fn flags(memory: &Memory, origin: Origin<'_>) -> SessionFlags {
    let mut flags = SessionFlags::default();
    if !memory.signed_in_before {
        return flags;
    }
    let mut why = Vec::new();
    if !memory.devices.contains(&device_key(origin.device)) {
        flags.new_device = true;
        why.push(format!(
            "first sign-in with {} on {}",
            origin.device.browser, origin.device.os
        ));
    }
    let (country, region) = place_keys(origin.location);
    let place = origin.location.place();
    if let Some(country) = &country {
        if !memory.countries.contains(country) {
            flags.new_country = true;
            why.push(format!("first sign-in from {place}"));
        } else if let Some(region) = &region
            && !memory.regions.contains(region)
        {
            flags.new_region = true;
            why.push(format!("first sign-in from {place}"));
        }
    }
    if let (Some((then, before)), Some(now)) = (memory.last, origin.coordinates)
        && let Some(speed) = travel_speed(then, &before, origin.at, &now)
        && speed > IMPOSSIBLE_KM_PER_HOUR
    {
        flags.impossible_travel = true;
        let km = before.distance_km(&now);
        why.push(format!(
            "{km:.0} km from the previous sign-in {} earlier",
            elapsed(then, origin.at)
        ));
    }
    flags.why = why.join("; ");
    flags
}

/// Km/h needed to get from one sign-in to the next, or `None` when the positions cannot tell
/// (imprecise, or one place as far as GeoIP knows).
fn travel_speed(
    then: Timestamp,
    before: &Coordinates,
    now: Timestamp,
    after: &Coordinates,
) -> Option<f64> {
    if !before.is_precise() || !after.is_precise() {
        return None;
    }
    let km = before.distance_km(after);
    if km < SAME_PLACE_KM {
        return None;
    }
    // Sign-ins in the same millisecond (or out of order) are as fast as it gets.
    let hours = ((now.0 - then.0).max(1) as f64) / 3_600_000.0;
    Some(km / hours)
}

/// "35 minutes", "3 hours".
fn elapsed(from: Timestamp, to: Timestamp) -> String {
    let minutes = (to.0 - from.0).max(0) / 60_000;
    match minutes {
        0 => "less than a minute".to_owned(),
        1 => "1 minute".to_owned(),
        2..=119 => format!("{minutes} minutes"),
        _ => format!("{} hours", minutes / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LISBON: Coordinates = Coordinates {
        latitude: 38.72,
        longitude: -9.14,
        accuracy_km: Some(20),
    };
    const BERLIN: Coordinates = Coordinates {
        latitude: 52.52,
        longitude: 13.40,
        accuracy_km: Some(20),
    };
    const POTSDAM: Coordinates = Coordinates {
        latitude: 52.39,
        longitude: 13.06,
        accuracy_km: Some(20),
    };
    const HOUR: i64 = 3_600_000;

    fn device(os: &str, browser: &str, kind: DeviceKind, model: Option<&str>) -> Device {
        Device {
            kind,
            model: model.map(str::to_owned),
            os: os.to_owned(),
            os_version: None,
            browser: browser.to_owned(),
            browser_version: None,
        }
    }

    fn place(city: &str, region: &str, code: &str, name: &str) -> Location {
        Location::Known {
            city: Some(city.to_owned()),
            region: Some(region.to_owned()),
            country_code: Some(code.to_owned()),
            country_name: Some(name.to_owned()),
        }
    }

    /// Someone who signs in with Firefox on Ubuntu from Berlin.
    fn berliner(last: Option<(Timestamp, Coordinates)>) -> Memory {
        let firefox = device("Ubuntu", "Firefox", DeviceKind::Desktop, None);
        Memory {
            signed_in_before: true,
            devices: vec![device_key(&firefox)],
            countries: vec!["DE".to_owned()],
            regions: vec!["DE/Berlin".to_owned()],
            last,
            forgotten: Vec::new(),
        }
    }

    #[test]
    fn the_rules_as_a_table() {
        let firefox = device("Ubuntu", "Firefox", DeviceKind::Desktop, None);
        let firefox_updated = Device {
            os_version: Some("24.04".to_owned()),
            browser_version: Some("133.0".to_owned()),
            ..firefox.clone()
        };
        let iphone = device(
            "iOS",
            "Mobile Safari",
            DeviceKind::Phone,
            Some("Apple iPhone"),
        );
        let berlin = place("Berlin", "Berlin", "DE", "Germany");
        let potsdam = place("Potsdam", "Brandenburg", "DE", "Germany");
        let lisbon = place("Lisbon", "Lisbon", "PT", "Portugal");
        let t0 = Timestamp(1_790_000_000_000);
        let later = |hours: i64| Timestamp(t0.0 + hours * HOUR);
        let coarse = Coordinates {
            accuracy_km: Some(1_000),
            ..LISBON
        };
        let nowhere = Coordinates {
            latitude: f64::NAN,
            ..LISBON
        };
        // (case, memory, device, location, coordinates, at) → (device, country, region, travel)
        type Case<'a> = (
            &'a str,
            Memory,
            &'a Device,
            &'a Location,
            Option<Coordinates>,
            Timestamp,
            (bool, bool, bool, bool),
        );
        let cases: Vec<Case> = vec![
            (
                "first sign-in ever",
                Memory::default(),
                &iphone,
                &lisbon,
                Some(LISBON),
                t0,
                (false, false, false, false),
            ),
            (
                "the usual",
                berliner(Some((t0, BERLIN))),
                &firefox,
                &berlin,
                Some(BERLIN),
                later(1),
                (false, false, false, false),
            ),
            (
                "a browser update is no new device",
                berliner(None),
                &firefox_updated,
                &berlin,
                None,
                t0,
                (false, false, false, false),
            ),
            (
                "a phone",
                berliner(None),
                &iphone,
                &berlin,
                None,
                t0,
                (true, false, false, false),
            ),
            (
                "a new region of a known country",
                berliner(Some((t0, BERLIN))),
                &firefox,
                &potsdam,
                Some(POTSDAM),
                later(1),
                (false, false, true, false),
            ),
            (
                "a new country, reachable by plane",
                berliner(Some((t0, BERLIN))),
                &firefox,
                &lisbon,
                Some(LISBON),
                later(4),
                (false, true, false, false),
            ),
            (
                "Berlin to Lisbon in an hour (a VPN)",
                berliner(Some((t0, BERLIN))),
                &firefox,
                &lisbon,
                Some(LISBON),
                later(1),
                (false, true, false, true),
            ),
            (
                "a coarse position never counts as travel",
                berliner(Some((t0, BERLIN))),
                &firefox,
                &lisbon,
                Some(coarse),
                later(1),
                (false, true, false, false),
            ),
            (
                "a broken position never counts as travel",
                berliner(Some((t0, BERLIN))),
                &firefox,
                &lisbon,
                Some(nowhere),
                later(1),
                (false, true, false, false),
            ),
            (
                "no location stored: only the device",
                berliner(Some((t0, BERLIN))),
                &iphone,
                &Location::Unknown,
                None,
                later(1),
                (true, false, false, false),
            ),
            (
                "a local network is no place",
                berliner(Some((t0, BERLIN))),
                &firefox,
                &Location::LocalNetwork,
                None,
                later(1),
                (false, false, false, false),
            ),
            (
                "neighbouring cities at once are one place",
                berliner(Some((t0, BERLIN))),
                &firefox,
                &potsdam,
                Some(POTSDAM),
                t0,
                (false, false, true, false),
            ),
        ];
        for (name, memory, device, location, coordinates, at, expected) in cases {
            let flags = flags(
                &memory,
                Origin {
                    device,
                    location,
                    coordinates,
                    at,
                },
            );
            let actual = (
                flags.new_device,
                flags.new_country,
                flags.new_region,
                flags.impossible_travel,
            );
            assert_eq!(actual, expected, "{name}: {}", flags.why);
            assert_eq!(flags.why.is_empty(), !flags.any(), "{name}: {}", flags.why);
        }
    }

    #[test]
    fn the_reasons_say_what_and_where() {
        let firefox = device("Ubuntu", "Firefox", DeviceKind::Desktop, None);
        let lisbon = place("Lisbon", "Lisbon", "PT", "Portugal");
        let t0 = Timestamp(1_790_000_000_000);
        let origin = Origin {
            device: &firefox,
            location: &lisbon,
            coordinates: Some(LISBON),
            at: Timestamp(t0.0 + HOUR / 2),
        };
        let why = flags(&berliner(Some((t0, BERLIN))), origin).why;
        assert_eq!(
            why,
            "first sign-in from Lisbon, Portugal; 2312 km from the previous sign-in 30 minutes earlier"
        );
    }

    #[test]
    fn distances_hold_across_the_date_line_and_at_the_poles() {
        let fiji = Coordinates {
            latitude: -17.7,
            longitude: 178.0,
            accuracy_km: None,
        };
        let samoa = Coordinates {
            latitude: -13.8,
            longitude: -172.1,
            accuracy_km: None,
        };
        let km = fiji.distance_km(&samoa);
        assert!((1_100.0..1_200.0).contains(&km), "{km}");
        let north = Coordinates {
            latitude: 90.0,
            longitude: 0.0,
            accuracy_km: None,
        };
        let also_north = Coordinates {
            longitude: 120.0,
            ..north
        };
        assert!(north.distance_km(&also_north) < 0.001);
        assert!((LISBON.distance_km(&BERLIN) - 2_310.0).abs() < 10.0);
        // Across the date line in 30 minutes is too fast; in 3 hours it is a flight.
        let t0 = Timestamp(0);
        assert!(travel_speed(t0, &fiji, Timestamp(HOUR / 2), &samoa).unwrap() > 1_000.0);
        assert!(travel_speed(t0, &fiji, Timestamp(3 * HOUR), &samoa).unwrap() < 1_000.0);
    }

    #[test]
    fn what_was_seen_within_ninety_days_is_known_and_older_keys_are_forgotten() {
        let day = 24 * HOUR;
        let now = Timestamp(200 * day);
        let since = now.minus(MEMORY);
        let seen = BTreeMap::from([
            ("device:Ubuntu|Firefox|".to_owned(), now.0 - day),
            ("device:Windows|Edge|".to_owned(), now.0 - 91 * day),
            ("country:DE".to_owned(), now.0 - 89 * day),
            ("region:DE/Berlin".to_owned(), now.0 - day),
            ("later-kind:x".to_owned(), now.0 - day),
        ]);
        let memory = Memory::recall(seen, None, since);
        assert!(memory.signed_in_before);
        assert_eq!(memory.devices, ["Ubuntu|Firefox|"]);
        assert_eq!(memory.countries, ["DE"]);
        assert_eq!(memory.regions, ["DE/Berlin"]);
        assert_eq!(memory.forgotten, ["device:Windows|Edge|"]);
    }

    #[test]
    fn a_memory_keeps_only_the_most_recently_seen_keys() {
        let now = Timestamp(1_000_000);
        let seen: BTreeMap<String, i64> = (0..MAX_REMEMBERED as i64 + 10)
            .map(|i| (format!("device:made-up {i}|x|"), now.0 - i))
            .collect();
        let memory = Memory::recall(seen, None, Timestamp(0));
        assert_eq!(memory.devices.len(), MAX_REMEMBERED);
        assert!(memory.devices.contains(&"made-up 0|x|".to_owned()));
        assert_eq!(memory.forgotten.len(), 10);
        assert!(
            memory
                .forgotten
                .contains(&format!("device:made-up {}|x|", MAX_REMEMBERED + 9))
        );
    }

    #[test]
    fn a_sign_in_remembers_its_device_and_known_place_only() {
        let firefox = device("Ubuntu", "Firefox", DeviceKind::Desktop, None);
        let berlin = place("Berlin", "Berlin", "DE", "Germany");
        assert_eq!(
            seen_keys(&firefox, &berlin),
            ["device:Ubuntu|Firefox|", "country:DE", "region:DE/Berlin"]
        );
        assert_eq!(
            seen_keys(&firefox, &Location::LocalNetwork),
            ["device:Ubuntu|Firefox|"]
        );
    }
}
