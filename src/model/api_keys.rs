//! API keys as the admin page lists them, and what each may do.

use serde::{Deserialize, Serialize};

use super::{ApiKeyId, Timestamp};

/// What an API key may do beyond validating, listing and ending its own devices' sessions.
/// Each power is granted by a platform admin when the key is made; none implies another.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyPowers {
    /// Sees and ends sessions in every account, like a platform admin, and keeps the
    /// directory in step.
    pub platform_wide: bool,
    /// Signs its application's people in without a password (the product it belongs to has
    /// checked theirs) and makes sign-in links into Sessionboard's pages for them.
    pub trusted: bool,
    /// Creates, changes and deactivates accounts, people and memberships through the
    /// directory API.
    pub directory: bool,
}

impl KeyPowers {
    /// An ordinary application key: its own devices' sessions only.
    pub const APPLICATION: Self = Self {
        platform_wide: false,
        trusted: false,
        directory: false,
    };
    /// A platform-wide key.
    pub const PLATFORM: Self = Self {
        platform_wide: true,
        trusted: false,
        directory: false,
    };

    /// Whether the key may keep the directory in step: platform-wide keys may, as may keys a
    /// platform admin allowed to.
    pub fn manages_directory(self) -> bool {
        self.platform_wide || self.directory
    }

    /// The powers in words, for the admin page and the command line: "Its application", or
    /// e.g. "Trusted sign-in, directory".
    pub fn label(self) -> String {
        let words: Vec<&str> = [
            (self.platform_wide, "platform-wide"),
            (self.trusted, "trusted sign-in"),
            (self.directory, "directory"),
        ]
        .into_iter()
        .filter_map(|(has, word)| has.then_some(word))
        .collect();
        let text = if words.is_empty() {
            "its application".to_owned()
        } else {
            words.join(", ")
        };
        text[..1].to_uppercase() + &text[1..]
    }
}

/// An application's API key as the admin page lists it (never the secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyView {
    pub id: ApiKeyId,
    pub application: String,
    pub label: String,
    pub powers: KeyPowers,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}
