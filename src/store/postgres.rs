//! PostgreSQL, for deployments that outgrow one machine: several stateless servers share it.

pub mod listen;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgConnection, PgPool, Postgres};
use tokio::sync::mpsc;

use super::sql::{like_pattern, list_sessions_sql};
use super::{Dialect, Invalidation, Scope, SessionQuery, Sql};
use crate::error::{Error, Result};
use crate::model::{PageRequest, Timestamp};
use crate::token::TokenHash;

#[derive(Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects to a `postgres://` URL.
    pub async fn connect(url: &str) -> Result<Self> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|error| Error::Config(format!("bad PostgreSQL URL: {error}")))?;
        Self::connect_with(options).await
    }

    /// Connects with prepared options (tests use this to give each run its own schema).
    pub async fn connect_with(options: PgConnectOptions) -> Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await
            .map_err(|error| Error::Config(format!("cannot connect to PostgreSQL: {error}")))?;
        Ok(Self { pool })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// PostgreSQL's plan for a sessions list, one line per row of `EXPLAIN`, asked with
    /// sequential scans switched off: whether an index *can* serve the query, whatever the
    /// table's current size (on a small table the planner rightly prefers a scan).
    pub async fn explain_list_sessions(
        &self,
        scope: Scope,
        query: &SessionQuery,
    ) -> Result<Vec<String>> {
        let page = PageRequest::default();
        let mut connection = self.pool.acquire().await?;
        sqlx::query("SET enable_seqscan = off")
            .execute(&mut *connection)
            .await?;
        let rows: Result<Vec<(String,)>> =
            list_sessions_sql::<Self>("EXPLAIN ", scope, query, Timestamp(0), Some(page))
                .fetch_all(&mut connection)
                .await;
        sqlx::query("RESET enable_seqscan")
            .execute(&mut *connection)
            .await?;
        Ok(rows?.into_iter().map(|(line,)| line).collect())
    }
}

impl Dialect for PostgresStore {
    type Db = Postgres;

    fn readers(&self) -> &PgPool {
        &self.pool
    }

    /// Writes share the pool: PostgreSQL's row locks let writers run side by side.
    fn writer(&self) -> &PgPool {
        &self.pool
    }

    async fn run_migrations(&self) -> Result<()> {
        // sqlx takes an advisory lock, so servers starting together migrate once.
        sqlx::migrate!("./migrations/postgres")
            .run(&self.pool)
            .await?;
        Ok(())
    }

    /// Tells other servers, on commit, that these tokens changed (see [`listen`]).
    async fn announce(connection: &mut PgConnection, hashes: &[TokenHash]) -> Result<()> {
        listen::announce(connection, hashes).await
    }

    fn invalidation_feed(&self) -> Option<mpsc::Receiver<Invalidation>> {
        Some(listen::spawn(&self.pool.connect_options()))
    }

    /// Emails are unique case-insensitively through an index on `lower(email)`; only this
    /// spelling of the comparison can use it (emails are stored lower-cased already).
    const EMAIL_IS: &str = "lower(email) = ";

    /// Several servers share one database: sign-in budgets live in it.
    const SHARED: bool = true;

    /// The statement's start: the same moment however often a statement reads it.
    const NOW_MICROS: &str = "CAST(EXTRACT(EPOCH FROM statement_timestamp()) * 1000000 AS BIGINT)";

    /// Writers share the pool and run side by side under READ COMMITTED: a check that must
    /// still hold at commit locks the rows it read. A statement that waited for such a lock
    /// reads the rows as the other transaction committed them.
    const FOR_UPDATE: &str = " FOR UPDATE";

    /// Shared: sign-ins checking the same rows go on side by side, and an `UPDATE` or
    /// `DELETE` of those rows waits for them.
    const FOR_SHARE: &str = " FOR SHARE";

    /// `||` merges the top-level members (the patch's win), then the nulls are dropped: RFC
    /// 7396 for a flat object.
    const MERGE_SEEN: &str =
        "jsonb_strip_nulls(sign_in_memory.seen::jsonb || excluded.seen::jsonb)::text";

    /// Substring search through the pg_trgm GIN index on the lower-cased search text.
    fn push_search(sql: &mut Sql<Postgres>, term: &str) {
        sql.push(" AND s.search_text LIKE ")
            .bind(like_pattern(term))
            .push(" ESCAPE '\\'");
    }
}
