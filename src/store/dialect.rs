//! What differs between the databases, and what the shared SQL needs of each.
//!
//! The shared SQL (`store::sql`) is ordinary generic code over a [`Dialect`]. A dialect names
//! its sqlx driver ([`Dialect::Db`]) and supplies the few things that really differ: its
//! connections, migrations, how an email is compared, the search index, and how other servers
//! hear of a change.
//!
//! sqlx states what a driver can bind, decode and execute as bounds on *other* types
//! (`i64: Encode<'q, DB>`, `&mut DB::Connection: Executor<'_>`…), and Rust does not carry such
//! bounds from a trait to its users: every generic function would have to repeat a dozen of
//! them. [`SqlDb`] turns them into supertraits of the driver type itself ([`Encodes`],
//! [`Fetch`], [`Run`]), which Rust does carry, so the shared SQL needs only `D: Dialect`.

use std::future::Future;
use std::pin::Pin;

use sqlx::{Arguments, Database, Encode, Executor, FromRow, IntoArguments, Pool, Type};
use tokio::sync::mpsc;

use super::Invalidation;
use super::sql::rows::{
    ActingActionRow, ApiKeyRow, ChangeRow, EndedSessionRow, ImpersonationRow, LiveSessionRow,
    LoginRecordRow, MemberRow, PersonRow, RecallRow, SessionRow, ViewerRow,
};
use super::statement::{Sql, Value};
use crate::error::Result;
use crate::token::TokenHash;

/// A future that may cross threads, as sqlx's executors return them.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A database's part of the store: everything the shared SQL cannot say the same way twice.
pub trait Dialect: Send + Sync + 'static {
    type Db: SqlDb;

    /// Connections for reads.
    fn readers(&self) -> &Pool<Self::Db>;

    /// Connections for writes (SQLite: one, in order; PostgreSQL: the same pool as reads).
    fn writer(&self) -> &Pool<Self::Db>;

    /// Brings the schema up to date; safe from several servers at once.
    fn run_migrations(&self) -> impl Future<Output = Result<()>> + Send;

    /// Tells other servers sharing the database, when `connection`'s transaction commits,
    /// that these tokens' validation answers changed. A no-op where nobody shares it.
    fn announce<'c>(
        connection: &'c mut <Self::Db as Database>::Connection,
        hashes: &'c [TokenHash],
    ) -> impl Future<Output = Result<()>> + Send + 'c;

    /// Other servers' changes as they commit, or `None` where the database cannot tell.
    fn invalidation_feed(&self) -> Option<mpsc::Receiver<Invalidation>>;

    /// `WHERE` fragment that finds a user by an already lower-cased email, followed by its
    /// bound value: spelled so that the database's unique email index serves it.
    const EMAIL_IS: &'static str;

    /// Appends ` AND <session s matches term>` through the database's substring index.
    fn push_search(sql: &mut Sql<Self::Db>, term: &str);

    /// Whether several servers may share the database (and so must keep sign-in budgets in
    /// it rather than each in its own memory).
    const SHARED: bool;

    /// SQL for the database's clock, in whole microseconds since the Unix epoch: the one
    /// clock all servers sharing it agree on.
    const NOW_MICROS: &'static str;

    /// Appended to a `SELECT` inside a change's transaction whose rows decide whether the
    /// change may go on (an account keeps an owner, the platform an admin). Where writers run
    /// side by side (PostgreSQL under READ COMMITTED) it locks those rows until commit, so two
    /// such changes at once take turns and the second sees what the first did. Empty where
    /// one writer runs transactions in turn already (SQLite, which has no row locks either).
    const FOR_UPDATE: &'static str;

    /// Like [`Dialect::FOR_UPDATE`], but shared: for a sign-in (or the start of acting) that
    /// checks the person, their membership, the account and the application, so that a
    /// change to those rows at the same moment waits for it to commit, and then sees and ends
    /// what it created. Checks like it do not wait for one another. Empty on SQLite.
    const FOR_SHARE: &'static str;

    /// In an upsert of `sign_in_memory`: its `seen` (a JSON object, as text) merged with
    /// `excluded.seen`, a JSON merge patch whose null members drop keys (RFC 7396).
    const MERGE_SEEN: &'static str;
}

/// An sqlx driver that the shared SQL can use: it encodes every [`Value`], reads every row
/// shape the shared SQL uses, and executes statements. Implemented for SQLite and PostgreSQL;
/// adding a row shape to the shared SQL means adding it here.
pub trait SqlDb:
    Database
    + Encodes
    + Run
    + Fetch<(i64,)>
    + Fetch<(i64, i64)>
    + Fetch<(i64, Option<i64>)>
    + Fetch<(i64, bool)>
    + Fetch<(i64, i64, bool)>
    + Fetch<(i64, i64, i64, i64)>
    + Fetch<(i64, i64, bool, bool, bool)>
    + Fetch<(i64, String, bool)>
    + Fetch<(i64, String, Option<i64>, Option<bool>)>
    + Fetch<(i64, i64, i64, String, i64)>
    + Fetch<(bool, bool)>
    + Fetch<(String,)>
    + Fetch<(bool,)>
    + Fetch<RecallRow>
    + Fetch<(Vec<u8>,)>
    + Fetch<(i64, Vec<u8>)>
    + Fetch<(i64, String)>
    + Fetch<(i64, String, String)>
    + Fetch<(i64, String, String, i64, String)>
    + Fetch<(i64, String, i64, i64)>
    + Fetch<(i64, i64, String)>
    + Fetch<(i64, i64, String, String, String)>
    + Fetch<(i64, i64, i64, i64, i64, Option<i64>, Option<String>)>
    + Fetch<(String, bool)>
    + Fetch<(i64, String, Option<i64>)>
    + Fetch<(i64, i64, i64, i64, Option<i64>, String)>
    + Fetch<(i64, i64, i64, i64, Vec<u8>)>
    + Fetch<(i64, i64, String, String, i64, i64)>
    + Fetch<super::sql::webhooks::EndpointRow>
    + Fetch<super::sql::webhooks::DeliveryRow>
    + Fetch<(String, String)>
    + Fetch<ViewerRow>
    + Fetch<LiveSessionRow>
    + Fetch<SessionRow>
    + Fetch<EndedSessionRow>
    + Fetch<LoginRecordRow>
    + Fetch<ImpersonationRow>
    + Fetch<ActingActionRow>
    + Fetch<ApiKeyRow>
    + Fetch<PersonRow>
    + Fetch<MemberRow>
    + Fetch<ChangeRow>
{
    /// Appends the placeholder for the `n`th bound value (from 1).
    fn push_placeholder(text: &mut String, n: usize);

    /// How many rows an `UPDATE` or `DELETE` touched (sqlx has no generic accessor).
    fn rows_affected(result: &Self::QueryResult) -> u64;
}

