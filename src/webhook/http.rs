//! Carries webhook deliveries over HTTP(S) for the sender
//! (`crate::service::spawn_webhook_sender`): the one HTTP this crate speaks, as a client.
//!
//! The client follows no redirect at all: a receiver that answers 3xx has the delivery fail
//! with a message that says so, which also rules out being redirected to another host or
//! into a private network. It uses no proxy from the environment, and its resolver drops
//! every address the policy refuses ([`super::policy`]), so a name that
//! resolves inside the network cannot be used to reach it, even if its DNS answer changes
//! after the endpoint was registered.

use std::sync::Arc;
use std::time::Duration;

use super::{Answer, Transport, policy};
use crate::service::WebhookPolicy;
use async_trait::async_trait;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Posts signed deliveries with one shared connection pool.
pub struct HttpTransport {
    client: reqwest::Client,
    allow_private: bool,
    timeout: Duration,
}

impl HttpTransport {
    pub fn new(settings: WebhookPolicy) -> Self {
        let allow_private = settings.allow_private_networks;
        let client = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(PolicyResolver { allow_private }))
            .user_agent(concat!("Sessionboard-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("a reqwest client with rustls builds");
        Self {
            client,
            allow_private,
            timeout: settings.timeout,
        }
    }
}

#[async_trait]
impl Transport for HttpTransport {
    async fn post(&self, url: &str, headers: &[(&'static str, String)], body: String) -> Answer {
        // Again at delivery: a literal address is not resolved, so the resolver never sees it.
        if let Err(why) = policy::check_url(url, self.allow_private) {
            return Answer::NoAnswer(why);
        }
        let mut request = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        match request.send().await {
            Ok(response) => Answer::Status(response.status().as_u16()),
            Err(error) if error.is_timeout() => Answer::NoAnswer(format!(
                "the receiver did not answer within {} ms",
                self.timeout.as_millis()
            )),
            Err(error) => Answer::NoAnswer(explain(&error)),
        }
    }
}

/// An error and its causes, as one sentence: reqwest's own message alone ("error sending
/// request") does not say what went wrong.
fn explain(error: &reqwest::Error) -> String {
    let mut text = if error.is_connect() {
        "could not connect".to_owned()
    } else {
        "the delivery failed".to_owned()
    };
    let mut cause = std::error::Error::source(error);
    while let Some(error) = cause {
        let part = error.to_string();
        if !text.ends_with(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        cause = error.source();
    }
    text
}

/// Resolves with the system's resolver and keeps only the addresses deliveries may go to.
struct PolicyResolver {
    allow_private: bool,
}

impl Resolve for PolicyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let resolved = policy::resolve(&host, 0, allow_private).await?;
            if resolved.allowed.is_empty() {
                let why = resolved
                    .refused
                    .unwrap_or_else(|| format!("{host} has no address"));
                return Err(
                    format!("{host} resolves to no address deliveries may go to: {why}").into(),
                );
            }
            let addresses: Addrs = Box::new(resolved.allowed.into_iter());
            Ok(addresses)
        })
    }
}
