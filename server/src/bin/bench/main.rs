//! Sessionboard's benchmarks: `make bench` (scripts/bench.sh) builds the release binaries and
//! runs this. It seeds a large world into SQLite and PostgreSQL, starts real server processes
//! and measures them from outside over loopback, then prints one table. It asserts nothing:
//! the targets are printed beside the numbers.

mod stats;
mod wrk;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use clap::{Parser, Subcommand};
use server::Config;
use server::loopback::{
    Client, ServerProcess, create_api_key, drop_postgres_schema, fresh_postgres_schema,
    revocation_window, seed_bulk, sign_in,
};
use sessionboard::service::SignIn;
use sessionboard::track::{GeoIp, UserAgentTracker};
use stats::{Percentiles, percentiles, show};

pub type Error = Box<dyn std::error::Error + Send + Sync>;

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
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
}

/// One row of the table: a measurement per database (or one for both), and its target.
struct Row {
    what: String,
    sqlite: String,
    postgres: String,
    target: &'static str,
}

fn row(what: impl Into<String>, sqlite: String, postgres: String, target: &'static str) -> Row {
    Row {
        what: what.into(),
        sqlite,
        postgres,
        target,
    }
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

/// The ceiling: what a do-nothing axum handler serves on this machine, with the same runtime
/// and socket options as the real server.
async fn ceiling(port: u16) -> Result<(), Error> {
    use axum::serve::ListenerExt;
    let app = axum::Router::new().route(
        "/",
        axum::routing::get(|| async {
            (
                [(axum::http::header::CONTENT_TYPE, "application/json")],
                r#"{"ok":true}"#,
            )
        }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await?
        .tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
    axum::serve(listener, app).await?;
    Ok(())
}

/// Everything measured on one database.
#[derive(Default)]
struct Measured {
    seed: String,
    validation: String,
    validation_latency: String,
    ceiling: String,
    ratio: String,
    lists: Vec<(String, String)>,
    sign_ins: String,
    memory: String,
    window: String,
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
        let target = if what.contains("first page") && !what.contains("search") {
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

/// Measurements that need no database: user agents, GeoIP, argon2.
fn parts(root: &Path) -> Result<Vec<Row>, Error> {
    // The same files the server reads by default.
    let defaults = Config::parse_from(["sessionboard"]);
    let regexes = root.join(&defaults.ua_regexes);
    let started = Instant::now();
    let user_agents = UserAgentTracker::from_regexes_file(&regexes)?;
    let load = started.elapsed();
    let distinct = 2_000;
    let started = Instant::now();
    for version in 0..distinct {
        let agent = format!(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.{version}.0 Safari/537.36"
        );
        std::hint::black_box(user_agents.parse(&agent));
    }
    let cold = started.elapsed() / distinct;
    let agent = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1";
    user_agents.parse(agent);
    let repeats = 200_000;
    let started = Instant::now();
    for _ in 0..repeats {
        std::hint::black_box(user_agents.parse(std::hint::black_box(agent)));
    }
    let cached = started.elapsed() / repeats;

    let files: Vec<PathBuf> = defaults
        .geoip_files()
        .iter()
        .map(|file| root.join(file))
        .collect();
    let geoip = GeoIp::open(&files)?;
    let lookups = 100_000u32;
    let mut seed = 0x9e37_79b9u32;
    let started = Instant::now();
    for _ in 0..lookups {
        // xorshift: addresses all over the IPv4 space, so lookups are not all cache-hot
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        std::hint::black_box(geoip.locate(std::net::IpAddr::from(seed.to_be_bytes())));
    }
    let geo = started.elapsed() / lookups;

    let hash = sessionboard::password::hash_password("correct horse battery staple")?;
    let started = Instant::now();
    for _ in 0..5 {
        std::hint::black_box(sessionboard::password::verify_password(
            "correct horse battery staple",
            &hash,
        ));
    }
    let argon = started.elapsed() / 5;
    let both = |text: String| (text.clone(), "(same)".to_owned());
    let rows = [
        ("load uap-core regexes (once per process)", show(load), ""),
        ("user agent parse, cold (distinct strings)", show(cold), ""),
        ("user agent parse, cached", show(cached), ""),
        ("GeoIP lookup (DB-IP City Lite, random IPv4)", show(geo), ""),
        ("argon2id password check (measured alone)", show(argon), ""),
    ];
    Ok(rows
        .into_iter()
        .map(|(what, value, target)| {
            let (sqlite, postgres) = both(value);
            row(what, sqlite, postgres, target)
        })
        .collect())
}

/// Seeds the large world into a fresh database and measures a server on it.
async fn measure(
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
    let took = seed_bulk(
        binary,
        root,
        &database,
        args.accounts,
        args.users,
        args.sessions,
    )?;
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
    let (token, _) = sign_in(
        &mut client,
        &app_key,
        "user1@account1.example",
        "sessionboard",
    )
    .await?;
    let bearer = format!("Bearer {token}");

    eprintln!("[bench] {name}: token validation against the ceiling");
    let ceiling_port = server::loopback::free_port()?;
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
                    "sessionboard",
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
    if backend == Backend::Postgres {
        drop_postgres_schema(
            args.postgres_url.as_deref().unwrap_or_default(),
            BENCH_SCHEMA,
        )
        .await?;
    }
    Ok(measured)
}

/// Request headers, name and value.
type Headers<'a> = &'a [(&'a str, &'a str)];

/// The list cases: p50 / p95 over 200 sequential requests each, through the JSON API.
async fn lists(
    client: &mut Client,
    platform_key: &str,
    app_key: &str,
    owner_bearer: &str,
) -> Result<Vec<(String, String)>, Error> {
    let platform = [("x-api-key", platform_key)];
    let owner = [("x-api-key", app_key), ("authorization", owner_bearer)];
    // A deep page: 10,000 sessions down the platform-wide list.
    let mut after = String::new();
    for _ in 0..50 {
        let path = format!("/api/v1/sessions?view=platform&limit=200{after}");
        let page: serde_json::Value =
            serde_json::from_slice(&get_ok(client, &path, &platform).await?)?;
        let next = page["next"].as_str().ok_or("the list ended early")?;
        after = format!("&after={next}");
    }
    let cases: [(&str, String, Headers); 8] = [
        (
            "all accounts, first page",
            "/api/v1/sessions?view=platform".into(),
            &platform,
        ),
        (
            "all accounts, deep page (10,000 down)",
            format!("/api/v1/sessions?view=platform{after}"),
            &platform,
        ),
        (
            "all accounts, search \"berlin\", first page",
            "/api/v1/sessions?view=platform&q=berlin".into(),
            &platform,
        ),
        (
            "all accounts, search \"user4242@\", first page",
            "/api/v1/sessions?view=platform&q=user4242%40".into(),
            &platform,
        ),
        (
            "all accounts, app + user filter, first page",
            "/api/v1/sessions?view=platform&application=3&user=4242".into(),
            &platform,
        ),
        (
            "all accounts, search + app filter, deep page",
            format!("/api/v1/sessions?view=platform&q=windows&application=2{after}"),
            &platform,
        ),
        (
            "account owner, first page",
            "/api/v1/sessions?view=account&account=1".into(),
            &owner,
        ),
        ("my sessions, first page", "/api/v1/sessions".into(), &owner),
    ];
    let mut results = Vec::new();
    for (what, path, headers) in cases {
        for _ in 0..20 {
            get_ok(client, &path, headers).await?;
        }
        let mut samples = Vec::with_capacity(200);
        for _ in 0..200 {
            let started = Instant::now();
            get_ok(client, &path, headers).await?;
            samples.push(started.elapsed());
        }
        let Percentiles { p50, p95, .. } = percentiles(&mut samples);
        results.push((what.to_owned(), format!("{} / {}", show(p50), show(p95))));
    }
    Ok(results)
}

async fn get_ok(
    client: &mut Client,
    path: &str,
    headers: &[(&str, &str)],
) -> Result<axum::body::Bytes, Error> {
    let (status, body) = client.get(path, headers).await?;
    if status != StatusCode::OK {
        return Err(format!("GET {path}: {status} {}", String::from_utf8_lossy(&body)).into());
    }
    Ok(body)
}

/// Sessions created per second by 32 concurrent sign-ins that skip the password hash, through
/// the engine (the same work as an HTTP sign-in minus argon2), for 5 seconds.
async fn sign_ins(database: &str, users: u32, accounts: u32) -> Result<String, Error> {
    // The service as the server builds it (tracking data from the default paths).
    let config = Config::parse_from([
        "sessionboard",
        "--database-url",
        database,
        "--seed-demo",
        "false",
    ]);
    let service = server::startup::build_service(&config).await?;
    let done = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for worker in 0..32u32 {
        let (service, done, count) = (service.clone(), done.clone(), count.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = worker;
            while !done.load(Ordering::Relaxed) {
                let user = n % users.max(1) + 1;
                let email = format!("user{user}@account{}.example", (user - 1) % accounts.max(1) + 1);
                let ip = std::net::IpAddr::from([81, 2, (n / 256 % 256) as u8, (n % 256) as u8]);
                let attempt = SignIn {
                    email: &email,
                    password: "",
                    application: "Web".into(),
                    ip,
                    user_agent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
                };
                match service.sign_in_verified(attempt, sessionboard::model::Timestamp::now()).await {
                    Ok(_) => {
                        count.fetch_add(1, Ordering::Relaxed);
                    }
                    // Users beyond the seeded accounts' pattern: skip.
                    Err(sessionboard::Error::UserNotFound) => {}
                    Err(error) => return Err(error),
                }
                n += 32;
            }
            Ok(())
        }));
    }
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(5)).await;
    done.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await??;
    }
    let rate = count.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64();
    Ok(format!("{rate:.0}/s"))
}

/// The ceiling server, in a process of its own like the real one.
struct CeilingProcess {
    child: std::process::Child,
    address: SocketAddr,
}

impl CeilingProcess {
    async fn start(port: u16) -> Result<Self, Error> {
        let child = std::process::Command::new(std::env::current_exe()?)
            .args(["ceiling", "--port", &port.to_string()])
            .spawn()?;
        let address = SocketAddr::from(([127, 0, 0, 1], port));
        for _ in 0..200 {
            if let Ok(mut client) = Client::connect(address).await
                && client.get("/", &[]).await.is_ok()
            {
                return Ok(Self { child, address });
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        Err("the ceiling server did not start".into())
    }
}

impl Drop for CeilingProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const BENCH_SCHEMA: &str = "sb_bench";

fn wasm_size(path: &Path) -> Result<(u64, u64), Error> {
    let raw = std::fs::metadata(path)
        .map_err(|error| {
            format!(
                "{}: {error} (run cargo leptos build --release)",
                path.display()
            )
        })?
        .len();
    let gzip = std::process::Command::new("gzip")
        .args(["-9", "-c"])
        .arg(path)
        .output()?;
    Ok((raw, gzip.stdout.len() as u64))
}

fn print_table(rows: &[Row]) {
    let header = Row {
        what: "measurement".into(),
        sqlite: "SQLite".into(),
        postgres: "PostgreSQL".into(),
        target: "target",
    };
    let width =
        |pick: &dyn Fn(&Row) -> usize| rows.iter().chain([&header]).map(pick).max().unwrap_or(0);
    let widths = [
        width(&|r| r.what.chars().count()),
        width(&|r| r.sqlite.chars().count()),
        width(&|r| r.postgres.chars().count()),
        width(&|r| r.target.chars().count()),
    ];
    let line = |r: &Row| {
        format!(
            "| {:w0$} | {:w1$} | {:w2$} | {:w3$} |",
            r.what,
            r.sqlite,
            r.postgres,
            r.target,
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
            w3 = widths[3]
        )
    };
    println!();
    println!("{}", line(&header));
    println!(
        "|{}|{}|{}|{}|",
        "-".repeat(widths[0] + 2),
        "-".repeat(widths[1] + 2),
        "-".repeat(widths[2] + 2),
        "-".repeat(widths[3] + 2)
    );
    for r in rows {
        println!("{}", line(r));
    }
}
