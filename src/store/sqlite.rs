//! The embedded default: one SQLite file in WAL mode.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqliteConnection, SqlitePool};
use tokio::sync::mpsc;

use super::sql::{like_pattern, list_sessions_sql};
use super::{Dialect, Invalidation, Scope, SessionQuery, Sql};
use crate::error::{Error, Result};
use crate::model::{PageRequest, Timestamp};
use crate::token::TokenHash;

#[derive(Clone)]
pub struct SqliteStore {
    /// Readers: in WAL mode they never wait for the writer.
    pool: SqlitePool,
    /// The one connection that writes. SQLite admits one writer at a time anyway; queueing
    /// writes here, in order, replaces a scramble for the file lock in which an unlucky writer
    /// can time out under load ("database is locked").
    writer: SqlitePool,
}

/// The writer's page cache, in KiB (negative, as `PRAGMA cache_size` counts it). Ending
/// 250,004 of a million sessions took 17.2-17.9 s with SQLite's default 2 MiB, 15.1-15.3 s with
/// 16 MiB and 14.7-15.0 s with 64 MiB (`sessionboard-bench bulk-end`): 16 MiB holds what matters.
const WRITER_CACHE: &str = "-16384";

impl SqliteStore {
    /// Opens (creating if needed) the database at a `sqlite:` URL or a plain file path.
    pub async fn open(url_or_path: &str) -> Result<Self> {
        let options = if url_or_path.starts_with("sqlite:") {
            SqliteConnectOptions::from_str(url_or_path)
                .map_err(|error| Error::Config(format!("bad SQLite URL: {error}")))?
        } else {
            SqliteConnectOptions::new().filename(Path::new(url_or_path))
        };
        let options = options
            .create_if_missing(true)
            // WAL lets readers (every validation) proceed while a writer commits.
            .journal_mode(SqliteJournalMode::Wal)
            // In WAL mode NORMAL is durable against application crashes; only a power loss
            // can lose the last transactions, which for sessions means a re-sign-in.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let open = |connections| {
            SqlitePoolOptions::new()
                .max_connections(connections)
                .connect_with(options.clone())
        };
        let cannot = |error| Error::Config(format!("cannot open SQLite database: {error}"));
        // The one writer touches every index of every row it ends or creates: with SQLite's
        // default 2 MiB cache it keeps re-reading index pages from the OS.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone().pragma("cache_size", WRITER_CACHE))
            .await
            .map_err(cannot)?;
        let pool = open(8).await.map_err(cannot)?;
        Ok(Self { pool, writer })
    }
}

impl Dialect for SqliteStore {
    type Db = Sqlite;

    fn readers(&self) -> &SqlitePool {
        &self.pool
    }

    fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    async fn run_migrations(&self) -> Result<()> {
        sqlx::migrate!("./migrations/sqlite")
            .run(&self.pool)
            .await?;
        Ok(())
    }

    /// One server per file: there is nobody to tell.
    async fn announce(_connection: &mut SqliteConnection, _hashes: &[TokenHash]) -> Result<()> {
        Ok(())
    }

    fn invalidation_feed(&self) -> Option<mpsc::Receiver<Invalidation>> {
        None
    }

    /// The email column compares case-insensitively (`COLLATE NOCASE`), and its unique index
    /// serves this comparison.
    const EMAIL_IS: &str = "email = ";

    /// One server per file: it keeps sign-in budgets in memory.
    const SHARED: bool = false;

    /// `julianday` counts days since noon, 24 November 4714 BC; the Unix epoch is day
    /// 2440587.5. ('now' has millisecond precision.)
    const NOW_MICROS: &str = "CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)";

    /// Transactions that write take turns on the one writer connection, so what a change
    /// read stays true until it commits; SQLite has no row locks to ask for (nor the syntax).
    const FOR_UPDATE: &str = "";

    /// As for [`Dialect::FOR_UPDATE`]: the one writer runs a sign-in and a change in turn.
    const FOR_SHARE: &str = "";

    /// SQLite's JSON functions implement RFC 7396 as they are.
    const MERGE_SEEN: &str = "json_patch(sign_in_memory.seen, excluded.seen)";

    /// Substring search. Three characters or more use the FTS5 trigram index; shorter terms
    /// fall back to `LIKE` over rows the scope has already narrowed (the service refuses them
    /// for the platform-wide view, where that would mean a scan).
    fn push_search(sql: &mut Sql<Sqlite>, term: &str) {
        if term.chars().count() >= 3 {
            let phrase = format!("\"{}\"", term.replace('"', "\"\""));
            sql.push(
                " AND s.id IN (SELECT rowid FROM sessions_search WHERE sessions_search MATCH ",
            )
            .bind(phrase)
            .push(")");
        } else {
            sql.push(" AND s.search_text LIKE ")
                .bind(like_pattern(term))
                .push(" ESCAPE '\\'");
        }
    }
}

impl SqliteStore {
    /// SQLite's plan for a sessions list, one line per step ("SEARCH s USING INDEX …"): how
    /// tests and benchmarks check that lists never scan the sessions table.
    pub async fn explain_list_sessions(
        &self,
        scope: Scope,
        query: &SessionQuery,
    ) -> Result<Vec<String>> {
        let page = PageRequest::default();
        let mut connection = self.pool.acquire().await?;
        let rows: Vec<(i64, i64, i64, String)> = list_sessions_sql::<Self>(
            "EXPLAIN QUERY PLAN ",
            scope,
            query,
            Timestamp(0),
            Some(page),
        )
        .fetch_all(&mut connection)
        .await?;
        Ok(rows.into_iter().map(|(_, _, _, detail)| detail).collect())
    }
}
