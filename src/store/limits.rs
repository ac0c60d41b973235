//! What sign-in limits ask of storage: budgets kept in the database, so that every server
//! sharing it spends from the same ones, and an email's recent failures, from the sign-in
//! history (see `crate::limit`, which decides what they are for).

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use async_trait::async_trait;

use crate::error::Result;
use crate::model::{ApplicationId, Timestamp};

/// An email's recent failed sign-ins at one application.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecentFailures {
    pub count: u64,
    /// When the latest of them was; `None` when there were none.
    pub latest: Option<Timestamp>,
}

#[async_trait]
pub trait LimitStore: Send + Sync {
    /// Whether several servers may share this database, so that a budget kept in one server's
    /// memory would be only one of several: then sign-in budgets are kept here instead.
    fn shares_sign_in_budgets(&self) -> bool;

    /// Spends one attempt from the budget named `bucket`, which holds `per_minute` attempts
    /// and refills at that rate (GCRA), in one statement, so that servers spending at the same
    /// moment cannot both take the last attempt. `None`: the attempt may go ahead; otherwise
    /// how long until the budget allows one again.
    ///
    /// Runs on the database's clock, not a "now" from the caller: it is the one clock every
    /// server sharing the budget agrees on.
    async fn spend_sign_in_budget(
        &self,
        bucket: &[u8],
        per_minute: NonZeroU32,
    ) -> Result<Option<Duration>>;

    /// Deletes the budgets that are full again (nothing spent that has not refilled): they are
    /// the same as no row at all. Returns how many went.
    async fn forget_idle_sign_in_budgets(&self) -> Result<u64>;

    /// The failed sign-ins for `email` (as stored: normalised) at `application` from `client`
    /// since `since`, and since the last successful one from there: a success starts the count
    /// again.
    async fn recent_failures(
        &self,
        email: &str,
        application: ApplicationId,
        client: IpAddr,
        since: Timestamp,
    ) -> Result<RecentFailures>;
}