impl SqlDb for sqlx::Sqlite {
    fn push_placeholder(text: &mut String, _: usize) {
        text.push('?');
    }

    fn rows_affected(result: &Self::QueryResult) -> u64 {
        result.rows_affected()
    }
}

impl SqlDb for sqlx::Postgres {
    fn push_placeholder(text: &mut String, n: usize) {
        use std::fmt::Write;
        let _ = write!(text, "${n}");
    }

    fn rows_affected(result: &Self::QueryResult) -> u64 {
        result.rows_affected()
    }
}

/// A driver that can bind every [`Value`].
pub trait Encodes: Database {
    /// The values as the driver's arguments, for a statement that runs at once.
    fn arguments<'q>(values: Vec<Value>) -> Result<Self::Arguments<'q>, sqlx::error::BoxDynError>;
}

impl<DB: Database> Encodes for DB
where
    i64: for<'q> Encode<'q, DB> + Type<DB>,
    bool: for<'q> Encode<'q, DB> + Type<DB>,
    String: for<'q> Encode<'q, DB> + Type<DB>,
    Vec<u8>: for<'q> Encode<'q, DB> + Type<DB>,
    Option<i64>: for<'q> Encode<'q, DB> + Type<DB>,
    Option<String>: for<'q> Encode<'q, DB> + Type<DB>,
    Option<f64>: for<'q> Encode<'q, DB> + Type<DB>,
{
    fn arguments<'q>(values: Vec<Value>) -> Result<DB::Arguments<'q>, sqlx::error::BoxDynError> {
        let mut arguments = DB::Arguments::default();
        for value in values {
            match value {
                Value::Int(value) => arguments.add(value)?,
                Value::Bool(value) => arguments.add(value)?,
                Value::Text(value) => arguments.add(value)?,
                Value::Bytes(value) => arguments.add(value)?,
                Value::NullableInt(value) => arguments.add(value)?,
                Value::NullableText(value) => arguments.add(value)?,
                Value::Float(value) => arguments.add(value)?,
            }
        }
        Ok(arguments)
    }
}

/// A driver that can read rows of shape `T`.
pub trait Fetch<T>: Database {
    fn fetch_all(
        text: String,
        values: Vec<Value>,
        on: &mut Self::Connection,
    ) -> BoxFuture<'_, sqlx::Result<Vec<T>>>;

    fn fetch_optional(
        text: String,
        values: Vec<Value>,
        on: &mut Self::Connection,
    ) -> BoxFuture<'_, sqlx::Result<Option<T>>>;
}

impl<DB, T> Fetch<T> for DB
where
    DB: Encodes,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    T: for<'r> FromRow<'r, DB::Row> + Send + Unpin + 'static,
{
    fn fetch_all(
        text: String,
        values: Vec<Value>,
        on: &mut DB::Connection,
    ) -> BoxFuture<'_, sqlx::Result<Vec<T>>> {
        Box::pin(async move {
            let arguments = DB::arguments(values).map_err(sqlx::Error::Encode)?;
            sqlx::query_as_with::<DB, T, _>(&text, arguments)
                .fetch_all(on)
                .await
        })
    }

    fn fetch_optional(
        text: String,
        values: Vec<Value>,
        on: &mut DB::Connection,
    ) -> BoxFuture<'_, sqlx::Result<Option<T>>> {
        Box::pin(async move {
            let arguments = DB::arguments(values).map_err(sqlx::Error::Encode)?;
            sqlx::query_as_with::<DB, T, _>(&text, arguments)
                .fetch_optional(on)
                .await
        })
    }
}

/// A driver that can execute a statement that returns no rows.
pub trait Run: Database {
    fn run(
        text: String,
        values: Vec<Value>,
        on: &mut Self::Connection,
    ) -> BoxFuture<'_, sqlx::Result<u64>>;
}

impl<DB> Run for DB
where
    DB: SqlDb,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
{
    fn run(
        text: String,
        values: Vec<Value>,
        on: &mut DB::Connection,
    ) -> BoxFuture<'_, sqlx::Result<u64>> {
        Box::pin(async move {
            let arguments = DB::arguments(values).map_err(sqlx::Error::Encode)?;
            let done = sqlx::query_with::<DB, _>(&text, arguments)
                .execute(on)
                .await?;
            Ok(DB::rows_affected(&done))
        })
    }
}
