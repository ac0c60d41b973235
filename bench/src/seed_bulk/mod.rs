//! Bulk seeding for the benchmarks: a large synthetic world, generated inside the database in
//! one transaction. `users` people spread evenly over `accounts` (the first of each its owner),
//! and `sessions` live sessions spread evenly over the users, on four applications, six kinds
//! of device and eight places. Everyone's password is [`PASSWORD`]; emails are
//! `user<N>@account<M>.example`.
//!
//! This is tooling, not product: it writes straight to the tables with its own connection. The
//! schema comes from the engine's own migrations, run first. The statements are the same text
//! for SQLite and PostgreSQL; what differs (the token hashes, and setting the sessions' indexes
//! aside) each database's module provides.

mod postgres;
mod sqlite;

use std::time::{Duration, Instant};

use sessionboard::store::Store as _;

use crate::Error;

/// Everyone's password in the bulk world.
pub const PASSWORD: &str = "sessionboard";

/// Sessions were created over this span before now, and stay live long after it.
const SPREAD: Duration = Duration::from_secs(20 * 24 * 3600);

/// What to generate. Every value here is a number or a password hash of our own making: the
/// statements carry them as literals (see [`quote`]), which keeps the SQL one text for both
/// databases.
struct Plan {
    accounts: u32,
    users: u32,
    sessions: u32,
    password_hash: String,
    /// Milliseconds since the epoch, as the engine stores times.
    now: i64,
    /// Milliseconds.
    spread: i64,
}

/// Fills the empty database at `database_url` (a `postgres://` URL, a `sqlite:` URL or a file
/// path) with `accounts`, `users` and `sessions`, creating the schema first if needed. Returns
/// how long it took, schema and password hashing included.
pub async fn seed_bulk(
    database_url: &str,
    accounts: u32,
    users: u32,
    sessions: u32,
) -> Result<Duration, Error> {
    if accounts == 0 || users < accounts {
        return Err("need at least one account, and at least as many users as accounts".into());
    }
    let started = Instant::now();
    let postgres =
        database_url.starts_with("postgres://") || database_url.starts_with("postgresql://");
    // The schema is the engine's: its migrations, exactly as a server would run them.
    if postgres {
        sessionboard::store::PostgresStore::connect(database_url)
            .await?
            .migrate()
            .await?;
    } else {
        sessionboard::store::SqliteStore::open(database_url)
            .await?
            .migrate()
            .await?;
    }
    // One hash for everyone: hashing 100,000 passwords would take minutes.
    let password_hash =
        tokio::task::spawn_blocking(|| sessionboard::password::hash_password(PASSWORD)).await??;
    let plan = Plan {
        accounts,
        users,
        sessions,
        password_hash,
        now: sessionboard::model::Timestamp::now().as_millis(),
        spread: i64::try_from(SPREAD.as_millis()).unwrap_or(i64::MAX).max(1),
    };
    if postgres {
        postgres::seed(database_url, &plan).await?;
    } else {
        sqlite::seed(database_url, &plan).await?;
    }
    Ok(started.elapsed())
}

/// Refuses a database that has anyone in it, then creates the applications, accounts, users
/// and memberships: everything but the sessions. Runs inside the caller's transaction.
async fn people<DB: sqlx::Database>(
    connection: &mut DB::Connection,
    plan: &Plan,
) -> Result<(), Error>
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    let anyone = sqlx::raw_sql("SELECT id FROM users LIMIT 1")
        .fetch_all(&mut *connection)
        .await?;
    if !anyone.is_empty() {
        return Err("bulk seeding needs an empty database".into());
    }
    for statement in people_sql(plan) {
        sqlx::raw_sql(&statement).execute(&mut *connection).await?;
    }
    Ok(())
}

/// A number series 1..=`most`, written the same way for both databases.
fn series(most: u32) -> String {
    format!("WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {most}) ")
}

/// The plan's largest count: how far the number series must go.
fn most(plan: &Plan) -> u32 {
    plan.sessions.max(plan.users).max(plan.accounts)
}

