//! The limits area's SQL: sign-in budgets as rows, spent by GCRA.
//!
//! A budget is one number per bucket, its theoretical arrival time (`tat_us`): when it will be
//! full again. Each attempt pushes it one interval (a minute over the budget) further; an
//! attempt is allowed while it stays within a minute of now, so a full budget admits
//! `per_minute` attempts at once and then one per interval. A row whose time has passed is a
//! full budget, the same as no row.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use async_trait::async_trait;

use super::sql;
use crate::error::Result;
use crate::model::{ApplicationId, LoginOutcome, Timestamp};
use crate::store::dialect::Dialect;
use crate::store::{LimitStore, RecentFailures};

/// A minute in microseconds, the unit of `sign_in_limits.tat_us`.
const MINUTE_US: i64 = 60_000_000;

#[async_trait]
impl<D: Dialect> LimitStore for D {
    fn shares_sign_in_budgets(&self) -> bool {
        D::SHARED
    }

    async fn spend_sign_in_budget(
        &self,
        bucket: &[u8],
        per_minute: NonZeroU32,
    ) -> Result<Option<Duration>> {
        let now = D::NOW_MICROS;
        let per_minute = i64::from(per_minute.get());
        // The budget refills by one attempt each interval; an attempt may go ahead while the
        // budget owes at most `per_minute - 1` intervals.
        let interval = (MINUTE_US / per_minute).max(1);
        let slack = interval * (per_minute - 1);
        let mut connection = self.writer().acquire().await?;
        // The check and the spending are one statement: the row is locked between them, so
        // servers racing for the last attempt cannot both have it. A refused attempt leaves
        // the row as it was and returns nothing.
        let spent: Option<(i64,)> =
            sql::<D>("INSERT INTO sign_in_limits (bucket, tat_us) VALUES (")
                .bind(bucket.to_vec())
                .push(format!(", {now} + "))
                .bind(interval)
                .push(format!(
                    ") ON CONFLICT (bucket) DO UPDATE SET tat_us = CASE \
                 WHEN sign_in_limits.tat_us > {now} THEN sign_in_limits.tat_us ELSE {now} END + "
                ))
                .bind(interval)
                .push(format!(" WHERE sign_in_limits.tat_us <= {now} + "))
                .bind(slack)
                .push(" RETURNING tat_us")
                .fetch_optional(&mut *connection)
                .await?;
        if spent.is_some() {
            return Ok(None);
        }
        // How long to wait is advice, so it is read apart from the spending: another server
        // spending in between only makes it a little short.
        let owed: Option<(i64,)> = sql::<D>(&format!(
            "SELECT tat_us - {now} FROM sign_in_limits WHERE bucket = "
        ))
        .bind(bucket.to_vec())
        .fetch_optional(&mut *connection)
        .await?;
        let wait_us = owed.map_or(1, |(owed,)| owed - slack).max(1);
        Ok(Some(Duration::from_micros(wait_us.unsigned_abs())))
    }

    async fn forget_idle_sign_in_budgets(&self) -> Result<u64> {
        let now = D::NOW_MICROS;
        let mut connection = self.writer().acquire().await?;
        sql::<D>(&format!("DELETE FROM sign_in_limits WHERE tat_us <= {now}"))
            .run(&mut *connection)
            .await
    }

    async fn recent_failures(
        &self,
        email: &str,
        application: ApplicationId,
        client: IpAddr,
        since: Timestamp,
    ) -> Result<RecentFailures> {
        // Both halves walk `login_records_by_email` (email, at) over the window alone. The
        // address is stored as the tracker wrote it: canonical, as `to_string` prints it.
        let client = client.to_canonical().to_string();
        let (count, latest): (i64, Option<i64>) =
            sql::<D>("SELECT COUNT(*), MAX(r.at) FROM login_records r WHERE r.email = ")
                .bind(email)
                .push(" AND r.application_id = ")
                .bind(application.0)
                .push(" AND r.ip = ")
                .bind(client.clone())
                .push(" AND r.outcome = ")
                .bind(LoginOutcome::InvalidCredentials.as_str())
                .push(" AND r.at >= ")
                .bind(since.0)
                .push(
                    " AND r.at > COALESCE((SELECT MAX(s.at) FROM login_records s WHERE s.email = ",
                )
                .bind(email)
                .push(" AND s.application_id = ")
                .bind(application.0)
                .push(" AND s.ip = ")
                .bind(client)
                .push(" AND s.outcome = ")
                .bind(LoginOutcome::Success.as_str())
                .push(" AND s.at >= ")
                .bind(since.0)
                .push("), ")
                .bind(i64::MIN)
                .push(")")
                .fetch_one(&mut *self.readers().acquire().await?)
                .await?;
        Ok(RecentFailures {
            count: count.unsigned_abs(),
            latest: latest.map(Timestamp),
        })
    }
}
