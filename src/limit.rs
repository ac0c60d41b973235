//! Sign-in rate limits, shared by the web app and the API: budgets per client network, per
//! email and per API key, and a growing wait for an account after repeated failures.
//!
//! Budgets are GCRA: each holds `per_minute` attempts and refills at that rate. A server that
//! has its database to itself (SQLite) keeps them in memory, with the `governor` crate; servers
//! sharing one (PostgreSQL) keep them in it (`store::LimitStore`), so that the limits hold for
//! all of them together rather than for each. Either way budgets run on real time, not on the
//! "now" callers pass, which dates the sign-in history the growing wait is counted from.
//!
//! A budget is named by a 16-byte digest of what it limits: a client's input costs the same
//! small key however long it is, and every server names the same budget the same way.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::model::{ApiKeyId, ApplicationId, Timestamp};
use crate::store::{RecentFailures, Store};

/// How often budgets that are full again are dropped (in memory, or their rows deleted).
pub const FORGET_IDLE_EVERY: Duration = Duration::from_secs(60);

/// Failed sign-ins older than this do not count towards the growing wait.
pub const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);

/// Failures an account may have in the window before its attempts have to wait.
const FREE_FAILURES: u64 = 5;

/// The longest wait after failures.
const LONGEST_WAIT: Duration = Duration::from_secs(15 * 60);

/// Where a sign-in attempt came in. Each channel spends from budgets of its own, so an
/// application's key can neither use up the web app's budget for an address or an email
/// (locking people out of signing in on the web) nor escape its own by naming other addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Channel {
    /// The web app's sign-in form.
    Web,
    /// The JSON API, through this key, which vouches for the device's address.
    Api(ApiKeyId),
}

/// How many sign-in attempts a minute are allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignInLimits {
    /// From one address (IPv6: one /64, which is what one customer line gets), per channel.
    pub per_ip_per_minute: NonZeroU32,
    /// For one email address, from anywhere, per channel: bounds password guessing on one
    /// account.
    pub per_email_per_minute: NonZeroU32,
    /// Through one API key, whatever addresses and emails it names.
    pub per_api_key_per_minute: NonZeroU32,
}

impl Default for SignInLimits {
    fn default() -> Self {
        Self {
            per_ip_per_minute: NonZeroU32::new(30).expect("non-zero"),
            per_email_per_minute: NonZeroU32::new(10).expect("non-zero"),
            per_api_key_per_minute: NonZeroU32::new(600).expect("non-zero"),
        }
    }
}

impl SignInLimits {
    fn per_minute(&self, kind: Kind) -> NonZeroU32 {
        match kind {
            Kind::ApiKey => self.per_api_key_per_minute,
            Kind::Network => self.per_ip_per_minute,
            Kind::Email => self.per_email_per_minute,
        }
    }
}

/// What a budget limits. The numbers are part of every budget's name, which servers of
/// different versions sharing a database must agree on: never renumber them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    ApiKey = 1,
    Network = 2,
    Email = 3,
}

/// A budget's name: the first 16 bytes of a SHA-256 of what it limits.
type Bucket = [u8; 16];

pub struct SignInLimiter {
    limits: SignInLimits,
    budgets: Budgets,
}

enum Budgets {
    /// This server's own.
    InMemory(Box<InMemory>),
    /// The database's, shared by every server on it.
    Shared(Arc<dyn Store>),
}

impl SignInLimiter {
    /// Keeps the budgets in the database when servers share it, otherwise in memory.
    pub fn new(limits: SignInLimits, store: &Arc<dyn Store>) -> Self {
        let budgets = if store.shares_sign_in_budgets() {
            Budgets::Shared(Arc::clone(store))
        } else {
            Budgets::InMemory(Box::new(InMemory::new(limits)))
        };
        Self { limits, budgets }
    }

    /// Spends one attempt from each of the attempt's budgets: its API key's (API attempts
    /// only), its address's and its email's (already normalised), in that order, stopping at
    /// the first that is used up, so that an attempt refused for its address does not spend
    /// the email's budget. Refused: [`Error::RateLimited`] with the seconds to wait.
    pub async fn spend(&self, channel: Channel, ip: IpAddr, email: &str) -> Result<()> {
        for (kind, bucket) in buckets(channel, ip, email) {
            let wait = match &self.budgets {
                Budgets::InMemory(memory) => memory.spend(kind, &bucket),
                Budgets::Shared(store) => {
                    store
                        .spend_sign_in_budget(&bucket, self.limits.per_minute(kind))
                        .await?
                }
            };
            if let Some(wait) = wait {
                return Err(Error::RateLimited(whole_seconds(wait)));
            }
        }
        Ok(())
    }

