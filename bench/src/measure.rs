//! Everything measured on one database: seeding, token validation over HTTP against the
//! ceiling, lists, sign-ins, memory, and the revocation window across two servers.

use std::path::Path;
use std::time::Duration;

use sessionboard_bench::Error;
use sessionboard_bench::loopback::{
    Client, ServerProcess, create_api_key, drop_postgres_schema, free_port, fresh_postgres_schema,
    revocation_window, sign_in,
};
use sessionboard_bench::seed_bulk::{PASSWORD, seed_bulk};

use crate::Args;
use crate::ceiling::CeilingProcess;
use crate::lists::lists;
use crate::sign_ins::sign_ins;
use crate::stats::{Percentiles, percentiles, show};
use crate::storm::{Storm, storm};
use crate::wrk;

const BENCH_SCHEMA: &str = "sb_bench";

/// Concurrent sign-in attempts in the storm case.
pub const STORM_ATTEMPTS: u32 = 500;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Everything measured on one database.
#[derive(Default)]
pub struct Measured {
    pub seed: String,
    pub validation: String,
    pub validation_latency: String,
    pub ceiling: String,
    pub ratio: String,
    pub lists: Vec<(String, String)>,
    pub sign_ins: String,
    pub memory: String,
    pub window: String,
    pub storm: Option<Storm>,
}

/// Seeds the large world into a fresh database and measures a server on it.
pub async fn measure(
    args: &Args,
    root: &Path,
    binary: &Path,
    work: &Path,
    backend: Backend,
) -> Result<Measured, Error> {
    let name = match backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    };
    let database = match backend {
        Backend::Sqlite => format!("sqlite:{}", work.join("bench.db").display()),
        Backend::Postgres => {
            fresh_postgres_schema(
                args.postgres_url.as_deref().unwrap_or_default(),
                BENCH_SCHEMA,
            )
            .await?
        }
    };
    let mut measured = Measured::default();

    eprintln!("[bench] {name}: seeding");
    let took = seed_bulk(&database, args.accounts, args.users, args.sessions).await?;
    measured.seed = format!("{:.1} s", took.as_secs_f64());

    let app_key = create_api_key(binary, root, &database, "Web", false)?;
    let platform_key = create_api_key(binary, root, &database, "Partner API", true)?;
    let server_args = [
        "--seed-demo",
        "false",
        "--sign-in-limit-per-ip",
        "1000000",
        "--sign-in-limit-per-email",
        "1000000",
        "--sign-in-limit-per-api-key",
        "1000000",
    ];
    let a = ServerProcess::start(
        binary,
        root,
        &database,
        &server_args,
        work.join(format!("{name}-a.log")),
    )
    .await?;
    let mut client = Client::connect(a.address).await?;
    // user1 is the owner of account 1.
    let (token, _) = sign_in(&mut client, &app_key, "user1@account1.example", PASSWORD).await?;
    let bearer = format!("Bearer {token}");

    eprintln!("[bench] {name}: token validation against the ceiling");
    let ceiling_port = free_port()?;
    let ceiling = CeilingProcess::start(ceiling_port).await?;
    let threads = 2;
    let top = wrk::run(
        &format!("http://{}/", ceiling.address),
        &[],
        args.connections,
        threads,
        args.duration,
    )?;
    let device = [
        ("x-api-key", app_key.as_str()),
        ("authorization", bearer.as_str()),
    ];
    let validation = wrk::run(
        &format!("http://{}/api/v1/session", a.address),
        &device,
        args.connections,
        threads,
        args.duration,
    )?;
    drop(ceiling);
    if validation.errors > 0 {
        return Err(format!(
            "{} validation requests failed under load",
            validation.errors
        )
        .into());
    }
    measured.ceiling = format!(
        "{:.0} ({} / {})",
        top.requests_per_second,
        show(top.p50),
        show(top.p99)
    );
    measured.validation = format!("{:.0}", validation.requests_per_second);
    measured.validation_latency = format!("{} / {}", show(validation.p50), show(validation.p99));
    measured.ratio = format!(
        "{:.0}%",
        100.0 * validation.requests_per_second / top.requests_per_second
    );

    eprintln!("[bench] {name}: listing");
    measured.lists = lists(&mut client, &platform_key, &app_key, &bearer).await?;

    eprintln!("[bench] {name}: sign-ins without the password hash");
    measured.sign_ins = sign_ins(&database, args.users, args.accounts).await?;

    if let Some((rss, peak)) = a.memory() {
        measured.memory = format!("{} MB / {} MB", rss / 1_000_000, peak / 1_000_000);
    }

    measured.window = match backend {
        Backend::Sqlite => "n/a: one server per file".to_owned(),
        Backend::Postgres => {
            eprintln!("[bench] {name}: revocation across two servers");
            let b = ServerProcess::start(
                binary,
                root,
                &database,
                &server_args,
                work.join(format!("{name}-b.log")),
            )
            .await?;
            let mut to_b = Client::connect(b.address).await?;
            let mut windows = Vec::new();
            for index in 0..20 {
                let (token, id) = sign_in(
                    &mut client,
                    &app_key,
                    &format!("user{}@account{}.example", index + 2, index + 2),
                    PASSWORD,
                )
                .await?;
                windows.push(
                    revocation_window(
                        &mut client,
                        &mut to_b,
                        &app_key,
                        &platform_key,
                        &token,
                        id,
                        Duration::from_secs(10),
                    )
                    .await?,
                );
            }
            let Percentiles { p50, max, .. } = percentiles(&mut windows);
            format!("{} / {}", show(p50), show(max))
        }
    };
    drop(a);

    eprintln!("[bench] {name}: a storm of {STORM_ATTEMPTS} sign-ins at once");
    measured.storm = Some(
        storm(
            binary,
            root,
            &database,
            &server_args,
            &app_key,
            work.join(format!("{name}-storm.log")),
            STORM_ATTEMPTS,
        )
        .await?,
    );
    if backend == Backend::Postgres {
        drop_postgres_schema(
            args.postgres_url.as_deref().unwrap_or_default(),
            BENCH_SCHEMA,
        )
        .await?;
    }
    Ok(measured)
}
