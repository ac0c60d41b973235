//! The SQL both databases share, written once as generic code over a [`Dialect`].
//!
//! [`Sql`] writes each database's placeholders (`?` or `$1`), so the statements are the same
//! text for SQLite and PostgreSQL; what truly differs each dialect provides (see
//! `dialect.rs`). One file per area, beside the area's trait: `impl<D: Dialect> SessionStore
//! for D` and so on.
//!
//! A read takes a pooled connection for its one statement and gives it back at once, as
//! sqlx's pool executor does; only transactions hold one. Holding a connection across a
//! method's reads gains nothing, and it costs: measured on SQLite with a million sessions, a
//! rare-term search got 40 % slower when its count ran on whichever connection the list had
//! left idle (each connection has its own page cache, and a request's statements stop
//! landing on the connections already warm with their pages).

mod administration;
mod alerts;
mod api_keys;
mod audit;
mod directory;
mod limits;
pub(crate) mod rows;
mod sessions;
pub(crate) mod webhooks;

use async_trait::async_trait;

pub(crate) use sessions::list_sessions_sql;

use super::dialect::{Dialect, SqlDb};
use super::statement::{Sql, Value};
use super::{Invalidation, Store};
use crate::access::Scope;
use crate::error::Result;
use crate::model::{Cursor, Page, PageRequest};
use crate::token::TokenHash;
use crate::track::Observation;

#[async_trait]
impl<D: Dialect> Store for D {
    async fn migrate(&self) -> Result<()> {
        self.run_migrations().await
    }

    async fn ping(&self) -> Result<()> {
        let _: (i64,) = sql::<D>("SELECT CAST(1 AS BIGINT)")
            .fetch_one(&mut *self.readers().acquire().await?)
            .await?;
        Ok(())
    }

    fn invalidations(&self) -> Option<tokio::sync::mpsc::Receiver<Invalidation>> {
        self.invalidation_feed()
    }
}

/// A statement in `D`'s dialect.
fn sql<D: Dialect>(text: &str) -> Sql<D::Db> {
    Sql::new(text)
}

/// Turns rows fetched with `limit + 1` into a page and the cursor of the next one.
pub(crate) fn into_page<T>(mut items: Vec<T>, limit: u32, key: impl Fn(&T) -> Cursor) -> Page<T> {
    let next = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(key)
    } else {
        None
    };
    Page { items, next }
}

/// Token hashes from `RETURNING token_hash` rows.
fn token_hashes(rows: Vec<(Vec<u8>,)>) -> Vec<TokenHash> {
    rows.iter()
        .filter_map(|(bytes,)| TokenHash::from_bytes(bytes))
        .collect()
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
pub(crate) fn like_pattern(term: &str) -> String {
    let mut pattern = String::with_capacity(term.len() + 2);
    pattern.push('%');
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// `AND <table>.user_id = …` or `AND <table>.account_id = …`: the bound every list and
/// termination carries.
fn push_scope<DB: SqlDb>(statement: &mut Sql<DB>, table: &str, scope: Scope) {
    match scope {
        Scope::User(user) => {
            statement
                .push(format!(" AND {table}.user_id = "))
                .bind(user.0);
        }
        Scope::Account(account) => {
            statement
                .push(format!(" AND {table}.account_id = "))
                .bind(account.0);
        }
        Scope::All => {}
    }
}

/// The comparison that walks a keyset forward, and the matching sort direction.
fn order(ascending: bool) -> (&'static str, &'static str) {
    if ascending {
        (">", "ASC")
    } else {
        ("<", "DESC")
    }
}

/// Keyset pagination: rows after the cursor in (time, id) order, one more than the page so
/// the caller knows whether another follows.
fn push_page<DB: SqlDb>(
    statement: &mut Sql<DB>,
    time: &str,
    id: &str,
    page: PageRequest,
    ascending: bool,
) {
    let (comparison, direction) = order(ascending);
    if let Some(after) = page.after {
        // `(time, id) < (t, i)`, spelled so that SQLite too turns its first half into a range
        // on the index (it scans for the row-value form).
        statement
            .push(format!(" AND {time} {comparison}= "))
            .bind(after.at.0)
            .push(format!(" AND ({time} {comparison} "))
            .bind(after.at.0)
            .push(format!(" OR {id} {comparison} "))
            .bind(after.id)
            .push(")");
    }
    statement
        .push(format!(
            " ORDER BY {time} {direction}, {id} {direction} LIMIT "
        ))
        .bind(i64::from(page.limit) + 1);
}

/// Where a device came from and what it is, for the columns `ip, user_agent, device_kind,
/// device_model, os, os_version, browser, browser_version, location_kind, city, region,
/// country_code, country_name` that sessions and login records both have, in that order.
fn observation_values(observation: &Observation) -> [Value; 13] {
    let device = &observation.device;
    let location = rows::LocationColumns::from(&observation.location);
    [
        observation.ip.to_string().into(),
        observation.user_agent.clone().into(),
        device.kind.as_str().into(),
        device.model.clone().into(),
        device.os.clone().into(),
        device.os_version.clone().into(),
        device.browser.clone().into(),
        device.browser_version.clone().into(),
        location.kind.into(),
        location.city.into(),
        location.region.into(),
        location.country_code.into(),
        location.country_name.into(),
    ]
}
