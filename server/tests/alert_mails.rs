//! A crash loses no alert: the real server binary, killed with SIGKILL after a flagged sign-in
//! committed but before its alert mail could be delivered (the mail server was away), and
//! started again: the mail arrives, once.

#[path = "../../tests/common/smtp_sink.rs"]
mod smtp_sink;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sessionboard::seed::DEMO_PASSWORD;
use smtp_sink::{SmtpSink, free_port};
use sqlx::{Connection, SqliteConnection};

const FIREFOX: &str =
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
/// Frankfurt, then Portugal ten seconds later (the DB-IP data `scripts/bootstrap.sh data`
/// fetches): a new country, faster than any plane.
const FRANKFURT: &str = "91.64.12.34";
const PORTUGAL: &str = "89.114.0.1";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// The binary, with this test's database and mail server, from the workspace (its data files).
fn sessionboard(db: &Path, smtp_port: u16) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sessionboard"));
    command
        .current_dir(workspace())
        .env(
            "SESSIONBOARD_DATABASE_URL",
            format!("sqlite:{}", db.display()),
        )
        .env("SESSIONBOARD_SEED_DEMO", "true")
        .env("SESSIONBOARD_SMTP_HOST", "127.0.0.1")
        .env("SESSIONBOARD_SMTP_PORT", smtp_port.to_string())
        .env("SESSIONBOARD_SMTP_TLS", "none")
        .env("RUST_LOG", "warn");
    command
}

struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn start(db: &Path, smtp_port: u16, log: &Path) -> Self {
        let port = free_port();
        let child = sessionboard(db, smtp_port)
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("LEPTOS_SITE_ROOT", "target/site")
            .env("LEPTOS_OUTPUT_NAME", "sessionboard")
            .env("LEPTOS_ENV", "PROD")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(log).unwrap())
            .spawn()
            .unwrap();
        let mut server = Self { child, port };
        let deadline = Instant::now() + Duration::from_secs(60);
        while server.request("GET", "/healthz", None, None).0 != 200 {
            assert!(
                server.child.try_wait().unwrap().is_none(),
                "the server exited: {}",
                std::fs::read_to_string(log).unwrap()
            );
            assert!(Instant::now() < deadline, "the server did not come up");
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    /// One HTTP/1.1 request; (status, body). Status 0 when nothing answers.
    fn request(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        body: Option<&Value>,
    ) -> (u16, String) {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return (0, String::new());
        };
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let body = body.map(Value::to_string).unwrap_or_default();
        let key = key
            .map(|key| format!("X-Api-Key: {key}\r\n"))
            .unwrap_or_default();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{key}\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        if stream.write_all(request.as_bytes()).is_err() {
            return (0, String::new());
        }
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        let status = answer
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or(0);
        let body = answer
            .split_once("\r\n\r\n")
            .map(|(_, body)| body.to_owned())
            .unwrap_or_default();
        (status, body)
    }

    /// SIGKILL: no shutdown, nothing flushed that was not committed.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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
    let created = sessionboard(&db, smtp_port)
        .args([
            "api-key",
            "create",
            "--application",
            "iOS app",
            "--label",
            "crash test",
        ])
        .output()
        .unwrap();
    assert!(created.status.success(), "{created:?}");
    let key = String::from_utf8(created.stdout).unwrap();
    let key = key.lines().last().unwrap().trim().to_owned();

    let server = Server::start(&db, smtp_port, &log);
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
    let _restarted = Server::start(&db, smtp_port, &restarted_log);
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