    /// Drops the budgets that are full again, so that memory (or the table) follows the
    /// number of recent attackers, not of all addresses and emails ever seen.
    pub async fn forget_idle(&self) -> Result<()> {
        match &self.budgets {
            Budgets::InMemory(memory) => memory.forget_idle(),
            Budgets::Shared(store) => {
                store.forget_idle_sign_in_budgets().await?;
            }
        }
        Ok(())
    }

    #[cfg(test)]
    fn in_memory(limits: SignInLimits) -> Self {
        Self {
            limits,
            budgets: Budgets::InMemory(Box::new(InMemory::new(limits))),
        }
    }

    /// How many budgets this server holds in memory.
    #[cfg(test)]
    fn remembered(&self) -> usize {
        match &self.budgets {
            Budgets::InMemory(memory) => memory.len(),
            Budgets::Shared(_) => 0,
        }
    }
}

/// Drops idle budgets every `every`, for as long as the returned task runs (the service
/// aborts it when it stops).
pub fn spawn_forgetting(
    limiter: Arc<SignInLimiter>,
    every: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if let Err(error) = limiter.forget_idle().await {
                tracing::warn!(
                    error = %error.report(),
                    "forgetting idle sign-in budgets failed; will retry"
                );
            }
        }
    })
}

/// Refuses an attempt on `email` (normalised) at `application` from `client` while the wait
/// after that address's recent failures on the account lasts (see `wait_after`), with
/// [`Error::RateLimited`]. Counted from the sign-in history, so it holds on every server and
/// across restarts; `now` dates the attempt as the history will.
///
/// Failures from other addresses or at other applications do not count: someone failing on
/// purpose makes only their own attempts wait, never the account's owner signing in from
/// elsewhere, and a key holder's guesses through the API never make the web app's users wait.
/// Guessing from many addresses is bounded by the email's budget instead.
pub async fn wait_after_failures(
    store: &dyn Store,
    email: &str,
    application: ApplicationId,
    client: IpAddr,
    now: Timestamp,
) -> Result<()> {
    let failures = store
        .recent_failures(email, application, client, now.minus(FAILURE_WINDOW))
        .await?;
    match remaining_wait(failures, now) {
        Some(wait) => Err(Error::RateLimited(whole_seconds(wait))),
        None => Ok(()),
    }
}

/// How much longer the next attempt must wait at `now`, if at all.
fn remaining_wait(failures: RecentFailures, now: Timestamp) -> Option<Duration> {
    let latest = failures.latest?;
    let until = latest.plus(wait_after(failures.count));
    let remaining = u64::try_from(until.0.saturating_sub(now.0)).ok()?;
    (remaining > 0).then_some(Duration::from_millis(remaining))
}

/// How long after its latest failure an account's next attempt must wait, once it has
/// `failures` recent ones: nothing for the first five, then one second, doubling with each
/// further failure up to fifteen minutes.
fn wait_after(failures: u64) -> Duration {
    let Some(beyond) = failures.checked_sub(FREE_FAILURES) else {
        return Duration::ZERO;
    };
    // 2^10 seconds is past the longest wait already (and larger shifts would overflow).
    if beyond >= 10 {
        return LONGEST_WAIT;
    }
    Duration::from_secs(1 << beyond).min(LONGEST_WAIT)
}

/// Whole seconds, rounded up and at least one: told to wait 1 s for 1.5 s, a client would
/// come back too early.
fn whole_seconds(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

/// The budgets an attempt spends from, in order.
fn buckets(channel: Channel, ip: IpAddr, email: &str) -> Vec<(Kind, Bucket)> {
    let mut buckets = Vec::with_capacity(3);
    if let Channel::Api(_) = channel {
        buckets.push((Kind::ApiKey, bucket(Kind::ApiKey, channel, &[])));
    }
    let network = match network_of(ip) {
        IpAddr::V4(v4) => v4.octets().to_vec(),
        IpAddr::V6(v6) => v6.octets().to_vec(),
    };
    buckets.push((Kind::Network, bucket(Kind::Network, channel, &network)));
    buckets.push((Kind::Email, bucket(Kind::Email, channel, email.as_bytes())));
    buckets
}

/// Names a budget: what it limits, on which channel, and the subject (an address's bytes, an
/// email), last, so that no length needs to be written.
fn bucket(kind: Kind, channel: Channel, subject: &[u8]) -> Bucket {
    let mut hash = Sha256::new();
    hash.update(b"sessionboard sign-in budget\0");
    hash.update([kind as u8]);
    match channel {
        Channel::Web => hash.update([0u8]),
        Channel::Api(key) => {
            hash.update([1u8]);
            hash.update(key.0.to_be_bytes());
        }
    }
    hash.update(subject);
    let digest = hash.finalize();
    let mut bucket = [0; 16];
    bucket.copy_from_slice(&digest[..16]);
    bucket
}

/// IPv4 addresses stand alone; IPv6 ones are grouped by their /64.
fn network_of(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & (u128::MAX << 64);
            IpAddr::V6(bits.into())
        }
        v4 => v4,
    }
}

