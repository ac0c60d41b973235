//! A sign-in storm: hundreds of password checks arriving at once, and what they do to the
//! server's memory, during the burst and after it.

use std::path::Path;
use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use sessionboard_bench::Error;
use sessionboard_bench::loopback::{Client, ServerProcess};
use sessionboard_bench::seed_bulk::PASSWORD;

/// What the storm showed.
pub struct Storm {
    /// "peak / 30 s later", in MB.
    pub memory: String,
    /// How the attempts were answered.
    pub answers: String,
}

/// How long after the burst memory is read again: the promise is that it is given back.
const SETTLE: Duration = Duration::from_secs(30);

/// Starts a fresh server on `database` (so its peak is the storm's), sends `attempts` API
/// sign-ins at once, each on its own connection, half with the right password and half with a
/// wrong one, and reads the server's peak resident memory and its resident memory 30 seconds
/// after the last answer.
pub async fn storm(
    binary: &Path,
    root: &Path,
    database: &str,
    server_args: &[&str],
    app_key: &str,
    log: std::path::PathBuf,
    attempts: u32,
) -> Result<Storm, Error> {
    let server = ServerProcess::start(binary, root, database, server_args, log).await?;
    let address = server.address;
    let started = Instant::now();
    let tasks: Vec<_> = (0..attempts)
        .map(|n| {
            let app_key = app_key.to_owned();
            tokio::spawn(async move {
                let mut client = Client::connect(address).await?;
                let body = serde_json::json!({
                    "email": format!("user{}@account{}.example", n + 1, n + 1),
                    "password": if n % 2 == 0 { PASSWORD } else { "not the password" },
                    "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0",
                    "ip": format!("81.2.{}.{}", n / 250, n % 250 + 1),
                });
                let (status, _) = client
                    .send(
                        Method::POST,
                        "/api/v1/sessions",
                        &[("x-api-key", app_key.as_str())],
                        Some(&body),
                    )
                    .await?;
                Ok::<StatusCode, Error>(status)
            })
        })
        .collect();
    let (mut signed_in, mut refused, mut busy, mut other) = (0, 0, 0, 0);
    for task in tasks {
        match task.await?? {
            StatusCode::CREATED => signed_in += 1,
            StatusCode::UNAUTHORIZED => refused += 1,
            StatusCode::SERVICE_UNAVAILABLE | StatusCode::TOO_MANY_REQUESTS => busy += 1,
            _ => other += 1,
        }
    }
    let burst = started.elapsed();
    let (_, peak) = server.memory().ok_or("cannot read the server's memory")?;
    tokio::time::sleep(SETTLE).await;
    let (after, _) = server.memory().ok_or("cannot read the server's memory")?;
    Ok(Storm {
        memory: format!("{} MB / {} MB", peak / 1_000_000, after / 1_000_000),
        answers: format!(
            "{signed_in} signed in, {refused} wrong password, {busy} told to retry, \
             {other} other, in {:.1} s",
            burst.as_secs_f64()
        ),
    })
}
