//! The sessions area's SQL.

use std::collections::BTreeMap;

use async_trait::async_trait;

use super::rows::{
    ENDED_COLUMNS, ENDED_JOINS, EndedSessionRow, LiveSessionRow, RecallRow, SESSION_COLUMNS,
    SESSION_JOINS, SessionRow,
};
use super::webhooks::{ENDED_RETURNING, EndedRow, enqueue, sessions_ended};
use super::{into_page, like_pattern, observation_values, order, push_page, push_scope, sql};
use crate::access::{Scope, SessionOwner};
use crate::error::{Error, Result};
use crate::model::{
    AccountId, BulkProgress, BulkTerminationId, Cursor, EndReason, EndedSessionView, EventType,
    Page, PageRequest, SessionEnd, SessionId, SessionView, Timestamp, UserId,
};
use crate::store::dialect::{Dialect, SqlDb};
use crate::store::statement::{Sql, Value};
use crate::store::{
    ChangeRecord, EndedQuery, LiveSession, NewLoginRecord, NewSession, Recall, SessionQuery,
    SessionStore,
};
use crate::token::TokenHash;
use crate::track::flags::{self, Coordinates, Memory};
use crate::webhook::{BulkCompleted, Event, SessionFacts};

/// The largest capped count that looks through the newest sessions before the text index.
const COUNT_WINDOW_CAP: u32 = 10_000;

/// A `bulk_terminations` row: id, expected, ended, started, updated, finished, error.
type BulkProgressRow = (i64, i64, i64, i64, i64, Option<i64>, Option<String>);

/// How many of the next sessions in list order a search looks through before it turns to the
/// text index (see `list_live_sessions`).
const SEARCH_WINDOW: u32 = 2_000;

#[async_trait]
impl<D: Dialect> SessionStore for D {
    async fn insert_session(&self, session: NewSession<'_>) -> Result<SessionId> {
        let mut connection = self.writer().acquire().await?;
        insert_session_row::<D::Db>(&mut connection, session).await
    }

