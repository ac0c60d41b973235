//! The alert mails' SQL.

use async_trait::async_trait;

use super::rows::{SESSION_COLUMNS, SESSION_JOINS, SessionRow};
use super::sql;
use crate::error::Result;
use crate::model::{SessionId, SessionView, Timestamp, UserId};
use crate::store::dialect::Dialect;
use crate::store::{AlertOutcome, AlertStore, AlertSubject, ClaimedAlert};
use crate::token::TokenHash;

/// An outbox row is waiting and due at the time bound next.
const DUE: &str = "sent_at IS NULL AND abandoned_at IS NULL AND next_attempt_at <= ";

#[async_trait]
impl<D: Dialect> AlertStore for D {
    async fn claim_alerts(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<ClaimedAlert>> {
        // The outer condition repeats the inner one: on PostgreSQL a second server's update
        // that waited for this one's row lock re-checks it against the row as committed, finds
        // it leased, and leaves it.
        let rows: Vec<(i64, i64, i64, i64)> =
            sql::<D>("UPDATE alert_outbox SET next_attempt_at = ")
                .bind(lease_until.0)
                .push(", attempts = attempts + 1 WHERE id IN (SELECT id FROM alert_outbox WHERE ")
                .push(DUE)
                .bind(now.0)
                .push(" ORDER BY next_attempt_at LIMIT ")
                .bind(i64::from(limit))
                .push(") AND ")
                .push(DUE)
                .bind(now.0)
                .push(" RETURNING id, session_id, attempts, created_at")
                .fetch_all(&mut *self.writer().acquire().await?)
                .await?;
        Ok(rows
            .into_iter()
            .map(|(id, session, attempts, created_at)| ClaimedAlert {
                id,
                session_id: SessionId(session),
                attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                created_at: Timestamp(created_at),
            })
            .collect())
    }

    async fn finish_alert(
        &self,
        alert: ClaimedAlert,
        outcome: AlertOutcome,
        now: Timestamp,
    ) -> Result<()> {
        let mut statement = sql::<D>("UPDATE alert_outbox SET ");
        match outcome {
            AlertOutcome::Sent => {
                statement.push("sent_at = ").bind(now.0);
            }
            AlertOutcome::Retry { at, error } => {
                statement
                    .push("next_attempt_at = ")
                    .bind(at.0)
                    .push(", last_error = ")
                    .bind(error);
            }
            AlertOutcome::Abandon { error } => {
                statement
                    .push("abandoned_at = ")
                    .bind(now.0)
                    .push(", last_error = ")
                    .bind(error);
            }
        }
        // Still this sender's claim: nobody claimed it again (which counts an attempt).
        statement
            .push(" WHERE id = ")
            .bind(alert.id)
            .push(" AND attempts = ")
            .bind(i64::from(alert.attempts))
            .push(" AND sent_at IS NULL AND abandoned_at IS NULL")
            .run(&mut *self.writer().acquire().await?)
            .await?;
        Ok(())
    }

    async fn alert_subject(&self, session: SessionId) -> Result<Option<AlertSubject>> {
        let mut statement = sql::<D>("SELECT ");
        statement
            .push(SESSION_COLUMNS)
            .push(" FROM sessions s")
            .push(SESSION_JOINS)
            .push(" WHERE s.id = ")
            .bind(session.0);
        let mut connection = self.readers().acquire().await?;
        let Some(row): Option<SessionRow> = statement.fetch_optional(&mut *connection).await?
        else {
            return Ok(None);
        };
        let session = SessionView::from(row);
        let (email, wants_alerts): (String, bool) =
            sql::<D>("SELECT email, alert_mails FROM users WHERE id = ")
                .bind(session.user_id.0)
                .fetch_one(&mut *connection)
                .await?;
        Ok(Some(AlertSubject {
            session,
            email,
            wants_alerts,
        }))
    }

    async fn insert_report_link(
        &self,
        token: &TokenHash,
        session: SessionId,
        user: UserId,
        expires_at: Timestamp,
        now: Timestamp,
    ) -> Result<()> {
        let mut tx = self.writer().begin().await?;
        sql::<D>("DELETE FROM report_links WHERE expires_at < ")
            .bind(now.0)
            .run(&mut *tx)
            .await?;
        sql::<D>("INSERT INTO report_links (token_hash, session_id, user_id, expires_at)")
            .values([
                token.as_bytes().to_vec().into(),
                session.0.into(),
                user.0.into(),
                expires_at.0.into(),
            ])
            .run(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn take_report_link(
        &self,
        token: &TokenHash,
        now: Timestamp,
    ) -> Result<Option<(SessionId, UserId)>> {
        let row: Option<(i64, i64)> = sql::<D>("DELETE FROM report_links WHERE token_hash = ")
            .bind(token.as_bytes().to_vec())
            .push(" AND expires_at > ")
            .bind(now.0)
            .push(" RETURNING session_id, user_id")
            .fetch_optional(&mut *self.writer().acquire().await?)
            .await?;
        Ok(row.map(|(session, user)| (SessionId(session), UserId(user))))
    }

    async fn alert_mails(&self, user: UserId) -> Result<bool> {
        let row: Option<(bool,)> = sql::<D>("SELECT alert_mails FROM users WHERE id = ")
            .bind(user.0)
            .fetch_optional(&mut *self.readers().acquire().await?)
            .await?;
        Ok(row.is_none_or(|(on,)| on))
    }

    async fn set_alert_mails(&self, user: UserId, on: bool) -> Result<()> {
        sql::<D>("UPDATE users SET alert_mails = ")
            .bind(on)
            .push(" WHERE id = ")
            .bind(user.0)
            .run(&mut *self.writer().acquire().await?)
            .await?;
        Ok(())
    }
}