/// A server's own budgets, one keyed limiter per kind (each has its own quota).
struct InMemory {
    per_api_key: DefaultKeyedRateLimiter<Bucket>,
    per_network: DefaultKeyedRateLimiter<Bucket>,
    per_email: DefaultKeyedRateLimiter<Bucket>,
    clock: DefaultClock,
}

impl InMemory {
    fn new(limits: SignInLimits) -> Self {
        let keyed =
            |kind| DefaultKeyedRateLimiter::keyed(Quota::per_minute(limits.per_minute(kind)));
        Self {
            per_api_key: keyed(Kind::ApiKey),
            per_network: keyed(Kind::Network),
            per_email: keyed(Kind::Email),
            clock: DefaultClock::default(),
        }
    }

    fn limiter(&self, kind: Kind) -> &DefaultKeyedRateLimiter<Bucket> {
        match kind {
            Kind::ApiKey => &self.per_api_key,
            Kind::Network => &self.per_network,
            Kind::Email => &self.per_email,
        }
    }

    /// `None`: spent; otherwise how long until the budget allows an attempt again.
    fn spend(&self, kind: Kind, bucket: &Bucket) -> Option<Duration> {
        self.limiter(kind)
            .check_key(bucket)
            .err()
            .map(|not_until| not_until.wait_time_from(self.clock.now()))
    }

