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
        let ip = ip.to_canonical();
        if Location::is_local_address(ip) {
            return Location::LocalNetwork;
        }
        for (path, reader) in &self.readers {
            // An IPv4-only file errors on IPv6 addresses; that just means "look elsewhere".
            let Ok(result) = reader.lookup(ip) else {
                continue;
            };
            match result.decode::<Record>() {
                Ok(Some(record)) => {
                    if let Some(location) = record.into_location() {
                        return location;
                    }
                }
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!(%error, file = %path.display(), "unreadable GeoIP record");
                }
            }
        }
        Location::Unknown
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
    // Flat schema only.
    state1: Option<String>,
    country_code: Option<String>,
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