/// A string literal.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn people_sql(plan: &Plan) -> Vec<String> {
    let Plan {
        accounts,
        users,
        now,
        ..
    } = *plan;
    let series = series(most(plan));
    let mut statements: Vec<String> = ["Web", "iOS app", "Android app", "Partner API"]
        .into_iter()
        .map(|application| {
            format!(
                "INSERT INTO applications (name, created_at) VALUES ({}, {now})",
                quote(application)
            )
        })
        .collect();
    statements.push(format!(
        "{series}INSERT INTO accounts (name, store_geolocation, created_at) \
         SELECT 'Account ' || n, TRUE, {now} FROM g WHERE n <= {accounts} ORDER BY n"
    ));
    statements.push(format!(
        "{series}INSERT INTO users (email, name, password_hash, created_at) \
         SELECT 'user' || n || '@account' || ((n - 1) % {accounts} + 1) || '.example', \
         'User ' || n, {hash}, {now} FROM g WHERE n <= {users} ORDER BY n",
        hash = quote(&plan.password_hash),
    ));
    statements.push(format!(
        "{series}INSERT INTO memberships (user_id, account_id, role) \
         SELECT n, (n - 1) % {accounts} + 1, \
         CASE WHEN n <= {accounts} THEN 'owner' ELSE 'employee' END FROM g WHERE n <= {users}"
    ));
    statements
}

/// The sessions, with `token_hash` (an SQL expression over the row number `s.n`) for their
/// token hashes: unique, and never handed out.
fn sessions_sql(plan: &Plan, token_hash: &str) -> String {
    let Plan {
        accounts,
        users,
        sessions,
        now,
        spread,
        ..
    } = *plan;
    let series = series(most(plan));
    let lifetime = spread.saturating_mul(3);
    format!(
        "{series}, d(k, kind, model, os, os_version, browser, browser_version, user_agent) AS (VALUES
            (0, 'desktop', NULL, 'Windows', '10', 'Chrome', '131.0.0', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'),
            (1, 'desktop', NULL, 'Mac OS X', '14.6', 'Safari', '17.6', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15'),
            (2, 'phone', 'iPhone', 'iOS', '17.6.1', 'Mobile Safari', '17.6', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1'),
            (3, 'phone', 'Pixel 8', 'Android', '14', 'Chrome Mobile', '131.0.0', 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36'),
            (4, 'desktop', NULL, 'Ubuntu', NULL, 'Firefox', '133.0', 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0'),
            (5, 'tablet', 'iPad', 'iOS', '17.6', 'Mobile Safari', '17.6', 'Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1')),
         l(k, kind, city, region, country_code, country_name, ip) AS (VALUES
            (0, 'known', 'Berlin', 'Land Berlin', 'DE', 'Germany', '2.160.'),
            (1, 'known', 'Amsterdam', 'North Holland', 'NL', 'Netherlands', '77.60.'),
            (2, 'known', 'London', 'England', 'GB', 'United Kingdom', '81.2.'),
            (3, 'known', 'Paris', 'Ile-de-France', 'FR', 'France', '90.84.'),
            (4, 'known', 'New York', 'New York', 'US', 'United States', '74.125.'),
            (5, 'known', 'Tokyo', 'Tokyo', 'JP', 'Japan', '126.0.'),
            (6, 'local', NULL, NULL, NULL, NULL, '192.168.'),
            (7, 'unknown', NULL, NULL, NULL, NULL, '203.0.')),
         s(n, u, a, app, created) AS (SELECT n, (n - 1) % {users} + 1,
            ((n - 1) % {users}) % {accounts} + 1, (n / 7) % 4 + 1,
            CAST({now} AS BIGINT) - (CAST(n AS BIGINT) * 7919) % CAST({spread} AS BIGINT)
            FROM g WHERE n <= {sessions})
        INSERT INTO sessions (token_hash, user_id, account_id, application_id, ip,
            user_agent, device_kind, device_model, os, os_version, browser,
            browser_version, location_kind, city, region, country_code, country_name,
            created_at, last_active_at, expires_at, search_text, flags, flag_reasons)
        SELECT {token_hash}, s.u, s.a, s.app, l.ip || (s.n / 256 % 256) || '.' || (s.n % 256),
            d.user_agent, d.kind, d.model, d.os, d.os_version, d.browser,
            d.browser_version, l.kind, l.city, l.region, l.country_code,
            l.country_name, s.created, s.created, s.created + CAST({lifetime} AS BIGINT),
            lower('User ' || s.u || ' user' || s.u || '@account' || s.a || '.example '
            || d.os || ' ' || d.browser || ' ' || COALESCE(l.city, '') || ' '
            || COALESCE(l.country_name, '') || ' ' || l.ip || (s.n / 256 % 256) || '.' || (s.n % 256)),
            -- One session in forty stood out when it started (a new country), as the
            -- flagged-only filter finds them.
            CASE WHEN s.n % 40 = 0 AND l.kind = 'known' THEN 2 ELSE 0 END,
            CASE WHEN s.n % 40 = 0 AND l.kind = 'known'
                THEN 'first sign-in from ' || l.city || ', ' || l.country_name ELSE '' END
        FROM s JOIN d ON d.k = s.n % 6 JOIN l ON l.k = (s.n / 5) % 8"
    )
}
