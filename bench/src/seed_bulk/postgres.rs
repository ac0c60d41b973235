//! Bulk seeding, PostgreSQL's part.

use sqlx::{Connection, PgConnection, Postgres};

use super::Plan;
use crate::Error;

/// Bulk-seeded tokens are derived from the row number: unique, and never handed out.
const TOKEN_HASH: &str = "sha256(int8send(CAST(s.n AS BIGINT)))";

/// `url` may carry `options=-c search_path=…`, as the benchmarks' schema URLs do.
pub(super) async fn seed(url: &str, plan: &Plan) -> Result<(), Error> {
    let mut connection = PgConnection::connect(url).await?;
    let mut tx = connection.begin().await?;
    super::people::<Postgres>(&mut tx, plan).await?;
    let rebuilds = before_sessions(&mut tx).await?;
    sqlx::raw_sql(&super::sessions_sql(plan, TOKEN_HASH))
        .execute(&mut *tx)
        .await?;
    after_sessions(&mut tx, rebuilds).await?;
    tx.commit().await?;
    connection.close().await?;
    Ok(())
}

/// Building an index once over a million rows is many times faster than maintaining it row by
/// row, and checking a foreign key once (as one join) faster than per row. So the sessions'
/// secondary indexes and constraints (all but the primary key) are dropped here and recreated
/// afterwards from their own definitions, inside the same transaction.
async fn before_sessions(connection: &mut PgConnection) -> Result<Vec<String>, Error> {
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

/// Rebuilds what `before_sessions` dropped, and gives the planner statistics (what autovacuum
/// would do shortly after a load this size).
async fn after_sessions(connection: &mut PgConnection, rebuilds: Vec<String>) -> Result<(), Error> {
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
