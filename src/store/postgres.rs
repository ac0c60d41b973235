//! PostgreSQL, for deployments that outgrow one machine: several stateless servers share it.

pub mod listen;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres, QueryBuilder};

use super::like_pattern;
use crate::error::{Error, Result};
use crate::model::{AccountId, ApplicationId, Role, SessionId, Timestamp, UserId};

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
    async fn announce(
        connection: &mut sqlx::PgConnection,
        hashes: &[crate::token::TokenHash],
    ) -> Result<()> {
        listen::announce(connection, hashes).await
    }

    fn invalidation_feed(&self) -> Option<tokio::sync::mpsc::Receiver<super::Invalidation>> {
        Some(listen::spawn(&self.pool.connect_options()))
    }

    /// Emails are unique case-insensitively through an index on `lower(email)`; only this
    /// spelling of the comparison can use it (emails are stored lower-cased already).
    const EMAIL_IS: &str = "lower(email) = ";

    /// Bulk-seeded tokens are derived from the row number: unique, and never handed out.
    const BULK_TOKEN_HASH: &str = "sha256(int8send(CAST(s.n AS BIGINT)))";

    /// Building an index once over a million rows is many times faster than maintaining it
    /// row by row, and checking a foreign key once (as one join) faster than per row. So the
    /// sessions' secondary indexes and constraints (all but the primary key) are dropped here
    /// and recreated afterwards from their own definitions, inside the same transaction.
    async fn before_bulk_sessions(connection: &mut sqlx::PgConnection) -> Result<Vec<String>> {
        let constraints: Vec<(String, String)> = sqlx::query_as(
            "SELECT conname::text, pg_get_constraintdef(oid) FROM pg_constraint
             WHERE conrelid = 'sessions'::regclass AND contype IN ('f', 'u')",
        )
        .fetch_all(&mut *connection)
        .await?;
        let indexes: Vec<(String, String)> = sqlx::query_as(
            "SELECT indexname::text, indexdef FROM pg_indexes
             WHERE schemaname = current_schema() AND tablename = 'sessions'
               AND indexname NOT IN (SELECT conname FROM pg_constraint
                                     WHERE conrelid = 'sessions'::regclass)",
        )
        .fetch_all(&mut *connection)
        .await?;
        let mut drops = Vec::new();
        let mut rebuilds = Vec::new();
        for (name, definition) in constraints {
            drops.push(format!("ALTER TABLE sessions DROP CONSTRAINT \"{name}\""));
            rebuilds.push(format!(
                "ALTER TABLE sessions ADD CONSTRAINT \"{name}\" {definition}"
            ));
        }
        for (name, definition) in indexes {
            drops.push(format!("DROP INDEX \"{name}\""));
            rebuilds.push(definition);
        }
        for statement in drops {
            sqlx::query(&statement).execute(&mut *connection).await?;
        }
        Ok(rebuilds)
    }

    /// Rebuilds what `before_bulk_sessions` dropped, and gives the planner statistics (what
    /// autovacuum would do shortly after a load this size).
    async fn after_bulk_sessions(
        connection: &mut sqlx::PgConnection,
        rebuilds: Vec<String>,
    ) -> Result<()> {
        sqlx::query("SET LOCAL maintenance_work_mem = '512MB'")
            .execute(&mut *connection)
            .await?;
        for statement in rebuilds {
            sqlx::query(&statement).execute(&mut *connection).await?;
        }
        for table in ["accounts", "users", "memberships", "sessions"] {
            sqlx::query(&format!("ANALYZE {table}"))
                .execute(&mut *connection)
                .await?;
        }
        Ok(())
    }

    /// Substring search through the pg_trgm GIN index on the lower-cased search text.
    fn push_search(sql: &mut QueryBuilder<'_, Postgres>, term: &str) {
        sql.push(" AND s.search_text LIKE ")
            .push_bind(like_pattern(term))
            .push(" ESCAPE '\\'");
    }
}

impl PostgresStore {
    /// PostgreSQL's plan for a sessions list, one line per row of `EXPLAIN`, asked with
    /// sequential scans switched off: whether an index *can* serve the query, whatever the
    /// table's current size (on a small table the planner rightly prefers a scan).
    pub async fn explain_list_sessions(
        &self,
        scope: super::Scope,
        query: &super::SessionQuery,
    ) -> Result<Vec<String>> {
        let mut connection = self.pool.acquire().await?;
        sqlx::query("SET enable_seqscan = off")
            .execute(&mut *connection)
            .await?;
        let page = crate::model::PageRequest::default();
        let rows: std::result::Result<Vec<(String,)>, sqlx::Error> =
            Self::list_sessions_sql("EXPLAIN ", scope, query, Timestamp(0), Some(page))
                .build_query_as()
                .fetch_all(&mut *connection)
                .await;
        sqlx::query("RESET enable_seqscan")
            .execute(&mut *connection)
            .await?;
        Ok(rows?.into_iter().map(|(line,)| line).collect())
    }
}

super::sql::impl_store!(PostgresStore, Postgres);
