//! IP address to approximate location, from a MaxMind-format (`.mmdb`) database.
//!
//! Two record layouts are understood, told apart per record rather than by file name:
//! - MaxMind's GeoIP2/GeoLite2 City schema (nested: `city.names.en`, `country.iso_code`,
//!   `subdivisions[0].names.en`);
//! - the flat schema of the `@ip-location-db` packages (`city`, `state1`, `country_code`).

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use maxminddb::{Mmap, Reader};
use serde::Deserialize;

use super::flags::Coordinates;
use crate::error::{Error, Result};
use crate::model::Location;

/// One or more databases, searched in order; the first with a match wins. Several files are
/// needed for the `@ip-location-db` packages, which ship IPv4 and IPv6 separately.
pub struct GeoIp {
    readers: Vec<(PathBuf, Reader<Mmap>)>,
}

impl GeoIp {
    /// A locator that knows no places: every public address is "Unknown location".
    pub fn none() -> Self {
        Self {
            readers: Vec::new(),
        }
    }

    /// Opens every file, failing with a message that names the file that could not be read.
    pub fn open(paths: &[PathBuf]) -> Result<Self> {
        let readers = paths
            .iter()
            .map(|path| open_one(path).map(|reader| (path.clone(), reader)))
            .collect::<Result<_>>()?;
        Ok(Self { readers })
    }

    pub fn is_empty(&self) -> bool {
        self.readers.is_empty()
    }

    pub fn files(&self) -> impl Iterator<Item = &Path> {
        self.readers.iter().map(|(path, _)| path.as_path())
    }

    /// Where an address is. Never fails: errors in a database record are logged and read as
    /// "Unknown location", never as a wrong place.
    pub fn locate(&self, ip: IpAddr) -> Location {
        self.position(ip).0
    }

    /// Where an address is, and its coordinates when the database gives them.
    pub fn position(&self, ip: IpAddr) -> (Location, Option<Coordinates>) {
        let ip = ip.to_canonical();
        if Location::is_local_address(ip) {
            return (Location::LocalNetwork, None);
        }
        for (path, reader) in &self.readers {
            // An IPv4-only file errors on IPv6 addresses; that just means "look elsewhere".
            let Ok(result) = reader.lookup(ip) else {
                continue;
            };
            match result.decode::<Record>() {
                Ok(Some(record)) => {
                    let coordinates = record.coordinates();
                    if let Some(location) = record.into_location() {
                        return (location, coordinates);
                    }
                }
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!(%error, file = %path.display(), "unreadable GeoIP record");
                }
            }
        }
        (Location::Unknown, None)
    }
}

fn open_one(path: &Path) -> Result<Reader<Mmap>> {
    // SAFETY: the file is mapped read-only. Replacing it in place while the server runs would be
    // undefined behaviour; operators replace database files by renaming a new file over the old
    // one (which leaves this mapping on the old inode) and restarting, as MaxMind's updater does.
    let reader = unsafe { Reader::open_mmap(path) }.map_err(|error| {
        Error::Config(format!(
            "cannot open GeoIP database {}: {error}",
            path.display()
        ))
    })?;
    Ok(reader)
}

/// The union of both schemas' fields we use; serde ignores everything else.
#[derive(Deserialize, Default)]
struct Record {
    city: Option<Place>,
    country: Option<Place>,
    #[serde(default)]
    subdivisions: Vec<Place>,
    /// MaxMind schema: `location.latitude`, `.longitude`, `.accuracy_radius` (km).
    location: Option<Position>,
    // Flat schema only.
    state1: Option<String>,
    country_code: Option<String>,
    latitude: Option<Number>,
    longitude: Option<Number>,
}

#[derive(Deserialize, Default)]
struct Position {
    latitude: Option<Number>,
    longitude: Option<Number>,
    accuracy_radius: Option<Number>,
}

/// A number of whichever width the database stored it in. The decoder is strict (a `u32`
/// field refuses a `uint16`; an `f64` field a 32-bit `float`), and databases differ: MaxMind's
/// give doubles and a `uint16` radius, `@ip-location-db`'s 32-bit floats.
#[derive(Clone, Copy)]
struct Number(f64);

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Number;
            fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
                formatter.write_str("a number")
            }
            fn visit_f64<E>(self, value: f64) -> Result<Number, E> {
                Ok(Number(value))
            }
            fn visit_f32<E>(self, value: f32) -> Result<Number, E> {
                Ok(Number(f64::from(value)))
            }
            fn visit_u64<E>(self, value: u64) -> Result<Number, E> {
                Ok(Number(value as f64))
            }
            fn visit_i64<E>(self, value: i64) -> Result<Number, E> {
                Ok(Number(value as f64))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// A place is a plain string in the flat schema and a map of localised names in MaxMind's.
#[derive(Deserialize)]
#[serde(untagged)]
enum Place {
    Flat(String),
    Named {
        #[serde(default)]
        names: BTreeMap<String, String>,
        iso_code: Option<String>,
    },
}

impl Place {
    fn name(&self) -> Option<String> {
        match self {
            Self::Flat(name) => Some(name.clone()),
            Self::Named { names, .. } => names.get("en").cloned(),
        }
        .filter(|name| !name.is_empty())
    }

    fn iso_code(&self) -> Option<String> {
        match self {
            Self::Flat(_) => None,
            Self::Named { iso_code, .. } => iso_code.clone(),
        }
    }
}

fn non_empty(text: Option<String>) -> Option<String> {
    text.filter(|text| !text.is_empty())
}

impl Record {
    fn coordinates(&self) -> Option<Coordinates> {
        let nested = self.location.as_ref();
        let latitude = nested.and_then(|p| p.latitude).or(self.latitude)?.0;
        let longitude = nested.and_then(|p| p.longitude).or(self.longitude)?.0;
        let accuracy = nested.and_then(|p| p.accuracy_radius);
        Some(Coordinates {
            latitude,
            longitude,
            // Radii are whole kilometres; anything else is no radius.
            accuracy_km: accuracy.and_then(|km| {
                (km.0.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&km.0))
                    .then_some(km.0 as u32)
            }),
        })
    }

    fn into_location(self) -> Option<Location> {
        let city = self.city.as_ref().and_then(Place::name);
        let region =
            non_empty(self.state1).or_else(|| self.subdivisions.first().and_then(Place::name));
        let country_code = non_empty(self.country_code)
            .or_else(|| self.country.as_ref().and_then(Place::iso_code))
            .filter(|code| code.len() == 2);
        let country_name = self.country.as_ref().and_then(|country| match country {
            Place::Named { .. } => country.name(),
            Place::Flat(_) => None,
        });
        if city.is_none() && country_code.is_none() && country_name.is_none() {
            return None;
        }
        Some(Location::Known {
            city,
            region,
            country_code,
            country_name,
        })
    }
}
