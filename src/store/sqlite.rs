//! The embedded default: one SQLite file in WAL mode.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{QueryBuilder, Sqlite, SqlitePool};

use super::like_pattern;
use crate::error::{Error, Result};
use crate::model::{AccountId, ApplicationId, Role, SessionId, Timestamp, UserId};

#[derive(Clone)]
pub struct SqliteStore {
    /// Readers: in WAL mode they never wait for the writer.
    pool: SqlitePool,
    /// The one connection that writes. SQLite admits one writer at a time anyway; queueing
    /// writes here, in order, replaces a scramble for the file lock in which an unlucky writer
    /// can time out under load ("database is locked").
    writer: SqlitePool,
}

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
        let writer = open(1).await.map_err(cannot)?;
        let pool = open(8).await.map_err(cannot)?;
        Ok(Self { pool, writer })
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
    async fn announce(
        _connection: &mut sqlx::SqliteConnection,
        _hashes: &[crate::token::TokenHash],
    ) -> Result<()> {
        Ok(())
    }

    fn invalidation_feed(&self) -> Option<tokio::sync::mpsc::Receiver<super::Invalidation>> {
        None
    }

    /// The email column compares case-insensitively (`COLLATE NOCASE`), and its unique index
    /// serves this comparison.
    const EMAIL_IS: &str = "email = ";

    /// Bulk-seeded tokens are random: unique, and never handed out.
    const BULK_TOKEN_HASH: &str = "randomblob(32)";

    /// Building an index (or the search index) once over a million rows is many times faster
    /// than maintaining it row by row: the sessions' indexes and triggers are dropped here and
    /// recreated afterwards from their own definitions.
    async fn before_bulk_sessions(connection: &mut sqlx::SqliteConnection) -> Result<Vec<String>> {
        let objects: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT type, name, sql FROM sqlite_master
             WHERE tbl_name = 'sessions' AND type IN ('index', 'trigger') AND sql IS NOT NULL",
        )
        .fetch_all(&mut *connection)
        .await?;
        sqlx::query("PRAGMA cache_size = -262144")
            .execute(&mut *connection)
            .await?;
        for (kind, name, _) in &objects {
            let kind = if kind == "index" { "INDEX" } else { "TRIGGER" };
            sqlx::query(&format!("DROP {kind} \"{name}\""))
                .execute(&mut *connection)
                .await?;
        }
        Ok(objects.into_iter().map(|(_, _, sql)| sql).collect())
    }

    async fn after_bulk_sessions(
        connection: &mut sqlx::SqliteConnection,
        objects: Vec<String>,
    ) -> Result<()> {
        for definition in objects {
            sqlx::query(&definition).execute(&mut *connection).await?;
        }
        sqlx::query("INSERT INTO sessions_search (sessions_search) VALUES ('rebuild')")
            .execute(&mut *connection)
            .await?;
        // Statistics for the planner, as PostgreSQL's autovacuum would gather them.
        sqlx::query("ANALYZE").execute(&mut *connection).await?;
        Ok(())
    }

    /// Substring search. Three characters or more use the FTS5 trigram index; shorter terms
    /// fall back to `LIKE` over rows the scope has already narrowed (the service refuses them
    /// for the platform-wide view, where that would mean a scan).
    fn push_search(sql: &mut QueryBuilder<'_, Sqlite>, term: &str) {
        if term.chars().count() >= 3 {
            let phrase = format!("\"{}\"", term.replace('"', "\"\""));
            sql.push(
                " AND s.id IN (SELECT rowid FROM sessions_search WHERE sessions_search MATCH ",
            )
            .push_bind(phrase)
            .push(")");
        } else {
            sql.push(" AND s.search_text LIKE ")
                .push_bind(like_pattern(term))
                .push(" ESCAPE '\\'");
        }
    }
}

impl SqliteStore {
    /// SQLite's plan for a sessions list, one line per step ("SEARCH s USING INDEX …"): how
    /// tests and benchmarks check that lists never scan the sessions table.
    pub async fn explain_list_sessions(
        &self,
        scope: super::Scope,
        query: &super::SessionQuery,
    ) -> Result<Vec<String>> {
        let page = crate::model::PageRequest::default();
        let rows: Vec<(i64, i64, i64, String)> = Self::list_sessions_sql(
            "EXPLAIN QUERY PLAN ",
            scope,
            query,
            Timestamp(0),
            Some(page),
        )
        .build_query_as()
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(_, _, _, detail)| detail).collect())
    }
}

super::sql::impl_store!(SqliteStore, Sqlite);
