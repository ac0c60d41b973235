//! Sessionboard's benchmarks: `make bench` (scripts/bench.sh) builds the release binaries and
//! runs this. It seeds a large world into SQLite and PostgreSQL, starts real server processes
//! and measures them from outside over loopback, then prints one table. It asserts nothing:
//! the targets are printed beside the numbers.

mod bulk_end;
mod ceiling;
mod engine;
mod lists;
mod measure;
mod parts;
mod sign_ins;
mod stats;
mod storm;
mod table;
mod wrk;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};
use sessionboard_bench::Error;

use bulk_end::bulk_end;
use ceiling::ceiling;
use measure::{Backend, Measured, measure};
use parts::{parts, wasm_size};
use sign_ins::sign_ins;
use table::{print_table, row};

#[derive(Parser)]
#[command(
    name = "sessionboard-bench",
    about = "Sessionboard's benchmarks: prints a table."
)]
struct Args {
    #[command(subcommand)]
    command: Option<Internal>,
    /// PostgreSQL to benchmark on (a schema `sb_bench` is created and dropped). Without it,
    /// only SQLite is measured.
    #[arg(long, env = "BENCH_POSTGRES_URL")]
    postgres_url: Option<String>,
    #[arg(long, default_value_t = 10_000)]
    accounts: u32,
    #[arg(long, default_value_t = 100_000)]
    users: u32,
    #[arg(long, default_value_t = 1_000_000)]
    sessions: u32,
    /// How long each HTTP load runs.
    #[arg(long, default_value = "10s", value_parser = humantime::parse_duration)]
    duration: Duration,
    /// Concurrent connections of each HTTP load.
    #[arg(long, default_value_t = 32)]
    connections: u32,
    /// The release wasm bundle, to report its size.
    #[arg(long, default_value = "target/site/pkg/sessionboard.wasm")]
    wasm: PathBuf,
}

