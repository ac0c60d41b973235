//! Signed webhooks: what an event says ([`events`]), where a delivery may go ([`policy`]), how
//! it is signed (Standard Webhooks), and what carrying it takes ([`Transport`], which the
//! server implements with an HTTP client: this crate knows no HTTP).

pub mod events;
mod http;
pub mod policy;

use std::time::Duration;

use async_trait::async_trait;

pub use events::{BulkCompleted, EndedFacts, Event, SessionFacts};
pub use http::HttpTransport;

/// How long a receiver has to answer one delivery, by default.
pub const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// A new endpoint's signing secret: "whsec_" and 24 random bytes in base64, as Standard
/// Webhooks libraries take it.
pub fn generate_secret() -> String {
    use base64::Engine;
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// The three Standard Webhooks headers for `payload`: `webhook-id`, `webhook-timestamp`
/// (seconds) and `webhook-signature` ("v1," and the base64 HMAC-SHA256 of
/// "{id}.{timestamp}.{payload}" under the secret). `None` when the secret is not one (only a
/// hand-edited database could hold such a secret).
pub fn sign(
    secret: &str,
    message_id: &str,
    timestamp_seconds: i64,
    payload: &str,
) -> Option<[(&'static str, String); 3]> {
    let signer = standardwebhooks::Webhook::new(secret).ok()?;
    let signature = signer
        .sign(message_id, timestamp_seconds, payload.as_bytes())
        .ok()?;
    Some([
        (standardwebhooks::HEADER_WEBHOOK_ID, message_id.to_owned()),
        (
            standardwebhooks::HEADER_WEBHOOK_TIMESTAMP,
            timestamp_seconds.to_string(),
        ),
        (standardwebhooks::HEADER_WEBHOOK_SIGNATURE, signature),
    ])
}

/// What came back from one delivery attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// The receiver answered with this HTTP status (a redirect it asked for to another host is
    /// answered as it is, not followed).
    Status(u16),
    /// Nothing came back: refused, timed out, or not allowed to go there; in words.
    NoAnswer(String),
}

/// Carries a signed delivery to its endpoint. The server's implementation posts it with an
/// HTTP client that follows no redirect to another host and reaches no address the
/// [`policy`] refuses.
#[async_trait]
pub trait Transport: Send + Sync {
    async fn post(&self, url: &str, headers: &[(&'static str, String)], body: String) -> Answer;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_with_the_standard_webhooks_reference_library() {
        let secret = generate_secret();
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let payload = r#"{"type":"session.ended","timestamp":"2026-12-08T00:00:00Z","data":{}}"#;
        let headers = sign(&secret, "msg_1", now, payload).unwrap();
        let mut map = ::http::HeaderMap::new();
        for (name, value) in headers {
            map.insert(name, value.parse().unwrap());
        }
        let verifier = standardwebhooks::Webhook::new(&secret).unwrap();
        verifier.verify(payload.as_bytes(), &map).unwrap();
        assert!(verifier.verify(b"{}", &map).is_err(), "another body");
        let other = standardwebhooks::Webhook::new(&generate_secret()).unwrap();
        assert!(
            other.verify(payload.as_bytes(), &map).is_err(),
            "another secret"
        );
    }
}