    fn forget_idle(&self) {
        for kind in [Kind::ApiKey, Kind::Network, Kind::Email] {
            let limiter = self.limiter(kind);
            limiter.retain_recent();
            // After an attack the maps would otherwise keep their peak capacity.
            limiter.shrink_to_fit();
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.per_api_key.len() + self.per_network.len() + self.per_email.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(per_ip: u32, per_email: u32, per_api_key: u32) -> SignInLimiter {
        SignInLimiter::in_memory(SignInLimits {
            per_ip_per_minute: NonZeroU32::new(per_ip).unwrap(),
            per_email_per_minute: NonZeroU32::new(per_email).unwrap(),
            per_api_key_per_minute: NonZeroU32::new(per_api_key).unwrap(),
        })
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    const WEB: Channel = Channel::Web;

    #[tokio::test]
    async fn an_address_gets_its_budget_then_a_wait() {
        let limiter = limiter(3, 100, 100);
        let from = ip("192.0.2.1");
        for n in 0..3 {
            assert!(
                limiter
                    .spend(WEB, from, &format!("user{n}@example.com"))
                    .await
                    .is_ok()
            );
        }
        let refused = limiter.spend(WEB, from, "user9@example.com").await;
        assert!(
            matches!(refused, Err(Error::RateLimited(seconds)) if (1..=20).contains(&seconds)),
            "{refused:?}"
        );
        assert!(
            limiter
                .spend(WEB, ip("192.0.2.2"), "x@example.com")
                .await
                .is_ok()
        );
    }

    #[tokio::test]
    async fn an_email_is_limited_across_addresses_and_ipv6_by_64() {
        let limiter = limiter(100, 2, 100);
        let henk = "henk@example.com";
        assert!(limiter.spend(WEB, ip("192.0.2.1"), henk).await.is_ok());
        assert!(limiter.spend(WEB, ip("198.51.100.7"), henk).await.is_ok());
        assert!(limiter.spend(WEB, ip("203.0.113.9"), henk).await.is_err());

        let per_line = self::limiter(2, 100, 100);
        assert!(
            per_line
                .spend(WEB, ip("2001:db8:1:2::1"), "a@x")
                .await
                .is_ok()
        );
        assert!(
            per_line
                .spend(WEB, ip("2001:db8:1:2::ffff"), "b@x")
                .await
                .is_ok()
        );
        assert!(
            per_line
                .spend(WEB, ip("2001:db8:1:2:abcd::9"), "c@x")
                .await
                .is_err()
        );
        assert!(
            per_line
                .spend(WEB, ip("2001:db8:1:3::1"), "d@x")
                .await
                .is_ok()
        );
    }

    #[tokio::test]
    async fn api_attempts_spend_budgets_apart_from_the_web_and_from_other_keys() {
        let limiter = limiter(2, 2, 100);
        let (from, victim) = (ip("81.2.69.142"), "victim@example.com");
        let key = Channel::Api(ApiKeyId(1));
        assert!(limiter.spend(key, from, victim).await.is_ok());
        assert!(limiter.spend(key, from, victim).await.is_ok());
        assert!(limiter.spend(key, from, victim).await.is_err());
        // The key used up the address's and the email's budgets: on its own channel only.
        assert!(limiter.spend(WEB, from, victim).await.is_ok());
        let other_key = Channel::Api(ApiKeyId(2));
        assert!(limiter.spend(other_key, from, victim).await.is_ok());
    }

    #[tokio::test]
    async fn an_api_key_is_limited_whatever_addresses_and_emails_it_names() {
        let limiter = limiter(100, 100, 3);
        let key = Channel::Api(ApiKeyId(7));
        for n in 0..3 {
            let (from, email) = (ip(&format!("192.0.2.{n}")), format!("user{n}@example.com"));
            assert!(limiter.spend(key, from, &email).await.is_ok());
        }
        let rotated = limiter
            .spend(key, ip("198.51.100.1"), "fresh@example.com")
            .await;
        assert!(matches!(rotated, Err(Error::RateLimited(_))), "{rotated:?}");
        let (from, email) = (ip("198.51.100.2"), "other@example.com");
        assert!(
            limiter
                .spend(Channel::Api(ApiKeyId(8)), from, email)
                .await
                .is_ok()
        );
        assert!(limiter.spend(WEB, from, email).await.is_ok());
    }

    #[test]
    fn budget_names_are_small_stable_and_differ_by_kind_channel_and_subject() {
        let huge = "x".repeat(1_000_000);
        let from = ip("192.0.2.1");
        let web = buckets(WEB, from, &huge);
        let api = buckets(Channel::Api(ApiKeyId(1)), from, &huge);
        assert_eq!(web.len(), 2);
        assert_eq!(api.len(), 3);
        let mut names: Vec<Bucket> = web.iter().chain(&api).map(|(_, bucket)| *bucket).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 5, "every budget has a name of its own");
        // Every server (and every version) must name a budget alike.
        let hex: String = bucket(Kind::Email, WEB, b"a@example.com")
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        assert_eq!(hex, "ff3828a3c248dd7648bf16bc79883084");
        assert_eq!(
            buckets(WEB, ip("2001:db8:1:2::1"), "a@x")[0],
            buckets(WEB, ip("2001:db8:1:2::ffff"), "a@x")[0]
        );
    }

    #[tokio::test]
    async fn budgets_full_again_are_forgotten_by_the_periodic_job() {
        // Refills within a millisecond: idle almost at once.
        let limiter = Arc::new(limiter(60_000, 60_000, 60_000));
        limiter
            .spend(WEB, ip("192.0.2.1"), "a@example.com")
            .await
            .unwrap();
        assert_eq!(limiter.remembered(), 2);
        let job = spawn_forgetting(limiter.clone(), Duration::from_millis(10));
        for _ in 0..200 {
            if limiter.remembered() == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        job.abort();
        assert_eq!(limiter.remembered(), 0);
    }

    #[test]
    fn failures_wait_one_second_then_twice_as_long_each_time_up_to_fifteen_minutes() {
        let seconds = |failures| wait_after(failures).as_secs();
        assert_eq!(seconds(0), 0);
        assert_eq!(seconds(4), 0);
        assert_eq!(seconds(5), 1);
        assert_eq!(seconds(6), 2);
        assert_eq!(seconds(10), 32);
        assert_eq!(seconds(14), 512);
        assert_eq!(seconds(15), 900);
        assert_eq!(seconds(u64::MAX), 900);
    }

    #[test]
    fn the_wait_runs_from_the_latest_failure() {
        let latest = Timestamp::from_millis(1_790_000_000_000);
        let failures = |count| RecentFailures {
            count,
            latest: Some(latest),
        };
        let at = |millis| latest.plus(Duration::from_millis(millis));
        assert_eq!(
            remaining_wait(failures(6), at(500)),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(remaining_wait(failures(6), at(2000)), None);
        assert_eq!(remaining_wait(failures(4), at(0)), None);
        let none = RecentFailures {
            count: 0,
            latest: None,
        };
        assert_eq!(remaining_wait(none, at(0)), None);
        assert_eq!(whole_seconds(Duration::from_millis(1500)), 2);
        assert_eq!(whole_seconds(Duration::from_millis(1)), 1);
        assert_eq!(whole_seconds(Duration::from_secs(3)), 3);
    }
}
