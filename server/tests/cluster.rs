//! Two server processes on one PostgreSQL, as behind a load balancer: a session terminated
//! through one is refused by the other as soon as PostgreSQL's notification arrives. The
//! servers run with a one-hour cache TTL, so only the notification can explain the refusal.

use std::path::Path;
use std::time::Duration;

use server::loopback::{
    Client, ServerProcess, create_api_key, drop_postgres_schema, fresh_postgres_schema,
    revocation_window, seed_bulk, sign_in,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_terminated_on_one_server_is_refused_by_the_other() {
    let Ok(url) = std::env::var("TEST_POSTGRES_URL") else {
        eprintln!("skipped: TEST_POSTGRES_URL is not set");
        return;
    };
    let schema = format!(
        "sb_cluster_{}_{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
        std::process::id()
    );
    let database = fresh_postgres_schema(&url, &schema).await.unwrap();

    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let binary = Path::new(env!("CARGO_BIN_EXE_sessionboard"));
    seed_bulk(binary, &root, &database, 1, 1, 0).unwrap();
    let app_key = create_api_key(binary, &root, &database, "Web", false).unwrap();
    let platform_key = create_api_key(binary, &root, &database, "Partner API", true).unwrap();

    let logs = tempfile::tempdir().unwrap();
    let args = [
        "--seed-demo",
        "false",
        "--geoip",
        "",
        "--validation-cache-ttl",
        "1h",
    ];
    let (a, b) = tokio::join!(
        ServerProcess::start(binary, &root, &database, &args, logs.path().join("a.log")),
        ServerProcess::start(binary, &root, &database, &args, logs.path().join("b.log")),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    let mut to_a = Client::connect(a.address).await.unwrap();
    let mut to_b = Client::connect(b.address).await.unwrap();

    let mut windows = Vec::new();
    for _ in 0..5 {
        let (token, id) = sign_in(
            &mut to_a,
            &app_key,
            "user1@account1.example",
            "sessionboard",
        )
        .await
        .unwrap();
        let window = revocation_window(
            &mut to_a,
            &mut to_b,
            &app_key,
            &platform_key,
            &token,
            id,
            Duration::from_secs(10),
        )
        .await
        .unwrap();
        windows.push(window);
    }
    eprintln!("the other server refused terminated sessions after {windows:?}");

    drop((a, b));
    drop_postgres_schema(&url, &schema).await.unwrap();
}