#[derive(Subcommand)]
enum Internal {
    /// The machine's ceiling: a plain axum server answering a constant (started by the bench).
    Ceiling {
        #[arg(long)]
        port: u16,
    },
    /// Only the sign-in measurement, on an already seeded database.
    SignIns {
        #[arg(long)]
        database_url: String,
    },
    /// Ends every live session of one application (a quarter of the seeded sessions), as
    /// ending every session a filter matches does, on an already seeded database.
    BulkEnd {
        #[arg(long)]
        database_url: String,
    },
    /// Only the seeding, into an empty database or a new PostgreSQL schema (kept), to look at
    /// query plans by hand.
    Seed {
        #[arg(long)]
        database_url: String,
        /// With PostgreSQL: the schema to create (anew) and seed.
        #[arg(long)]
        schema: Option<String>,
    },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let result = match args.command {
        Some(Internal::Ceiling { port }) => ceiling(port).await,
        Some(Internal::SignIns { ref database_url }) => {
            sign_ins(database_url, args.users, args.accounts)
                .await
                .map(|rate| println!("{rate}"))
        }
        Some(Internal::BulkEnd { ref database_url }) => {
            bulk_end(database_url).await.map(|took| println!("{took}"))
        }
        Some(Internal::Seed {
            ref database_url,
            ref schema,
        }) => seed_only(database_url, schema.as_deref(), &args).await,
        None => bench(&args).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("sessionboard-bench: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn seed_only(url: &str, schema: Option<&str>, args: &Args) -> Result<(), Error> {
    let url = match schema {
        Some(schema) => sessionboard_bench::loopback::fresh_postgres_schema(url, schema).await?,
        None => url.to_owned(),
    };
    let took =
        sessionboard_bench::seed_bulk::seed_bulk(&url, args.accounts, args.users, args.sessions)
            .await?;
    println!("seeded {url} in {:.1} s", took.as_secs_f64());
    Ok(())
}

async fn bench(args: &Args) -> Result<(), Error> {
    let root = std::env::current_dir()?;
    let binary = std::env::current_exe()?
        .parent()
        .ok_or("no directory")?
        .join("sessionboard");
    if !binary.exists() {
        return Err(format!(
            "{} is missing: build it first (make bench does)",
            binary.display()
        )
        .into());
    }
    let work = tempfile::tempdir()?;

    eprintln!("[bench] user agents, GeoIP and password hashing");
    let mut rows = parts(&root)?;

    let sqlite = measure(args, &root, &binary, work.path(), Backend::Sqlite).await?;
    let postgres = match &args.postgres_url {
        Some(_) => Some(measure(args, &root, &binary, work.path(), Backend::Postgres).await?),
        None => None,
    };
    let pg =
        |pick: &dyn Fn(&Measured) -> String| postgres.as_ref().map_or("not run".to_owned(), pick);
    let scale = format!(
        "{} sessions, {} users, {} accounts",
        args.sessions, args.users, args.accounts
    );
    rows.insert(
        0,
        row(
            format!("seed {scale}"),
            sqlite.seed.clone(),
            pg(&|m| m.seed.clone()),
            "well under 1 min",
        ),
    );
    rows.push(row(
        format!(
            "ceiling: constant axum handler, req/s (p50 / p99), {} conns",
            args.connections
        ),
        sqlite.ceiling.clone(),
        pg(&|m| m.ceiling.clone()),
        "",
    ));
    rows.push(row(
        "validate token over HTTP, req/s",
        sqlite.validation.clone(),
        pg(&|m| m.validation.clone()),
        "≥ 50% of ceiling",
    ));
    rows.push(row(
        "  … share of the ceiling",
        sqlite.ratio.clone(),
        pg(&|m| m.ratio.clone()),
        "≥ 50%",
    ));
    rows.push(row(
        "  … latency p50 / p99",
        sqlite.validation_latency.clone(),
        pg(&|m| m.validation_latency.clone()),
        "p99 < 2 ms",
    ));
    for (index, (what, value)) in sqlite.lists.iter().enumerate() {
        // The target is for browsing; searches are reported beside it.
        let own_rows = what.starts_with("account owner") || what.starts_with("my sessions");
        let target = if own_rows || (what.contains("first page") && !what.contains("search")) {
            "p95 < 15 ms"
        } else {
            ""
        };
        rows.push(row(
            format!("list: {what}, p50 / p95"),
            value.clone(),
            pg(&|m| m.lists.get(index).map_or(String::new(), |l| l.1.clone())),
            target,
        ));
    }
    rows.push(row(
        "sign-in without the password hash, 32 concurrent",
        sqlite.sign_ins.clone(),
        pg(&|m| m.sign_ins.clone()),
        "≥ 2,000/s",
    ));
    let storm = |m: &Measured, pick: &dyn Fn(&storm::Storm) -> String| {
        m.storm.as_ref().map_or(String::new(), pick)
    };
    rows.push(row(
        format!(
            "sign-in storm: {} attempts at once, RSS peak / 30 s later",
            measure::STORM_ATTEMPTS
        ),
        storm(&sqlite, &|s| s.memory.clone()),
        pg(&|m| storm(m, &|s| s.memory.clone())),
        "< 250 MB / < 150 MB",
    ));
    rows.push(row(
        "  … how the storm was answered",
        storm(&sqlite, &|s| s.answers.clone()),
        pg(&|m| storm(m, &|s| s.answers.clone())),
        "no other",
    ));
    rows.push(row(
        format!("server memory (RSS / peak) with {} sessions", args.sessions),
        sqlite.memory.clone(),
        pg(&|m| m.memory.clone()),
        "< 150 MB",
    ));
    rows.push(row(
        "revocation seen by a 2nd server, p50 / max of 20",
        sqlite.window.clone(),
        pg(&|m| m.window.clone()),
        "< 100 ms",
    ));
    let (raw, gzip) = wasm_size(&root.join(&args.wasm))?;
    rows.push(row(
        "release wasm, raw / gzip -9",
        format!("{} KB / {} KB", raw / 1000, gzip / 1000),
        "(same)".into(),
        "≤ 200 KB gzip",
    ));

    print_table(&rows);
    Ok(())
}
