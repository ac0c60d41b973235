//! A webhook receiver on loopback, as a real one would be: an HTTP server that checks each
//! delivery's Standard Webhooks signature and keeps what it got. It can be told to be down
//! (answer 503), to fail otherwise, to redirect, or to hang.
#![allow(dead_code)] // each test binary uses a different part

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::Value;

/// How the receiver answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Accept,
    /// Answer this status (500, 503…), keeping nothing.
    Fail(u16),
    /// Answer 302 to another host.
    Redirect,
    /// Never answer.
    Hang,
}

/// One delivery as it arrived.
#[derive(Clone, Debug)]
pub struct Received {
    pub id: String,
    pub timestamp: i64,
    pub body: Value,
    /// The body as it came, byte for byte, and the signature header.
    pub raw: Vec<u8>,
    pub signature: String,
    /// The signature is the HMAC of id, timestamp and body under the endpoint's secret.
    pub signed_correctly: bool,
}

struct Inner {
    mode: Mode,
    secret: Option<String>,
    got: Vec<Received>,
    /// Every request, accepted or not.
    requests: usize,
}

#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    inner: Arc<Mutex<Inner>>,
}

impl Receiver {
    pub async fn start() -> Self {
        let inner = Arc::new(Mutex::new(Inner {
            mode: Mode::Accept,
            secret: None,
            got: Vec::new(),
            requests: 0,
        }));
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { url, inner }
    }

    /// The endpoint's secret, once it was registered (its URL is needed first).
    pub fn set_secret(&self, secret: &str) {
        self.inner.lock().unwrap().secret = Some(secret.to_owned());
    }

    pub fn set_mode(&self, mode: Mode) {
        self.inner.lock().unwrap().mode = mode;
    }

    /// What it accepted, in the order it came.
    pub fn received(&self) -> Vec<Received> {
        self.inner.lock().unwrap().got.clone()
    }

    pub fn requests(&self) -> usize {
        self.inner.lock().unwrap().requests
    }

    /// The accepted deliveries' types, in order.
    pub fn types(&self) -> Vec<String> {
        self.received()
            .iter()
            .map(|got| got.body["type"].as_str().unwrap_or_default().to_owned())
            .collect()
    }
}

async fn receive(
    State(inner): State<Arc<Mutex<Inner>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mode = {
        let mut inner = inner.lock().unwrap();
        inner.requests += 1;
        inner.mode
    };
    match mode {
        Mode::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return StatusCode::OK.into_response();
        }
        Mode::Fail(status) => return StatusCode::from_u16(status).unwrap().into_response(),
        Mode::Redirect => {
            return (
                StatusCode::FOUND,
                [(header::LOCATION, "https://elsewhere.example/hook")],
            )
                .into_response();
        }
        Mode::Accept => {}
    }
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (id, signature) = (text("webhook-id"), text("webhook-signature"));
    let timestamp: i64 = text("webhook-timestamp").parse().unwrap_or(0);
    let mut inner = inner.lock().unwrap();
    // Recomputed with the reference library rather than `verify`, whose five-minute window
    // would refuse the tests' fixed clock.
    let signed_correctly = inner.secret.as_deref().is_some_and(|secret| {
        standardwebhooks::Webhook::new(secret)
            .and_then(|hook| hook.sign(&id, timestamp, &body))
            .is_ok_and(|expected| expected == signature)
    });
    inner.got.push(Received {
        id,
        timestamp,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        raw: body.to_vec(),
        signature,
        signed_correctly,
    });
    StatusCode::NO_CONTENT.into_response()
}
