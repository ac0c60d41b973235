//! The audit area's SQL: login records, impersonations, and actions taken while acting.

use async_trait::async_trait;

use super::rows::{
    ACTING_ACTION_COLUMNS, ACTING_ACTION_JOINS, ActingActionRow, IMPERSONATION_COLUMNS,
    IMPERSONATION_JOINS, ImpersonationRow, LOGIN_RECORD_COLUMNS, LOGIN_RECORD_JOINS,
    LoginRecordRow,
};
use super::{into_page, observation_values, push_page, push_scope, sql, token_hashes};
use crate::access::Scope;
use crate::error::{Error, Result};
use crate::model::{
    AccountId, ActingActionView, Cursor, EventType, ImpersonationId, ImpersonationView,
    LoginOutcome, LoginRecordFilter, LoginRecordView, Page, PageRequest, SessionFlags, SessionId,
    Timestamp, UserId,
};
use crate::store::dialect::{Dialect, SqlDb};
use crate::store::statement::{Sql, Value};
use crate::store::{AuditStore, NewActingAction, NewLoginRecord};
use crate::token::TokenHash;
use crate::webhook::Event;

#[async_trait]
impl<D: Dialect> AuditStore for D {
    async fn insert_login_record(&self, record: NewLoginRecord<'_>) -> Result<()> {
        let mut tx = self.writer().begin().await?;
        let failed = (record.outcome != LoginOutcome::Success).then(|| {
            Event::sign_in_failed(
                record.email,
                record.user_id,
                record.account_id,
                record.application_id,
                record.outcome,
                record.observation,
                record.at,
            )
        });
        insert_login_row::<D::Db>(&mut tx, record, &SessionFlags::default()).await?;
        if let Some(failed) = failed {
            let kinds = [EventType::SignInFailed];
            super::webhooks::enqueue::<D::Db>(&mut tx, &kinds, || vec![failed]).await?;
        }
        tx.commit().await?;
        Ok(())
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
        may_act::<D>(&mut tx, impersonator, target_user, target_account).await?;
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
            .push(", acting_since = ")
            .bind(now.0)
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
        let changed = end_acting::<D>(&mut tx, session, None, now).await?;
        D::announce(&mut tx, &changed).await?;
        tx.commit().await?;
        Ok(changed.first().copied())
    }

    async fn expire_impersonation(
        &self,
        session: SessionId,
        impersonation: ImpersonationId,
        ended_at: Timestamp,
    ) -> Result<Option<TokenHash>> {
        let mut tx = self.writer().begin().await?;
        let changed = end_acting::<D>(&mut tx, session, Some(impersonation), ended_at).await?;
        D::announce(&mut tx, &changed).await?;
        tx.commit().await?;
        Ok(changed.first().copied())
    }

    async fn list_impersonations(&self, page: PageRequest) -> Result<Page<ImpersonationView>> {
        impersonations::<D>(self, " WHERE 1 = 1", None, page).await
    }

    async fn list_acting_on(
        &self,
        user: UserId,
        page: PageRequest,
    ) -> Result<Page<ImpersonationView>> {
        let shown = " WHERE a.show_acting AND i.target_user_id = ";
        impersonations::<D>(self, shown, Some(user.0), page).await
    }

    async fn show_acting(&self, account: AccountId) -> Result<Option<bool>> {
        let row: Option<(bool,)> =
            sql::<D>("SELECT show_acting FROM accounts WHERE closed_at IS NULL AND id = ")
                .bind(account.0)
                .fetch_optional(&mut *self.readers().acquire().await?)
                .await?;
        Ok(row.map(|(on,)| on))
    }

    async fn set_show_acting(&self, account: AccountId, on: bool) -> Result<bool> {
        let changed = sql::<D>("UPDATE accounts SET show_acting = ")
            .bind(on)
            .push(" WHERE closed_at IS NULL AND id = ")
            .bind(account.0)
            .run(&mut *self.writer().acquire().await?)
            .await?;
        Ok(changed > 0)
    }

    async fn insert_acting_action(&self, action: NewActingAction<'_>) -> Result<()> {
        let mut connection = self.writer().acquire().await?;
        sql::<D>(
            "INSERT INTO impersonation_actions (at, session_id, rep_user_id, acting_user_id,
                account_id, kind, detail)",
        )
        .values([
            action.at.0.into(),
            action.session_id.0.into(),
            action.representative.0.into(),
            action.acting_user.0.into(),
            action.account.0.into(),
            action.kind.as_str().into(),
            action.detail.into(),
        ])
        .run(&mut *connection)
        .await?;
        Ok(())
    }

    async fn list_acting_actions(&self, page: PageRequest) -> Result<Page<ActingActionView>> {
        let mut statement = sql::<D>("SELECT ");
        statement
            .push(ACTING_ACTION_COLUMNS)
            .push(" FROM impersonation_actions x")
            .push(ACTING_ACTION_JOINS)
            .push(" WHERE 1 = 1");
        push_page(&mut statement, "x.at", "x.id", page, false);
        let rows: Vec<ActingActionRow> = statement
            .fetch_all(&mut *self.readers().acquire().await?)
            .await?;
        let items = rows.into_iter().map(ActingActionView::from).collect();
        Ok(into_page(items, page.limit, |x: &ActingActionView| {
            Cursor { at: x.at, id: x.id }
        }))
    }
}

