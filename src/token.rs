//! Session tokens: the bearer secret a device holds, and the hash the database keeps.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

const TOKEN_BYTES: usize = 32;
/// Length of a token in its text form: 32 bytes in unpadded base64url.
const TOKEN_CHARS: usize = 43;

/// A session's secret, as handed to the device. 256 random bits from the operating system.
///
/// Deliberately neither `Serialize` nor `Clone`, and its `Debug` is redacted: it leaves the server
/// exactly once (in a cookie or an API response) and is never logged or stored.
pub struct SessionToken(String);

impl SessionToken {
    pub fn generate() -> Self {
        let mut bytes = [0u8; TOKEN_BYTES];
        // The OS random source failing means the machine cannot do cryptography at all.
        getrandom::fill(&mut bytes).expect("the operating system's random source failed");
        Self(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// Accepts a token presented by a client, rejecting anything that cannot be one of ours
    /// before it costs a database round-trip.
    pub fn parse(text: &str) -> Option<Self> {
        if text.len() != TOKEN_CHARS {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        (bytes.len() == TOKEN_BYTES).then(|| Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> TokenHash {
        TokenHash(Sha256::digest(self.0.as_bytes()).into())
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionToken(…)")
    }
}

/// An application's API key: a 256-bit secret like a session token, with a recognisable
/// prefix so that secret scanners and people can tell what a leaked string is.
pub struct ApiKeySecret(SessionToken);

const API_KEY_PREFIX: &str = "sbk_";

impl ApiKeySecret {
    pub fn generate() -> Self {
        Self(SessionToken::generate())
    }

    pub fn parse(text: &str) -> Option<Self> {
        SessionToken::parse(text.strip_prefix(API_KEY_PREFIX)?).map(Self)
    }

    /// The text handed to the operator, once.
    pub fn reveal(&self) -> String {
        format!("{API_KEY_PREFIX}{}", self.0.as_str())
    }

    pub fn hash(&self) -> TokenHash {
        self.0.hash()
    }
}

impl fmt::Debug for ApiKeySecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKeySecret(…)")
    }
}

/// SHA-256 of a token: what the database stores and looks sessions up by.
///
/// A fast hash is right here (unlike passwords): the token has 256 bits of entropy, so there is
/// nothing to brute-force, and validation is on every request's path.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenHash(pub [u8; 32]);

impl TokenHash {
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// A hash read back from the database; `None` if it is not 32 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(Self)
    }

    /// Unpadded base64url: how hashes travel in invalidation notices between servers.
    pub fn to_text(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0)
    }

    pub fn from_text(text: &str) -> Option<Self> {
        if text.len() != TOKEN_CHARS {
            return None;
        }
        Self::from_bytes(&URL_SAFE_NO_PAD.decode(text).ok()?)
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenHash({:02x}{:02x}…)", self.0[0], self.0[1])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_are_unique_and_round_trip_through_parse() {
        let a = SessionToken::generate();
        let b = SessionToken::generate();
        assert_ne!(a.as_str(), b.as_str());
        assert_eq!(a.as_str().len(), TOKEN_CHARS);
        let parsed = SessionToken::parse(a.as_str()).expect("own token parses");
        assert_eq!(parsed.hash(), a.hash());
    }

    #[test]
    fn malformed_tokens_are_rejected_without_panicking() {
        let too_long = "A".repeat(10_000);
        for bad in [
            "",
            "short",
            "not base64 at all, but exactly 43 chars!!!",
            "%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%",
            too_long.as_str(),
            "ÄÖÜäöüß€ÄÖÜäöüß€ÄÖÜäöüß€ÄÖÜäöüß€ÄÖÜ",
        ] {
            assert!(SessionToken::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn api_keys_carry_their_prefix_and_parse_back() {
        let key = ApiKeySecret::generate();
        let text = key.reveal();
        assert!(text.starts_with("sbk_"));
        assert_eq!(ApiKeySecret::parse(&text).unwrap().hash(), key.hash());
        assert!(
            ApiKeySecret::parse(&text[4..]).is_none(),
            "a session token is not a key"
        );
        assert!(!format!("{key:?}").contains(&text[4..]));
    }

    #[test]
    fn debug_output_never_contains_the_secret() {
        let token = SessionToken::generate();
        assert!(!format!("{token:?}").contains(token.as_str()));
    }
}
