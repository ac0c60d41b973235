//! Paging: which page of a list to fetch, and one page with where the next starts.

use serde::{Deserialize, Serialize};

use super::Timestamp;

/// Most rows one page may hold.
pub const MAX_PAGE_SIZE: u32 = 200;

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

/// One page of a list, and where the next starts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<Cursor>,
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
}
