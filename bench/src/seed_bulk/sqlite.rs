//! Bulk seeding, SQLite's part.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{Connection, Sqlite, SqliteConnection};

use super::Plan;
use crate::Error;

/// Bulk-seeded tokens are random: unique, and never handed out.
const TOKEN_HASH: &str = "randomblob(32)";

pub(super) async fn seed(url_or_path: &str, plan: &Plan) -> Result<(), Error> {
    let mut connection = SqliteConnection::connect_with(&options(url_or_path)?).await?;
    let mut tx = connection.begin().await?;
    super::people::<Sqlite>(&mut tx, plan).await?;
    let set_aside = before_sessions(&mut tx).await?;
    sqlx::raw_sql(&super::sessions_sql(plan, TOKEN_HASH))
        .execute(&mut *tx)
        .await?;
    after_sessions(&mut tx, set_aside).await?;
    tx.commit().await?;
    connection.close().await?;
    Ok(())
}

/// The connection the engine's writer would have: a `sqlite:` URL or a plain file path, in WAL
/// mode, with foreign keys checked.
fn options(url_or_path: &str) -> Result<SqliteConnectOptions, Error> {
    let options = if url_or_path.starts_with("sqlite:") {
        SqliteConnectOptions::from_str(url_or_path)?
    } else {
        SqliteConnectOptions::new().filename(url_or_path)
    };
    Ok(options
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5)))
}

/// Building an index (or the search index) once over a million rows is many times faster
/// than maintaining it row by row: the sessions' indexes and triggers are dropped here and
/// recreated afterwards from their own definitions.
async fn before_sessions(connection: &mut SqliteConnection) -> Result<Vec<String>, Error> {
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

async fn after_sessions(
    connection: &mut SqliteConnection,
    objects: Vec<String>,
) -> Result<(), Error> {
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