    async fn open_session(
        &self,
        session: NewSession<'_>,
        mut record: NewLoginRecord<'_>,
        checked_hash: Option<&str>,
    ) -> Result<SessionId> {
        // One transaction, one commit: a sign-in is one write, not two.
        let mut tx = self.writer().begin().await?;
        may_open::<D>(&mut tx, &session, checked_hash).await?;
        let flags = session.flags;
        let (alert, user, now) = (session.alert, session.user_id, session.created_at);
        let (account, application) = (session.account_id, session.application_id);
        let observation = session.observation;
        remember::<D>(&mut tx, &session).await?;
        let id = insert_session_row::<D::Db>(&mut tx, session).await?;
        record.session_id = Some(id);
        super::audit::insert_login_row::<D::Db>(&mut tx, record, flags).await?;
        let kinds = [EventType::SessionCreated, EventType::SignInFlagged];
        enqueue::<D::Db>(&mut tx, &kinds, || {
            Event::session_opened(&SessionFacts {
                session: id,
                user,
                account,
                application,
                observation,
                created_at: now,
                flags,
            })
        })
        .await?;
        if alert {
            // In this transaction: the alert exists exactly when the session does.
            sql::<D>(
                "INSERT INTO alert_outbox (session_id, created_at, next_attempt_at) \
                 SELECT ",
            )
            .bind(id.0)
            .push(", ")
            .bind(now.0)
            .push(", ")
            .bind(now.0)
            .push(" FROM users WHERE id = ")
            .bind(user.0)
            .push(" AND alert_mails = ")
            .bind(true)
            .run(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    async fn unanswered_flagged_sessions(
        &self,
        user: UserId,
        except: SessionId,
        now: Timestamp,
    ) -> Result<Vec<SessionView>> {
        let mut statement = sql::<D>("SELECT ");
        statement
            .push(SESSION_COLUMNS)
            .push(" FROM sessions s")
            .push(SESSION_JOINS)
            .push(" WHERE s.user_id = ")
            .bind(user.0)
            .push(" AND s.revoked_at IS NULL AND s.expires_at > ")
            .bind(now.0)
            .push(" AND s.flags <> 0 AND s.acknowledged_at IS NULL AND s.id <> ")
            .bind(except.0)
            // A handful at most; more would bury the page.
            .push(" ORDER BY s.created_at DESC, s.id DESC LIMIT 5");
        let rows: Vec<SessionRow> = statement
            .fetch_all(&mut *self.readers().acquire().await?)
            .await?;
        Ok(rows.into_iter().map(SessionView::from).collect())
    }

    async fn acknowledge_session(
        &self,
        user: UserId,
        id: SessionId,
        now: Timestamp,
    ) -> Result<bool> {
        let answered = sql::<D>("UPDATE sessions SET acknowledged_at = ")
            .bind(now.0)
            .push(" WHERE id = ")
            .bind(id.0)
            .push(" AND user_id = ")
            .bind(user.0)
            .push(" AND flags <> 0 AND acknowledged_at IS NULL AND revoked_at IS NULL AND expires_at > ")
            .bind(now.0)
            .run(&mut *self.writer().acquire().await?)
            .await?;
        Ok(answered > 0)
    }

    async fn sign_in_recall(&self, user: UserId, since: Timestamp) -> Result<Option<Recall>> {
        let row: Option<RecallRow> = sql::<D>(
            "SELECT u.name, m.last_at, m.latitude, m.longitude, m.accuracy_km, m.seen \
             FROM users u LEFT JOIN sign_in_memory m ON m.user_id = u.id WHERE u.id = ",
        )
        .bind(user.0)
        .fetch_optional(&mut *self.readers().acquire().await?)
        .await?;
        let Some((name, last_at, latitude, longitude, accuracy_km, seen)) = row else {
            return Ok(None);
        };
        let (Some(last_at), Some(seen)) = (last_at, seen) else {
            // Never signed in (since sign-ins were remembered).
            return Ok(Some(Recall {
                name,
                memory: Memory::default(),
            }));
        };
        let last = latitude.zip(longitude).map(|(latitude, longitude)| {
            let accuracy_km = accuracy_km.and_then(|km| u32::try_from(km).ok());
            let coordinates = Coordinates {
                latitude,
                longitude,
                accuracy_km,
            };
            (Timestamp(last_at), coordinates)
        });
        // Written only by `remember`, and merged by the database, which refuses anything but
        // JSON: unreadable means someone edited it by hand.
        let seen: BTreeMap<String, i64> = serde_json::from_str(&seen)
            .map_err(|error| Error::Internal(format!("sign-in memory of {}: {error}", user.0)))?;
        Ok(Some(Recall {
            name,
            memory: Memory::recall(seen, last, since),
        }))
    }

    async fn live_session_by_token(
        &self,
        token: &TokenHash,
        now: Timestamp,
    ) -> Result<Option<LiveSession>> {
        let row: Option<LiveSessionRow> = sql::<D>(
            "SELECT id, user_id, account_id, application_id, created_at, last_active_at,
                expires_at, acting_user_id, acting_account_id, impersonation_id, acting_since
             FROM sessions WHERE token_hash = ",
        )
        .bind(token.as_bytes().to_vec())
        .push(" AND revoked_at IS NULL AND expires_at > ")
        .bind(now.0)
        .fetch_optional(&mut *self.readers().acquire().await?)
        .await?;
        Ok(row.map(Into::into))
    }

    async fn live_session_owner(
        &self,
        id: SessionId,
        now: Timestamp,
    ) -> Result<Option<SessionOwner>> {
        let row: Option<(i64, i64)> =
            sql::<D>("SELECT user_id, account_id FROM sessions WHERE id = ")
                .bind(id.0)
                .push(" AND revoked_at IS NULL AND expires_at > ")
                .bind(now.0)
                .fetch_optional(&mut *self.readers().acquire().await?)
                .await?;
        Ok(row.map(|(user, account)| SessionOwner {
            user_id: UserId(user),
            account_id: AccountId(account),
        }))
    }

    async fn touch_session(
        &self,
        id: SessionId,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<bool> {
        let mut connection = self.writer().acquire().await?;
        // Never moves activity backwards (another server may have touched it later), so a row
        // that matches is live whatever the clocks say; no row means ended, expired or purged.
        let live = sql::<D>("UPDATE sessions SET last_active_at = CASE WHEN last_active_at < ")
            .bind(now.0)
            .push(" THEN ")
            .bind(now.0)
            .push(" ELSE last_active_at END, expires_at = CASE WHEN last_active_at < ")
            .bind(now.0)
            .push(" THEN ")
            .bind(expires_at.0)
            .push(" ELSE expires_at END WHERE id = ")
            .bind(id.0)
            .push(" AND revoked_at IS NULL AND expires_at > ")
            .bind(now.0)
            .run(&mut *connection)
            .await?;
        Ok(live > 0)
    }

    async fn list_live_sessions(
        &self,
        scope: Scope,
        query: &SessionQuery,
        now: Timestamp,
        page: PageRequest,
    ) -> Result<Page<SessionView>> {
        let to_page = |rows: Vec<SessionRow>| {
            let sessions = rows.into_iter().map(SessionView::from).collect();
            into_page(sessions, page.limit, |s: &SessionView| Cursor {
                at: s.created_at,
                id: s.id.0,
            })
        };
        if let Some(term) = &query.search {
            // A common term ("chrome", "berlin") matches among the newest sessions at once,
            // but through the text index it means sorting every match. So look among the next
            // few thousand sessions in list order first: if a full page matches there, it is
            // exactly the page. Rare terms fall through to the text index, which finds their
            // few matches directly.
            let mut statement = sql::<D>("SELECT ");
            statement.push(SESSION_COLUMNS);
            let window = Window {
                columns: "*",
                after: page.after,
                size: SEARCH_WINDOW,
            };
            push_recent_window(&mut statement, window, scope, query, now);
            let (_, direction) = order(query.oldest_first);
            statement
                .push(SESSION_JOINS)
                .push(" WHERE s.search_text LIKE ")
                .bind(like_pattern(term))
                .push(" ESCAPE '\\'")
                .push(format!(
                    " ORDER BY s.created_at {direction}, s.id {direction} LIMIT "
                ))
                .bind(i64::from(page.limit) + 1);
            let rows: Vec<SessionRow> = statement
                .fetch_all(&mut *self.readers().acquire().await?)
                .await?;
            if rows.len() > page.limit as usize {
                return Ok(to_page(rows));
            }
        }
        let rows: Vec<SessionRow> = list_sessions_sql::<D>("", scope, query, now, Some(page))
            .fetch_all(&mut *self.readers().acquire().await?)
            .await?;
        Ok(to_page(rows))
    }

    async fn count_live_sessions(
        &self,
        scope: Scope,
        query: &SessionQuery,
        now: Timestamp,
        cap: u32,
    ) -> Result<u64> {
        if let Some(term) = &query.search
            && cap <= COUNT_WINDOW_CAP
        {
            // As for the page: a common term reaches the cap among the newest sessions; only
            // then is the text index spared. (An exact count for a bulk termination has no
            // small cap: a window would be the whole table, so the text index it is.)
            let size = cap.saturating_mul(10);
            let mut statement =
                sql::<D>("SELECT COUNT(*), COALESCE(SUM(CASE WHEN s.search_text LIKE ");
            statement
                .bind(like_pattern(term))
                .push(" ESCAPE '\\' THEN 1 ELSE 0 END), 0)");
            let window = Window {
                columns: "s.search_text",
                after: None,
                size,
            };
            push_recent_window(&mut statement, window, scope, query, now);
            let (seen, matched): (i64, i64) = statement
                .fetch_one(&mut *self.readers().acquire().await?)
                .await?;
            if matched >= i64::from(cap) || seen < i64::from(size) {
                return Ok(u64::try_from(matched.min(i64::from(cap))).unwrap_or(0));
            }
        }
        // Counting stops at `cap`: past that the number is "many", and counting on would make
        // the request proportional to the table.
        let mut statement =
            list_sessions_sql::<D>("SELECT COUNT(*) FROM (", scope, query, now, None);
        statement
            .push(" LIMIT ")
            .bind(i64::from(cap))
            .push(") AS capped");
        let (count,): (i64,) = statement
            .fetch_one(&mut *self.readers().acquire().await?)
            .await?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    async fn terminate_session(
        &self,
        id: SessionId,
        scope: Scope,
        end: SessionEnd,
        now: Timestamp,
    ) -> Result<Option<TokenHash>> {
        let mut tx = self.writer().begin().await?;
        let ended = {
            let mut statement = sql::<D>("UPDATE sessions AS s SET ");
            push_end(&mut statement, end, now);
            statement
                .push(" WHERE s.id = ")
                .bind(id.0)
                .push(" AND s.revoked_at IS NULL AND s.expires_at > ")
                .bind(now.0);
            push_scope(&mut statement, "s", scope);
            statement.push(ENDED_RETURNING);
            let rows = statement.fetch_all(&mut *tx).await?;
            sessions_ended::<D::Db>(&mut tx, rows, end, now).await?
        };
        if !ended.is_empty() {
            // An impersonation ends with the session that was doing it.
            sql::<D>("UPDATE impersonations SET ended_at = ")
                .bind(now.0)
                .push(" WHERE ended_at IS NULL AND session_id = ")
                .bind(id.0)
                .run(&mut *tx)
                .await?;
        }
        D::announce(&mut tx, &ended).await?;
        tx.commit().await?;
        Ok(ended.first().copied())
    }

    async fn terminate_all_except(
        &self,
        user: UserId,
        keep: SessionId,
        end: SessionEnd,
        now: Timestamp,
    ) -> Result<Vec<TokenHash>> {
        let mut tx = self.writer().begin().await?;
        let mut statement = sql::<D>("UPDATE sessions AS s SET ");
        push_end(&mut statement, end, now);
        let rows = statement
            .push(" WHERE user_id = ")
            .bind(user.0)
            .push(" AND id <> ")
            .bind(keep.0)
            .push(" AND revoked_at IS NULL AND expires_at > ")
            .bind(now.0)
            .push(ENDED_RETURNING)
            .fetch_all(&mut *tx)
            .await?;
        let ended = sessions_ended::<D::Db>(&mut tx, rows, end, now).await?;
        sql::<D>("UPDATE impersonations SET ended_at = ")
            .bind(now.0)
            .push(" WHERE ended_at IS NULL AND impersonator_id = ")
            .bind(user.0)
            .push(" AND session_id <> ")
            .bind(keep.0)
            .run(&mut *tx)
            .await?;
        D::announce(&mut tx, &ended).await?;
        tx.commit().await?;
        Ok(ended)
    }

    async fn begin_bulk_termination(
        &self,
        record: &ChangeRecord,
        expected: u64,
    ) -> Result<BulkTerminationId> {
        let mut tx = self.writer().begin().await?;
        let change = super::administration::insert_change_row::<D>(&mut tx, record, 0).await?;
        let started_by = record
            .actor
            .ok_or_else(|| Error::Internal("a bulk termination without a person".into()))?;
        let values: [Value; 5] = [
            change.into(),
            started_by.0.into(),
            record.at.0.into(),
            i64::try_from(expected).unwrap_or(i64::MAX).into(),
            record.at.0.into(),
        ];
        let (id,): (i64,) = sql::<D>(
            "INSERT INTO bulk_terminations (change_id, started_by, started_at, expected, \
             updated_at)",
        )
        .values(values)
        .push(" RETURNING id")
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(BulkTerminationId(id))
    }

    async fn finish_bulk_termination(
        &self,
        job: BulkTerminationId,
        error: Option<&str>,
        now: Timestamp,
    ) -> Result<()> {
        let mut tx = self.writer().begin().await?;
        let finished: Option<(i64, i64, i64, i64, Option<i64>, String)> =
            sql::<D>("UPDATE bulk_terminations SET finished_at = ")
                .bind(now.0)
                .push(", error = ")
                .bind(error)
                .push(" WHERE finished_at IS NULL AND id = ")
                .bind(job.0)
                .push(
                    " RETURNING started_by, expected, ended, started_at, \
                     (SELECT account_id FROM changes WHERE id = change_id), \
                     (SELECT detail FROM changes WHERE id = change_id)",
                )
                .fetch_optional(&mut *tx)
                .await?;
        if let Some((started_by, expected, ended, started_at, account, filter)) = finished {
            let count = |n: i64| u64::try_from(n).unwrap_or(0);
            let kinds = [EventType::BulkTerminationCompleted];
            enqueue::<D::Db>(&mut tx, &kinds, || {
                vec![Event::bulk_termination_completed(&BulkCompleted {
                    id: job,
                    account: account.map(AccountId),
                    started_by: UserId(started_by),
                    filter: &filter,
                    expected: count(expected),
                    ended: count(ended),
                    started_at: Timestamp(started_at),
                    finished_at: now,
                    error,
                })]
            })
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn bulk_termination(
        &self,
        job: BulkTerminationId,
        started_by: UserId,
    ) -> Result<Option<BulkProgress>> {
        let row: Option<BulkProgressRow> = sql::<D>(
            "SELECT id, expected, ended, started_at, updated_at, finished_at, error \
             FROM bulk_terminations WHERE id = ",
        )
        .bind(job.0)
        .push(" AND started_by = ")
        .bind(started_by.0)
        .fetch_optional(&mut *self.readers().acquire().await?)
        .await?;
        Ok(row.map(
            |(id, expected, ended, started_at, updated_at, finished_at, error)| {
                let count = |n: i64| u64::try_from(n).unwrap_or(0);
                BulkProgress {
                    id: BulkTerminationId(id),
                    expected: count(expected),
                    ended: count(ended),
                    started_at: Timestamp(started_at),
                    updated_at: Timestamp(updated_at),
                    finished_at: finished_at.map(Timestamp),
                    error,
                }
            },
        ))
    }

    async fn terminate_matching(
        &self,
        job: BulkTerminationId,
        scope: Scope,
        query: &SessionQuery,
        end: SessionEnd,
        now: Timestamp,
        batch: u32,
    ) -> Result<Vec<TokenHash>> {
        let mut tx = self.writer().begin().await?;
        let mut statement = sql::<D>("UPDATE sessions SET ");
        push_end(&mut statement, end, now);
        statement.push(" WHERE id IN (");
        push_sessions_select::<D>(&mut statement, scope, query, now, None);
        let rows: Vec<EndedRow> = statement
            .push(" LIMIT ")
            .bind(i64::from(batch))
            // Checked again on the row itself: on PostgreSQL, a session another server ended
            // meanwhile keeps its own reason.
            .push(") AND revoked_at IS NULL")
            .push(ENDED_RETURNING)
            .fetch_all(&mut *tx)
            .await?;
        let ids: Vec<i64> = rows.iter().map(|(id, ..)| *id).collect();
        if !ids.is_empty() {
            // Acting that ran in an ended session ends with it.
            let mut acting = sql::<D>("UPDATE impersonations SET ended_at = ");
            acting
                .bind(now.0)
                .push(" WHERE ended_at IS NULL AND session_id IN (");
            for (n, id) in ids.into_iter().enumerate() {
                acting.push(if n == 0 { "" } else { ", " }).bind(id);
            }
            acting.push(")").run(&mut *tx).await?;
        }
        // Each session's own `session.ended` goes with its batch, never held for the end.
        let ended = sessions_ended::<D::Db>(&mut tx, rows, end, now).await?;
        // Counted where they are ended: the progress bar and the change log never disagree
        // with the sessions, whatever happens to the server between two batches.
        let count = i64::try_from(ended.len()).unwrap_or(i64::MAX);
        sql::<D>("UPDATE bulk_terminations SET ended = ended + ")
            .bind(count)
            .push(", updated_at = ")
            .bind(now.0)
            .push(" WHERE id = ")
            .bind(job.0)
            .run(&mut *tx)
            .await?;
        sql::<D>("UPDATE changes SET sessions_ended = sessions_ended + ")
            .bind(count)
            .push(" WHERE id = (SELECT change_id FROM bulk_terminations WHERE id = ")
            .bind(job.0)
            .push(")")
            .run(&mut *tx)
            .await?;
        D::announce(&mut tx, &ended).await?;
        tx.commit().await?;
        Ok(ended)
    }

    async fn terminate_user_sessions(
        &self,
        user: UserId,
        scope: Scope,
        keep: Option<SessionId>,
        end: SessionEnd,
        now: Timestamp,
    ) -> Result<Vec<TokenHash>> {
        let mut tx = self.writer().begin().await?;
        let ended = {
            let mut statement = sql::<D>("UPDATE sessions AS s SET ");
            push_end(&mut statement, end, now);
            statement
                .push(" WHERE s.user_id = ")
                .bind(user.0)
                .push(" AND s.revoked_at IS NULL AND s.expires_at > ")
                .bind(now.0);
            if let Some(keep) = keep {
                statement.push(" AND s.id <> ").bind(keep.0);
            }
            push_scope(&mut statement, "s", scope);
            statement.push(ENDED_RETURNING);
            let rows = statement.fetch_all(&mut *tx).await?;
            sessions_ended::<D::Db>(&mut tx, rows, end, now).await?
        };
        sql::<D>("UPDATE impersonations SET ended_at = ")
            .bind(now.0)
            .push(
                " WHERE ended_at IS NULL AND session_id IN \
                 (SELECT id FROM sessions WHERE revoked_at = ",
            )
            .bind(now.0)
            .push(" AND user_id = ")
            .bind(user.0)
            .push(")")
            .run(&mut *tx)
            .await?;
        D::announce(&mut tx, &ended).await?;
        tx.commit().await?;
        Ok(ended)
    }

    async fn list_ended_sessions(
        &self,
        scope: Scope,
        query: &EndedQuery,
        now: Timestamp,
        page: PageRequest,
    ) -> Result<Page<EndedSessionView>> {
        let mut statement = sql::<D>("SELECT ");
        statement
            .push(SESSION_COLUMNS)
            .push(", ")
            .push(ENDED_COLUMNS)
            .push(", s.expires_at >= s.created_at + ")
            .bind(query.lifetime_millis)
            .push(" AS hit_lifetime FROM sessions s")
            .push(SESSION_JOINS)
            .push(ENDED_JOINS)
            // Spelled as the `sessions_ended_*` indexes have it, so they serve the range and
            // the order.
            .push(" WHERE COALESCE(s.revoked_at, s.expires_at) <= ")
            .bind(now.0);
        push_scope(&mut statement, "s", scope);
        if let Some(user) = query.user {
            statement.push(" AND s.user_id = ").bind(user.0);
        }
        if let Some(reason) = query.reason {
            push_reason(&mut statement, reason, query.lifetime_millis);
        }
        push_page(
            &mut statement,
            "COALESCE(s.revoked_at, s.expires_at)",
            "s.id",
            page,
            false,
        );
        let rows: Vec<EndedSessionRow> = statement
            .fetch_all(&mut *self.readers().acquire().await?)
            .await?;
        let ended = rows.into_iter().map(EndedSessionView::from).collect();
        Ok(into_page(ended, page.limit, |s: &EndedSessionView| {
            Cursor {
                at: s.ended_at,
                id: s.session.id.0,
            }
        }))
    }

    async fn purge_sessions(&self, before: Timestamp) -> Result<u64> {
        // In batches, so a large purge never holds the write lock for long.
        const BATCH: u64 = 5_000;
        let mut total = 0;
        loop {
            let mut connection = self.writer().acquire().await?;
            // Spelled as `sessions_by_end` indexes it.
            let deleted = sql::<D>(
                "DELETE FROM sessions WHERE id IN \
                 (SELECT id FROM sessions WHERE COALESCE(revoked_at, expires_at) < ",
            )
            .bind(before.0)
            .push(format!(" LIMIT {BATCH})"))
            .run(&mut *connection)
            .await?;
            total += deleted;
            if deleted < BATCH {
                // Alerts long since sent or given up on go with the sessions they told of.
                sql::<D>("DELETE FROM alert_outbox WHERE COALESCE(sent_at, abandoned_at) < ")
                    .bind(before.0)
                    .run(&mut *connection)
                    .await?;
                return Ok(total);
            }
        }
    }
}

/// `revoked_at = now` and why, for an `UPDATE sessions AS s SET `.
pub(super) fn push_end<DB: SqlDb>(statement: &mut Sql<DB>, end: SessionEnd, now: Timestamp) {
    statement
        .push("revoked_at = ")
        .bind(now.0)
        .push(", ended_reason = ")
        .bind(end.reason.code())
        .push(", ended_by_user_id = ")
        .bind(end.by_user.map(|user| user.0))
        .push(", ended_by_key_id = ")
        .bind(end.by_key.map(|key| key.0));
}

/// ` AND` the ended session `s` ended for `reason`. Expiries are read off the times: nobody
/// writes when a session runs out.
fn push_reason<DB: SqlDb>(statement: &mut Sql<DB>, reason: EndReason, lifetime_millis: i64) {
    match reason {
        EndReason::ExpiredIdle | EndReason::ExpiredLifetime => {
            let comparison = if reason == EndReason::ExpiredLifetime {
                ">="
            } else {
                "<"
            };
            statement
                .push(format!(
                    " AND s.revoked_at IS NULL AND s.expires_at {comparison} s.created_at + "
                ))
                .bind(lifetime_millis);
        }
        EndReason::Unrecorded => {
            statement.push(" AND s.revoked_at IS NOT NULL AND s.ended_reason IS NULL");
        }
        recorded => {
            statement
                .push(" AND s.revoked_at IS NOT NULL AND s.ended_reason = ")
                .bind(recorded.code());
        }
    }
}

/// Refuses a sign-in (writing nothing) unless the person is active and a member of the
/// account, the account open, the application not retired and, for a password sign-in, the
/// password checked still theirs. Checked inside the sign-in's
/// transaction with the rows share-locked (on PostgreSQL; SQLite's one writer runs the two in
/// turn), so that deactivating the person, removing the membership, closing the account or
/// retiring the application at the same moment waits for this sign-in to commit and then ends
/// its new session too.
async fn may_open<D: Dialect>(
    connection: &mut <D::Db as sqlx::Database>::Connection,
    session: &NewSession<'_>,
    checked_hash: Option<&str>,
) -> Result<()> {
    // One statement for the four checks: a sign-in is on the hot path of every product's
    // login, and each statement is a round trip. PostgreSQL locks a join's rows in the order
    // its FROM clause names them, which is the order every administrative change takes its
    // locks (account, person, membership, application), so that a sign-in and a change
    // waiting for each other cannot deadlock (the store contract races them).
    let mut check = sql::<D>(
        "SELECT a.id FROM accounts a, users u, memberships m, applications p \
         WHERE a.closed_at IS NULL AND a.id = ",
    );
    check
        .bind(session.account_id.0)
        .push(" AND u.deactivated_at IS NULL AND u.id = ")
        .bind(session.user_id.0);
    if let Some(hash) = checked_hash {
        check.push(" AND u.password_hash = ").bind(hash);
    }
    check
        .push(" AND m.account_id = a.id AND m.user_id = u.id")
        .push(" AND p.retired_at IS NULL AND p.id = ")
        .bind(session.application_id.0)
        .push(D::FOR_SHARE);
    let row: Option<(i64,)> = check.fetch_optional(&mut *connection).await?;
    row.map(drop).ok_or(Error::InvalidCredentials)
}

/// Remembers a sign-in's device and place for the person's next one, and where and when it
/// happened (a position only when it had one: an unknown place keeps the last known), in one
/// upsert of the person's one row: a sign-in is on the hot path of every product's login.
async fn remember<D: Dialect>(
    connection: &mut <D::Db as sqlx::Database>::Connection,
    session: &NewSession<'_>,
) -> Result<()> {
    let observation = session.observation;
    // A JSON merge patch (RFC 7396): null drops a key. Merged in the statement, not written
    // whole, so that two sign-ins of one person at once both leave their keys.
    let mut seen = serde_json::Map::new();
    for key in session.forgotten {
        seen.insert(key.clone(), serde_json::Value::Null);
    }
    for key in flags::seen_keys(&observation.device, &observation.location) {
        seen.insert(key, session.created_at.0.into());
    }
    let position = observation.coordinates;
    sql::<D>(
        "INSERT INTO sign_in_memory \
         (user_id, last_at, latitude, longitude, accuracy_km, seen) VALUES (",
    )
    .bind(session.user_id.0)
    .push(", ")
    .bind(session.created_at.0)
    .push(", ")
    .bind(position.map(|p| p.latitude))
    .push(", ")
    .bind(position.map(|p| p.longitude))
    .push(", ")
    .bind(position.and_then(|p| p.accuracy_km).map(i64::from))
    .push(", ")
    // A first row has nothing to forget, so no nulls to strip.
    .bind(serde_json::Value::Object(seen).to_string())
    .push(
        ") ON CONFLICT (user_id) DO UPDATE SET last_at = excluded.last_at, \
         latitude = COALESCE(excluded.latitude, sign_in_memory.latitude), \
         longitude = COALESCE(excluded.longitude, sign_in_memory.longitude), \
         accuracy_km = CASE WHEN excluded.latitude IS NULL \
             THEN sign_in_memory.accuracy_km ELSE excluded.accuracy_km END, \
         seen = ",
    )
    .push(D::MERGE_SEEN)
    .run(connection)
    .await?;
    Ok(())
}

async fn insert_session_row<DB: SqlDb>(
    connection: &mut DB::Connection,
    session: NewSession<'_>,
) -> Result<SessionId> {
    let head: [Value; 4] = [
        session.token_hash.as_bytes().to_vec().into(),
        session.user_id.0.into(),
        session.account_id.0.into(),
        session.application_id.0.into(),
    ];
    let tail: [Value; 6] = [
        session.created_at.0.into(),
        session.last_active_at.0.into(),
        session.expires_at.0.into(),
        session.search_text.into(),
        session.flags.bits().into(),
        session.flags.why.as_str().into(),
    ];
    let (id,): (i64,) = Sql::<DB>::new(
        "INSERT INTO sessions (token_hash, user_id, account_id, application_id, ip, user_agent,
            device_kind, device_model, os, os_version, browser, browser_version, location_kind,
            city, region, country_code, country_name, created_at, last_active_at, expires_at,
            search_text, flags, flag_reasons)",
    )
    .values(
        head.into_iter()
            .chain(observation_values(session.observation))
            .chain(tail),
    )
    .push(" RETURNING id")
    .fetch_one(connection)
    .await?;
    Ok(SessionId(id))
}

/// The sessions list statement after `prefix` (empty, the start of a count, or the dialect's
/// `EXPLAIN`): shared by listing, counting and the query-plan checks.
pub(crate) fn list_sessions_sql<D: Dialect>(
    prefix: &str,
    scope: Scope,
    query: &SessionQuery,
    now: Timestamp,
    page: Option<PageRequest>,
) -> Sql<D::Db> {
    let mut statement = sql::<D>(prefix);
    push_sessions_select::<D>(&mut statement, scope, query, now, page);
    statement
}

/// The sessions list's `SELECT`, pushed onto `statement`: with a page, the page's columns in
/// list order; without, only the ids of every match (for a count, or the sessions a bulk
/// termination ends).
fn push_sessions_select<D: Dialect>(
    statement: &mut Sql<D::Db>,
    scope: Scope,
    query: &SessionQuery,
    now: Timestamp,
    page: Option<PageRequest>,
) {
    match page {
        Some(_) => {
            statement
                .push("SELECT ")
                .push(SESSION_COLUMNS)
                .push(" FROM sessions s")
                .push(SESSION_JOINS);
        }
        // Counting or ending: the joins add nothing, the filters are all on `s`.
        None => {
            statement.push("SELECT s.id FROM sessions s");
        }
    }
    push_live_filters(statement, scope, query, now);
    if let Some(term) = &query.search {
        if is_narrow(scope, query) {
            // One person's or one account's sessions: their index yields few rows, and the
            // search reads only those. The text index would instead find every match in the
            // whole table first, which a common term makes cost the table's size, on every poll
            // of someone's own list. `|| ''` keeps the text index out of reach: PostgreSQL's
            // generic plan for this prepared statement otherwise ANDs a bitmap of every match
            // ("windows": 166,666 rows, 38 ms) with the account's 100 (measured, `make bench`).
            statement
                .push(" AND (s.search_text || '') LIKE ")
                .bind(like_pattern(term))
                .push(" ESCAPE '\\'");
        } else {
            D::push_search(statement, term);
        }
    }
    if let Some(page) = page {
        push_page(statement, "s.created_at", "s.id", page, query.oldest_first);
    }
}

/// `WHERE` the session is live, in `scope`, and passes the query's filters (but not its
/// search).
fn push_live_filters<DB: SqlDb>(
    statement: &mut Sql<DB>,
    scope: Scope,
    query: &SessionQuery,
    now: Timestamp,
) {
    statement
        .push(" WHERE s.revoked_at IS NULL AND s.expires_at > ")
        .bind(now.0);
    push_scope(statement, "s", scope);
    if query.flagged_only {
        statement.push(" AND s.flags <> 0");
    }
    if let Some(user) = query.user {
        statement.push(" AND s.user_id = ").bind(user.0);
    }
    if let Some(application) = query.application {
        // With a person or an account in the query, their index narrows far more than an
        // application's: the `+` keeps the planner (SQLite's above all, which has no
        // statistics) off the application index.
        statement
            .push(if is_narrow(scope, query) {
                " AND +s.application_id = "
            } else {
                " AND s.application_id = "
            })
            .bind(application.0);
    }
    if let Some(account) = query.account {
        statement.push(" AND s.account_id = ").bind(account.0);
    }
    if let Some(except) = query.except {
        statement.push(" AND s.id <> ").bind(except.0);
    }
    // Country and device narrow within the index the rest chose: one person's or one
    // account's sessions, or the newest first across all of them.
    if let Some(country) = &query.country {
        statement
            .push(" AND s.country_code = ")
            .bind(country.clone());
    }
    if let Some(device) = query.device {
        statement
            .push(" AND s.device_kind = ")
            .bind(device.as_str());
    }
    // A range on the creation time every list index is ordered by.
    if let Some(after) = query.created_after {
        statement.push(" AND s.created_at >= ").bind(after.0);
    }
    if let Some(before) = query.created_before {
        statement.push(" AND s.created_at < ").bind(before.0);
    }
}

/// Whether the scope or the query names a person or an account, whose index narrows the list
/// to their own sessions.
fn is_narrow(scope: Scope, query: &SessionQuery) -> bool {
    query.user.is_some() || query.account.is_some() || !matches!(scope, Scope::All)
}

/// The next live sessions in list order that a search looks through first.
struct Window {
    /// What the outer query reads of them.
    columns: &'static str,
    after: Option<Cursor>,
    size: u32,
}

/// ` FROM (the window's sessions) AS s`.
fn push_recent_window<DB: SqlDb>(
    statement: &mut Sql<DB>,
    window: Window,
    scope: Scope,
    query: &SessionQuery,
    now: Timestamp,
) {
    statement.push(format!(" FROM (SELECT {} FROM sessions s", window.columns));
    push_live_filters(statement, scope, query, now);
    let page = PageRequest {
        after: window.after,
        limit: window.size.saturating_sub(1),
    };
    push_page(statement, "s.created_at", "s.id", page, query.oldest_first);
    statement.push(") AS s");
}