/// A page of impersonations, newest first, that pass `condition` (with `value` bound after
/// it, if any).
async fn impersonations<D: Dialect>(
    store: &D,
    condition: &str,
    value: Option<i64>,
    page: PageRequest,
) -> Result<Page<ImpersonationView>> {
    let mut statement = sql::<D>("SELECT ");
    statement
        .push(IMPERSONATION_COLUMNS)
        .push(" FROM impersonations i")
        .push(IMPERSONATION_JOINS)
        .push(condition);
    if let Some(value) = value {
        statement.bind(value);
    }
    push_page(&mut statement, "i.started_at", "i.id", page, false);
    let rows: Vec<ImpersonationRow> = statement
        .fetch_all(&mut *store.readers().acquire().await?)
        .await?;
    let items = rows.into_iter().map(ImpersonationView::from).collect();
    Ok(into_page(items, page.limit, |i: &ImpersonationView| {
        Cursor {
            at: i.started_at,
            id: i.id.0,
        }
    }))
}

/// Refuses to act (writing nothing) unless the representative is an active sales
/// representative who serves the account, and the person an active member of it while it is
/// open. Checked inside the transaction with the rows share-locked (on PostgreSQL; SQLite's one
/// writer runs the two in turn), so that a deactivation, removal, unassignment or closing at
/// the same moment waits for this to commit and then stops the new acting too.
async fn may_act<D: Dialect>(
    connection: &mut <D::Db as sqlx::Database>::Connection,
    rep: UserId,
    target_user: UserId,
    target_account: AccountId,
) -> Result<()> {
    // One row at a time, in the order administrative changes take their locks (account, the
    // representative, the person, membership, assignment), so that none can deadlock with
    // this on PostgreSQL.
    let mut checks = [
        sql::<D>("SELECT id FROM accounts WHERE closed_at IS NULL AND id = "),
        sql::<D>("SELECT id FROM users WHERE deactivated_at IS NULL AND is_sales_rep = "),
        sql::<D>("SELECT id FROM users WHERE deactivated_at IS NULL AND id = "),
        sql::<D>("SELECT user_id FROM memberships WHERE account_id = "),
        sql::<D>("SELECT rep_user_id FROM rep_assignments WHERE account_id = "),
    ];
    checks[0].bind(target_account.0);
    checks[1].bind(true).push(" AND id = ").bind(rep.0);
    checks[2].bind(target_user.0);
    checks[3]
        .bind(target_account.0)
        .push(" AND user_id = ")
        .bind(target_user.0);
    checks[4]
        .bind(target_account.0)
        .push(" AND rep_user_id = ")
        .bind(rep.0);
    for check in &mut checks {
        let row: Option<(i64,)> = check
            .push(D::FOR_SHARE)
            .fetch_optional(&mut *connection)
            .await?;
        if row.is_none() {
            return Err(Error::UserNotFound);
        }
    }
    Ok(())
}

/// Returns `session` to its own user and closes its impersonation's audit record at `ended_at`,
/// inside the caller's transaction; with `only`, just if that is the impersonation it is doing.
/// Returns the session's token hash if it was acting (and now is not).
async fn end_acting<D: Dialect>(
    connection: &mut <D::Db as sqlx::Database>::Connection,
    session: SessionId,
    only: Option<ImpersonationId>,
    ended_at: Timestamp,
) -> Result<Vec<TokenHash>> {
    let mut close = sql::<D>("UPDATE impersonations SET ended_at = ");
    close.bind(ended_at.0).push(
        " WHERE ended_at IS NULL AND id = \
         (SELECT impersonation_id FROM sessions WHERE id = ",
    );
    close.bind(session.0).push(")");
    if let Some(impersonation) = only {
        close.push(" AND id = ").bind(impersonation.0);
    }
    close.run(&mut *connection).await?;
    let mut unmark = sql::<D>(
        "UPDATE sessions SET acting_user_id = NULL, acting_account_id = NULL,
            impersonation_id = NULL, acting_since = NULL
         WHERE acting_user_id IS NOT NULL AND id = ",
    );
    unmark.bind(session.0);
    if let Some(impersonation) = only {
        unmark
            .push(" AND impersonation_id = ")
            .bind(impersonation.0);
    }
    unmark.push(" RETURNING token_hash");
    Ok(token_hashes(unmark.fetch_all(&mut *connection).await?))
}

/// Writes one login record on `connection` (inside a sign-in's transaction, or alone).
/// Writes a sign-in record; a successful one carries its session's `flags`.
pub(super) async fn insert_login_row<DB: SqlDb>(
    connection: &mut DB::Connection,
    record: NewLoginRecord<'_>,
    flags: &SessionFlags,
) -> Result<()> {
    let head: [Value; 5] = [
        record.at.0.into(),
        record.user_id.map(|id| id.0).into(),
        record.account_id.map(|id| id.0).into(),
        record.email.into(),
        record.application_id.0.into(),
    ];
    let tail: [Value; 4] = [
        record.outcome.as_str().into(),
        record.session_id.map(|id| id.0).into(),
        flags.bits().into(),
        flags.why.as_str().into(),
    ];
    Sql::<DB>::new(
        "INSERT INTO login_records (at, user_id, account_id, email, application_id, ip,
            user_agent, device_kind, device_model, os, os_version, browser, browser_version,
            location_kind, city, region, country_code, country_name, outcome, session_id, flags,
            flag_reasons)",
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
