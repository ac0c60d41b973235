//! The audit area's SQL: login records and impersonations.

use async_trait::async_trait;

use super::rows::{
    IMPERSONATION_COLUMNS, IMPERSONATION_JOINS, ImpersonationRow, LOGIN_RECORD_COLUMNS,
    LOGIN_RECORD_JOINS, LoginRecordRow,
};
use super::{into_page, observation_values, push_page, push_scope, sql, token_hashes};
use crate::access::Scope;
use crate::error::{Error, Result};
use crate::model::{
    AccountId, Cursor, ImpersonationId, ImpersonationView, LoginRecordFilter, LoginRecordView,
    Page, PageRequest, SessionId, Timestamp, UserId,
};
use crate::store::dialect::{Dialect, SqlDb};
use crate::store::statement::{Sql, Value};
use crate::store::{AuditStore, NewLoginRecord};
use crate::token::TokenHash;

#[async_trait]
impl<D: Dialect> AuditStore for D {
    async fn insert_login_record(&self, record: NewLoginRecord<'_>) -> Result<()> {
        let mut connection = self.writer().acquire().await?;
        insert_login_row::<D::Db>(&mut connection, record).await
    }

    async fn list_login_records(
        &self,
        scope: Scope,
        filter: &LoginRecordFilter,
        page: PageRequest,
    ) -> Result<Page<LoginRecordView>> {
        let mut statement = sql::<D>("SELECT ");
        statement
            .push(LOGIN_RECORD_COLUMNS)
            .push(" FROM login_records r")
            .push(LOGIN_RECORD_JOINS)
            .push(" WHERE 1 = 1");
        push_scope(&mut statement, "r", scope);
        if let Some(from) = filter.from {
            statement.push(" AND r.at >= ").bind(from.0);
        }
        if let Some(until) = filter.until {
            statement.push(" AND r.at < ").bind(until.0);
        }
        if let Some(outcome) = filter.outcome {
            statement.push(" AND r.outcome = ").bind(outcome.as_str());
        }
        if let Some(user) = filter.user {
            statement.push(" AND r.user_id = ").bind(user.0);
        }
        push_page(&mut statement, "r.at", "r.id", page, false);
        let rows: Vec<LoginRecordRow> = statement
            .fetch_all(&mut *self.readers().acquire().await?)
            .await?;
        let items = rows.into_iter().map(LoginRecordView::from).collect();
        Ok(into_page(items, page.limit, |r: &LoginRecordView| Cursor {
            at: r.at,
            id: r.id.0,
        }))
    }

    async fn start_impersonation(
        &self,
        session: SessionId,
        impersonator: UserId,
        target_user: UserId,
        target_account: AccountId,
        now: Timestamp,
    ) -> Result<(ImpersonationId, TokenHash)> {
        let mut tx = self.writer().begin().await?;
        let (id,): (i64,) = sql::<D>(
            "INSERT INTO impersonations (impersonator_id, session_id, target_user_id,
                target_account_id, started_at)",
        )
        .values([
            impersonator.0.into(),
            session.0.into(),
            target_user.0.into(),
            target_account.0.into(),
            now.0.into(),
        ])
        .push(" RETURNING id")
        .fetch_one(&mut *tx)
        .await?;
        let rows = sql::<D>("UPDATE sessions SET acting_user_id = ")
            .bind(target_user.0)
            .push(", acting_account_id = ")
            .bind(target_account.0)
            .push(", impersonation_id = ")
            .bind(id)
            .push(" WHERE id = ")
            .bind(session.0)
            .push(" AND user_id = ")
            .bind(impersonator.0)
            .push(" AND revoked_at IS NULL AND acting_user_id IS NULL RETURNING token_hash")
            .fetch_all(&mut *tx)
            .await?;
        let changed = token_hashes(rows);
        let Some(&token_hash) = changed.first() else {
            tx.rollback().await?;
            return Err(Error::AlreadyImpersonating);
        };
        D::announce(&mut tx, &changed).await?;
        tx.commit().await?;
        Ok((ImpersonationId(id), token_hash))
    }

    async fn end_impersonation(
        &self,
        session: SessionId,
        now: Timestamp,
    ) -> Result<Option<TokenHash>> {
        let mut tx = self.writer().begin().await?;
        sql::<D>("UPDATE impersonations SET ended_at = ")
            .bind(now.0)
            .push(
                " WHERE ended_at IS NULL AND id = \
                 (SELECT impersonation_id FROM sessions WHERE id = ",
            )
            .bind(session.0)
            .push(")")
            .run(&mut *tx)
            .await?;
        let rows = sql::<D>(
            "UPDATE sessions SET acting_user_id = NULL, acting_account_id = NULL,
                impersonation_id = NULL WHERE acting_user_id IS NOT NULL AND id = ",
        )
        .bind(session.0)
        .push(" RETURNING token_hash")
        .fetch_all(&mut *tx)
        .await?;
        let changed = token_hashes(rows);
        D::announce(&mut tx, &changed).await?;
        tx.commit().await?;
        Ok(changed.first().copied())
    }

    async fn list_impersonations(&self, page: PageRequest) -> Result<Page<ImpersonationView>> {
        let mut statement = sql::<D>("SELECT ");
        statement
            .push(IMPERSONATION_COLUMNS)
            .push(" FROM impersonations i")
            .push(IMPERSONATION_JOINS)
            .push(" WHERE 1 = 1");
        push_page(&mut statement, "i.started_at", "i.id", page, false);
        let rows: Vec<ImpersonationRow> = statement
            .fetch_all(&mut *self.readers().acquire().await?)
            .await?;
        let items = rows.into_iter().map(ImpersonationView::from).collect();
        Ok(into_page(items, page.limit, |i: &ImpersonationView| {
            Cursor {
                at: i.started_at,
                id: i.id.0,
            }
        }))
    }
}

/// Writes one login record on `connection` (inside a sign-in's transaction, or alone).
pub(super) async fn insert_login_row<DB: SqlDb>(
    connection: &mut DB::Connection,
    record: NewLoginRecord<'_>,
) -> Result<()> {
    let head: [Value; 5] = [
        record.at.0.into(),
        record.user_id.map(|id| id.0).into(),
        record.account_id.map(|id| id.0).into(),
        record.email.into(),
        record.application_id.0.into(),
    ];
    let tail: [Value; 2] = [
        record.outcome.as_str().into(),
        record.session_id.map(|id| id.0).into(),
    ];
    Sql::<DB>::new(
        "INSERT INTO login_records (at, user_id, account_id, email, application_id, ip,
            user_agent, device_kind, device_model, os, os_version, browser, browser_version,
            location_kind, city, region, country_code, country_name, outcome, session_id)",
    )
    .values(
        head.into_iter()
            .chain(observation_values(record.observation))
            .chain(tail),
    )
    .run(connection)
    .await?;
    Ok(())
}
