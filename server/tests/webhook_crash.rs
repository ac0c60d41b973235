//! A crash loses no webhook: the real server binary, killed with SIGKILL while a committed
//! event's delivery is on the wire (the receiver has not answered yet), and started again:
//! the event arrives, signed, with the id it was queued under, and is not delivered twice
//! once it has been.

mod process;
#[path = "../../tests/common/webhook_receiver.rs"]
mod webhook_receiver;

use std::path::Path;
use std::time::{Duration, Instant};

use process::{Server, api_key};
use serde_json::json;
use sessionboard::seed::DEMO_PASSWORD;
use sqlx::{Connection, SqliteConnection};
use webhook_receiver::{Mode, Receiver};

const FIREFOX: &str =
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
/// A signing secret in the Standard Webhooks form ("whsec_" and base64).
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

async fn connect(db: &Path) -> SqliteConnection {
    SqliteConnection::connect(&format!("sqlite:{}", db.display()))
        .await
        .unwrap()
}

/// (message id, attempts, delivered) of the one queued delivery, if there is one.
async fn outbox(db: &Path) -> Option<(String, i64, bool)> {
    sqlx::query_as(
        "SELECT message_id, attempts, delivered_at IS NOT NULL FROM webhook_outbox \
         ORDER BY id DESC LIMIT 1",
    )
    .fetch_optional(&mut connect(db).await)
    .await
    .unwrap()
}

async fn wait_until(what: &str, within: Duration, mut done: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !done().await {
        assert!(
            Instant::now() < deadline,
            "{what} did not happen in {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_event_whose_delivery_was_cut_short_by_a_crash_arrives_after_the_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sessions.db");
    let key = api_key(&db, "iOS app");
    let receiver = Receiver::start().await;
    receiver.set_secret(SECRET);
    receiver.set_mode(Mode::Hang);
    // The endpoint as the admin page would have stored it.
    sqlx::query(
        "INSERT INTO webhook_endpoints (url, secret, events, created_at) \
         VALUES (?, ?, 'session.created', 0)",
    )
    .bind(&receiver.url)
    .bind(SECRET)
    .execute(&mut connect(&db).await)
    .await
    .unwrap();
    // A short timeout, so the lease a dead server leaves behind runs out soon (2 × 2 s + 5 s).
    let settings = [("SESSIONBOARD_WEBHOOK_TIMEOUT", "2s".to_owned())];

    let server = Server::start(&db, &settings, &dir.path().join("server.log"));
    let sign_in = json!({
        "email": "anna@nordlicht.example",
        "password": DEMO_PASSWORD,
        "user_agent": FIREFOX,
        "ip": "91.64.12.34",
    });
    let (status, body) = server.request("POST", "/api/v1/sessions", Some(&key), Some(&sign_in));
    assert_eq!(status, 201, "{body}");
    // The sign-in committed its event and the server is posting it: kill it mid-delivery.
    wait_until("a delivery attempt", Duration::from_secs(10), async || {
        receiver.requests() >= 1
    })
    .await;
    server.kill();
    let (queued_id, attempts, delivered) = outbox(&db).await.expect("the event was queued");
    assert_eq!((attempts, delivered), (1, false), "claimed, never finished");

    receiver.set_mode(Mode::Accept);
    let restarted_at = Instant::now();
    let restarted = Server::start(&db, &settings, &dir.path().join("restarted.log"));
    wait_until(
        "the delivery after the restart",
        Duration::from_secs(30),
        async || !receiver.received().is_empty(),
    )
    .await;
    let took = restarted_at.elapsed();
    let got = receiver.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].id, queued_id, "the id it was queued under");
    assert!(got[0].signed_correctly);
    assert_eq!(got[0].body["type"], "session.created");
    assert_eq!(got[0].body["data"]["ip"], "91.64.12.34");
    eprintln!("delivered {took:?} after the restart (the dead server's lease had to run out)");

    // Marked delivered, and not delivered again at the sender's next looks.
    tokio::time::sleep(sessionboard::service::WEBHOOK_POLL * 3).await;
    assert_eq!(receiver.received().len(), 1);
    assert!(matches!(outbox(&db).await, Some((_, 2, true))));
    drop(restarted);
}
