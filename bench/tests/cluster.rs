//! Two server processes on one PostgreSQL, as behind a load balancer: a session terminated
//! through one is refused by the other as soon as PostgreSQL's notification arrives. The
//! servers run with a one-hour cache TTL, so only the notification can explain the refusal.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sessionboard_bench::loopback::{
    Client, ServerProcess, create_api_key, drop_postgres_schema, fresh_postgres_schema,
    revocation_window, sign_in,
};
use sessionboard_bench::seed_bulk::{PASSWORD, seed_bulk};

/// The `sessionboard` server binary of this build: `target/<profile>/sessionboard`, beside the
/// `deps/` directory this test runs from. `cargo test --workspace` builds it (for the server's
/// own integration tests); another package's binary is out of reach of `CARGO_BIN_EXE_*`.
fn server_binary() -> PathBuf {
    let test = std::env::current_exe().expect("the test executable's path");
    let binary = test
        .parent()
        .and_then(Path::parent)
        .expect("the test executable lives in target/<profile>/deps/")
        .join(format!("sessionboard{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.exists(),
        "{} is missing: build the server first (`cargo build -p server --bin sessionboard`), \
         or run `cargo test --workspace`, which builds it",
        binary.display()
    );
    binary
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(postgres_tests), ignore = "TEST_POSTGRES_URL is not set")]
async fn a_session_terminated_on_one_server_is_refused_by_the_other() {
    let url = std::env::var("TEST_POSTGRES_URL").expect("TEST_POSTGRES_URL names a PostgreSQL");
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
    let binary = &server_binary();
    seed_bulk(&database, 1, 1, 0).await.unwrap();
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
        let (token, id) = sign_in(&mut to_a, &app_key, "user1@account1.example", PASSWORD)
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
