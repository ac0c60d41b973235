//! The embedded default: one SQLite file in WAL mode.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{QueryBuilder, Sqlite, SqlitePool};

use super::{
    Credentials, HomeAccount, LiveSession, LocationColumns, NewSession, NewUser, Page, PageRequest,
    Role, Scope, SessionRow, Store, into_page,
};
use crate::error::{Error, Result};
use crate::model::{AccountId, ApplicationId, SessionId, Timestamp, UserId, Viewer};
use crate::token::TokenHash;

#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
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
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .map_err(|error| Error::Config(format!("cannot open SQLite database: {error}")))?;
        Ok(Self { pool })
    }
}

fn push_scope(query: &mut QueryBuilder<'_, Sqlite>, scope: Scope) {
    match scope {
        Scope::User(user) => {
            query.push(" s.user_id = ").push_bind(user.0);
        }
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn migrate(&self) -> Result<()> {
        sqlx::migrate!("./migrations/sqlite")
            .run(&self.pool)
            .await?;
        Ok(())
    }

    async fn credentials_by_email(&self, email: &str) -> Result<Option<Credentials>> {
        let row: Option<(i64, String)> =
            sqlx::query_as("SELECT id, password_hash FROM users WHERE email = ?")
                .bind(email)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(id, password_hash)| Credentials {
            user_id: UserId(id),
            password_hash,
        }))
    }

    async fn home_account(&self, user: UserId) -> Result<Option<HomeAccount>> {
        let row: Option<(i64, bool)> = sqlx::query_as(
            "SELECT a.id, a.store_geolocation FROM memberships m
             JOIN accounts a ON a.id = m.account_id
             WHERE m.user_id = ? ORDER BY a.id LIMIT 1",
        )
        .bind(user.0)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(id, store_geolocation)| HomeAccount {
            account_id: AccountId(id),
            store_geolocation,
        }))
    }

    async fn application_by_name(&self, name: &str) -> Result<Option<ApplicationId>> {
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM applications WHERE name = ?")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        Ok(id.map(ApplicationId))
    }

    async fn viewer(&self, user: UserId, account: AccountId) -> Result<Option<Viewer>> {
        let row: Option<(String, String, String)> = sqlx::query_as(
            "SELECT u.name, u.email, a.name FROM users u, accounts a WHERE u.id = ? AND a.id = ?",
        )
        .bind(user.0)
        .bind(account.0)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(name, email, account_name)| Viewer {
            user_id: user,
            name,
            email,
            account_id: account,
            account_name,
        }))
    }

    async fn insert_session(&self, session: NewSession<'_>) -> Result<SessionId> {
        let observation = session.observation;
        let device = &observation.device;
        let location = LocationColumns::from(&observation.location);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO sessions (token_hash, user_id, account_id, application_id, ip,
                user_agent, device_kind, device_model, os, os_version, browser, browser_version,
                location_kind, city, region, country_code, country_name,
                created_at, last_active_at, expires_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             RETURNING id",
        )
        .bind(session.token_hash.as_bytes())
        .bind(session.user_id.0)
        .bind(session.account_id.0)
        .bind(session.application_id.0)
        .bind(observation.ip.to_string())
        .bind(&observation.user_agent)
        .bind(device.kind.as_str())
        .bind(device.model.as_deref())
        .bind(&device.os)
        .bind(device.os_version.as_deref())
        .bind(&device.browser)
        .bind(device.browser_version.as_deref())
        .bind(location.kind)
        .bind(location.city)
        .bind(location.region)
        .bind(location.country_code)
        .bind(location.country_name)
        .bind(session.created_at.0)
        .bind(session.last_active_at.0)
        .bind(session.expires_at.0)
        .fetch_one(&self.pool)
        .await?;
        Ok(SessionId(id))
    }

    async fn live_session_by_token(
        &self,
        token: &TokenHash,
        now: Timestamp,
    ) -> Result<Option<LiveSession>> {
        let row: Option<(i64, i64, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT id, user_id, account_id, created_at, last_active_at, expires_at
             FROM sessions
             WHERE token_hash = ? AND revoked_at IS NULL AND expires_at > ?",
        )
        .bind(token.as_bytes())
        .bind(now.0)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(
            |(id, user_id, account_id, created_at, last_active_at, expires_at)| LiveSession {
                id: SessionId(id),
                user_id: UserId(user_id),
                account_id: AccountId(account_id),
                created_at: Timestamp(created_at),
                last_active_at: Timestamp(last_active_at),
                expires_at: Timestamp(expires_at),
            },
        ))
    }

    async fn touch_session(
        &self,
        id: SessionId,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE sessions SET last_active_at = ?, expires_at = ?
             WHERE id = ? AND revoked_at IS NULL AND last_active_at < ?",
        )
        .bind(now.0)
        .bind(expires_at.0)
        .bind(id.0)
        .bind(now.0)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn list_live_sessions(
        &self,
        scope: Scope,
        now: Timestamp,
        page: PageRequest,
    ) -> Result<Page> {
        let mut query = QueryBuilder::<Sqlite>::new(
            "SELECT s.id, s.user_id, u.name AS user_name, s.account_id, a.name AS account_name,
                    app.name AS application, s.ip, s.device_kind, s.device_model, s.os,
                    s.os_version, s.browser, s.browser_version, s.location_kind, s.city,
                    s.region, s.country_code, s.country_name, s.created_at, s.last_active_at
             FROM sessions s
             JOIN users u ON u.id = s.user_id
             JOIN accounts a ON a.id = s.account_id
             JOIN applications app ON app.id = s.application_id
             WHERE",
        );
        push_scope(&mut query, scope);
        query
            .push(" AND s.revoked_at IS NULL AND s.expires_at > ")
            .push_bind(now.0);
        if let Some(after) = page.after {
            query
                .push(" AND (s.created_at, s.id) < (")
                .push_bind(after.created_at.0)
                .push(", ")
                .push_bind(after.id.0)
                .push(")");
        }
        query
            .push(" ORDER BY s.created_at DESC, s.id DESC LIMIT ")
            .push_bind(i64::from(page.limit) + 1);
        let rows: Vec<SessionRow> = query.build_query_as().fetch_all(&self.pool).await?;
        Ok(into_page(rows, page.limit))
    }

    async fn revoke_session(&self, id: SessionId, scope: Scope, now: Timestamp) -> Result<bool> {
        let mut query = QueryBuilder::<Sqlite>::new("UPDATE sessions AS s SET revoked_at = ");
        query
            .push_bind(now.0)
            .push(" WHERE s.id = ")
            .push_bind(id.0)
            .push(" AND s.revoked_at IS NULL AND s.expires_at > ")
            .push_bind(now.0)
            .push(" AND");
        push_scope(&mut query, scope);
        let done = query.build().execute(&self.pool).await?;
        Ok(done.rows_affected() == 1)
    }

    async fn is_empty(&self) -> Result<bool> {
        let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM (SELECT 1 FROM users LIMIT 1)")
            .fetch_one(&self.pool)
            .await?;
        Ok(users == 0)
    }

    async fn insert_account(
        &self,
        name: &str,
        store_geolocation: bool,
        now: Timestamp,
    ) -> Result<AccountId> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO accounts (name, store_geolocation, created_at) VALUES (?, ?, ?)
             RETURNING id",
        )
        .bind(name)
        .bind(store_geolocation)
        .bind(now.0)
        .fetch_one(&self.pool)
        .await?;
        Ok(AccountId(id))
    }

    async fn insert_user(&self, user: NewUser<'_>, now: Timestamp) -> Result<UserId> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (email, name, password_hash, is_platform_admin, is_sales_rep,
                created_at)
             VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(user.email)
        .bind(user.name)
        .bind(user.password_hash)
        .bind(user.is_platform_admin)
        .bind(user.is_sales_rep)
        .bind(now.0)
        .fetch_one(&self.pool)
        .await?;
        Ok(UserId(id))
    }

    async fn insert_membership(&self, user: UserId, account: AccountId, role: Role) -> Result<()> {
        sqlx::query("INSERT INTO memberships (user_id, account_id, role) VALUES (?, ?, ?)")
            .bind(user.0)
            .bind(account.0)
            .bind(role.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn insert_application(&self, name: &str, now: Timestamp) -> Result<ApplicationId> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO applications (name, created_at) VALUES (?, ?) RETURNING id",
        )
        .bind(name)
        .bind(now.0)
        .fetch_one(&self.pool)
        .await?;
        Ok(ApplicationId(id))
    }
}
