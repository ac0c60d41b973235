//! A crash loses no alert: the real server binary, killed with SIGKILL after a flagged sign-in
//! committed but before its alert mail could be delivered (the mail server was away), and
//! started again: the mail arrives, once.

mod process;
#[path = "../../tests/common/smtp_sink.rs"]
mod smtp_sink;

use std::path::Path;
use std::time::{Duration, Instant};

use process::{Server, api_key};
use serde_json::json;
use sessionboard::seed::DEMO_PASSWORD;
use smtp_sink::{SmtpSink, free_port};
use sqlx::{Connection, SqliteConnection};

const FIREFOX: &str =
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
/// Frankfurt, then Portugal ten seconds later (the DB-IP data `scripts/bootstrap.sh data`
/// fetches): a new country, faster than any plane.
const FRANKFURT: &str = "91.64.12.34";
const PORTUGAL: &str = "89.114.0.1";

/// This test's mail server settings.
fn smtp(port: u16) -> Vec<(&'static str, String)> {
    vec![
        ("SESSIONBOARD_SMTP_HOST", "127.0.0.1".to_owned()),
        ("SESSIONBOARD_SMTP_PORT", port.to_string()),
        ("SESSIONBOARD_SMTP_TLS", "none".to_owned()),
    ]
}

/// (failed attempts, sent) of the one queued alert, if there is one.
async fn outbox(db: &Path) -> Option<(i64, bool)> {
    let mut connection = SqliteConnection::connect(&format!("sqlite:{}", db.display()))
        .await
        .unwrap();
    sqlx::query_as::<_, (i64, bool)>(
        "SELECT CASE WHEN last_error IS NULL THEN 0 ELSE attempts END, sent_at IS NOT NULL \
         FROM alert_outbox ORDER BY id DESC LIMIT 1",
    )
    .fetch_optional(&mut connection)
    .await
    .unwrap()
}

#[tokio::test]
async fn an_alert_committed_before_a_crash_is_mailed_once_after_the_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sessions.db");
    let log = dir.path().join("server.log");
    let restarted_log = dir.path().join("restarted.log");
    // Nothing listens here until the mail server "comes back".
    let smtp_port = free_port();
    let key = api_key(&db, "iOS app");

    let server = Server::start(&db, &smtp(smtp_port), &log);
    let sign_in = |ip: &str| {
        json!({
            "email": "anna@nordlicht.example",
            "password": DEMO_PASSWORD,
            "user_agent": FIREFOX,
            "ip": ip,
        })
    };
    for ip in [FRANKFURT, PORTUGAL] {
        let (status, body) =
            server.request("POST", "/api/v1/sessions", Some(&key), Some(&sign_in(ip)));
        assert_eq!(status, 201, "{body}");
    }
    // The sign-in committed its alert; the sender has tried, failed and said when to retry.
    // (Killed mid-attempt instead, the alert would wait out the attempt's lease first.)
    let deadline = Instant::now() + Duration::from_secs(30);
    while !matches!(outbox(&db).await, Some((attempts, false)) if attempts >= 1) {
        assert!(
            Instant::now() < deadline,
            "no attempt: {:?}",
            outbox(&db).await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server.kill();

    let sink = SmtpSink::start(&dir.path().join("mail"), Some(smtp_port));
    let _restarted = Server::start(&db, &smtp(smtp_port), &restarted_log);
    let mails = sink.wait_for(1, Duration::from_secs(45)).await;
    let log = std::fs::read_to_string(&restarted_log).unwrap();
    assert_eq!(mails.len(), 1, "outbox {:?}, log: {log}", outbox(&db).await);
    let mail = mail_parser::MessageParser::default()
        .parse(&mails[0])
        .unwrap();
    let to = mail
        .to()
        .and_then(|to| to.first())
        .and_then(|a| a.address());
    assert_eq!(to, Some("anna@nordlicht.example"));
    let text = mail.body_text(0).unwrap();
    assert!(text.contains("near Figueiro, PT"), "{text}");
    assert!(text.contains("/not-me?token="), "{text}");
    // Marked sent, and not sent again at the sender's next looks.
    tokio::time::sleep(sessionboard::service::ALERT_POLL * 2).await;
    assert_eq!(sink.messages().len(), 1);
    assert!(matches!(outbox(&db).await, Some((_, true))));
}
