//! A server killed with SIGKILL in the middle of a sign-in storm on PostgreSQL: after a
//! restart, every sign-in that was answered `201 Created` has its session, and nothing is
//! half-written (a session without its sign-in record, or a successful sign-in record without
//! its session).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::http::{Method, StatusCode};
use sessionboard_bench::loopback::{
    Client, ServerProcess, create_api_key, drop_postgres_schema, fresh_postgres_schema,
};
use sessionboard_bench::seed_bulk::{PASSWORD, seed_bulk};
use tokio::sync::Mutex;

/// The `sessionboard` binary of this build (see `cluster.rs`).
fn server_binary() -> PathBuf {
    let test = std::env::current_exe().expect("the test executable's path");
    let binary = test
        .parent()
        .and_then(Path::parent)
        .expect("the test executable lives in target/<profile>/deps/")
        .join(format!("sessionboard{}", std::env::consts::EXE_SUFFIX));
    assert!(binary.exists(), "{} is missing", binary.display());
    binary
}

const ATTEMPTS: u32 = 1_000;
const USERS: u32 = 1_000;
const ACCOUNTS: u32 = 10;
/// The server is killed once this many sign-ins were answered, with the rest in flight.
const KILL_AFTER: usize = 40;

/// Signs in as `user` until the server answers 201 (returns the session's id) or stops
/// answering (returns `None`). "Busy" and "too many" answers are retried, as a client would.
async fn sign_in_until_answered(
    address: std::net::SocketAddr,
    key: &str,
    user: u32,
) -> Option<i64> {
    let body = serde_json::json!({
        "email": format!("user{user}@account{}.example", (user - 1) % ACCOUNTS + 1),
        "password": PASSWORD,
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0",
        "ip": format!("81.2.{}.{}", user / 250, user % 250 + 1),
    });
    loop {
        let mut client = Client::connect(address).await.ok()?;
        let (status, bytes) = client
            .send(
                Method::POST,
                "/api/v1/sessions",
                &[("x-api-key", key)],
                Some(&body),
            )
            .await
            .ok()?;
        match status {
            StatusCode::CREATED => {
                let answer: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
                return answer["session_id"].as_i64();
            }
            StatusCode::SERVICE_UNAVAILABLE | StatusCode::TOO_MANY_REQUESTS => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            other => panic!(
                "sign-in answered {other}: {}",
                String::from_utf8_lossy(&bytes)
            ),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(postgres_tests), ignore = "TEST_POSTGRES_URL is not set")]
async fn sign_ins_answered_before_a_kill_9_survive_it_whole() {
    let url = std::env::var("TEST_POSTGRES_URL").expect("TEST_POSTGRES_URL names a PostgreSQL");
    let schema = format!("sb_crash_{}", std::process::id());
    let database = fresh_postgres_schema(&url, &schema).await.unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let binary = &server_binary();
    seed_bulk(&database, ACCOUNTS, USERS, 0).await.unwrap();
    let key = create_api_key(binary, &root, &database, "Web", false).unwrap();
    let logs = tempfile::tempdir().unwrap();
    let args = [
        "--geoip",
        "",
        "--sign-in-limit-per-ip",
        "1000000",
        "--sign-in-limit-per-email",
        "1000000",
        "--sign-in-limit-per-api-key",
        "1000000",
    ];
    let server = ServerProcess::start(binary, &root, &database, &args, logs.path().join("a.log"))
        .await
        .unwrap();

    let answered = Arc::new(Mutex::new(Vec::new()));
    let count = Arc::new(AtomicUsize::new(0));
    let address = server.address;
    let storm: Vec<_> = (1..=ATTEMPTS)
        .map(|user| {
            let (key, answered, count) = (key.clone(), answered.clone(), count.clone());
            tokio::spawn(async move {
                if let Some(id) = sign_in_until_answered(address, &key, user).await {
                    answered.lock().await.push(id);
                    count.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    while count.load(Ordering::SeqCst) < KILL_AFTER {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    drop(server); // SIGKILL, mid-storm
    for attempt in storm {
        attempt.await.unwrap();
    }
    let answered: HashSet<i64> = answered.lock().await.iter().copied().collect();
    assert!(answered.len() >= KILL_AFTER);
    assert!(
        answered.len() < ATTEMPTS as usize,
        "the kill came while sign-ins were still in flight"
    );

    // The server starts again on the same data, and the data is whole.
    let restarted =
        ServerProcess::start(binary, &root, &database, &args, logs.path().join("b.log"))
            .await
            .unwrap();
    let pool = sqlx::PgPool::connect(&database).await.unwrap();
    let live: Vec<(i64,)> = sqlx::query_as("SELECT id FROM sessions WHERE revoked_at IS NULL")
        .fetch_all(&pool)
        .await
        .unwrap();
    let live: HashSet<i64> = live.into_iter().map(|(id,)| id).collect();
    let lost: Vec<&i64> = answered.difference(&live).collect();
    assert!(
        lost.is_empty(),
        "answered 201 but gone after the crash: {lost:?}"
    );

    let sessions_without_record: (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM sessions s WHERE NOT EXISTS \
         (SELECT 1 FROM login_records r WHERE r.session_id = s.id)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let records_without_session: (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM login_records r WHERE r.outcome = 'success' AND NOT EXISTS \
         (SELECT 1 FROM sessions s WHERE s.id = r.session_id)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        sessions_without_record.0, 0,
        "sessions without a sign-in record"
    );
    assert_eq!(
        records_without_session.0, 0,
        "sign-in records without a session"
    );
    eprintln!(
        "{} sign-ins answered before the kill, {} sessions after the restart, none half-written",
        answered.len(),
        live.len()
    );
    drop(restarted);
    pool.close().await;
    drop_postgres_schema(&url, &schema).await.unwrap();
}
