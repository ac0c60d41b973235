//! Sign-in rate limits, per client address and per email, shared by the web app and the API.
//!
//! In memory, per server process: with several servers behind a load balancer each allows its
//! own budget, which still bounds guessing to a small multiple. GCRA from the `governor` crate.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

/// How many sign-in attempts a minute are allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignInLimits {
    /// From one address (IPv6: one /64, which is what one customer line gets).
    pub per_ip_per_minute: NonZeroU32,
    /// For one email address, from anywhere: bounds password guessing on one account.
    pub per_email_per_minute: NonZeroU32,
}

impl Default for SignInLimits {
    fn default() -> Self {
        Self {
            per_ip_per_minute: NonZeroU32::new(30).expect("non-zero"),
            per_email_per_minute: NonZeroU32::new(10).expect("non-zero"),
        }
    }
}

pub struct SignInLimiter {
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
    per_email: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

impl SignInLimiter {
    pub fn new(limits: SignInLimits) -> Self {
        Self {
            per_ip: DefaultKeyedRateLimiter::keyed(Quota::per_minute(limits.per_ip_per_minute)),
            per_email: DefaultKeyedRateLimiter::keyed(Quota::per_minute(
                limits.per_email_per_minute,
            )),
            clock: DefaultClock::default(),
        }
    }

    /// Counts one attempt, or says how long to wait when either budget is spent. An attempt
    /// refused for its address does not spend the email's budget.
    pub fn check(&self, ip: IpAddr, email: &str) -> Result<(), Duration> {
        self.per_ip
            .check_key(&network_of(ip))
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))?;
        self.per_email
            .check_key(&email.to_owned())
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }

    /// Drops the state of keys that are back to a full budget, so memory follows the number of
    /// recent attackers, not of all addresses ever seen.
    pub fn forget_idle(&self) {
        self.per_ip.retain_recent();
        self.per_email.retain_recent();
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(per_ip: u32, per_email: u32) -> SignInLimiter {
        SignInLimiter::new(SignInLimits {
            per_ip_per_minute: NonZeroU32::new(per_ip).unwrap(),
            per_email_per_minute: NonZeroU32::new(per_email).unwrap(),
        })
    }

    #[test]
    fn an_address_gets_its_budget_then_a_wait() {
        let limiter = limiter(3, 100);
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        for n in 0..3 {
            assert!(limiter.check(ip, &format!("user{n}@example.com")).is_ok());
        }
        let wait = limiter.check(ip, "user9@example.com").unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        assert!(
            limiter
                .check("192.0.2.2".parse().unwrap(), "x@example.com")
                .is_ok()
        );
    }

    #[test]
    fn an_email_is_limited_across_addresses_and_ipv6_by_64() {
        let limiter = limiter(100, 2);
        assert!(
            limiter
                .check("192.0.2.1".parse().unwrap(), "henk@example.com")
                .is_ok()
        );
        assert!(
            limiter
                .check("198.51.100.7".parse().unwrap(), "henk@example.com")
                .is_ok()
        );
        assert!(
            limiter
                .check("203.0.113.9".parse().unwrap(), "henk@example.com")
                .is_err()
        );

        let per_line = self::limiter(2, 100);
        assert!(
            per_line
                .check("2001:db8:1:2::1".parse().unwrap(), "a@x")
                .is_ok()
        );
        assert!(
            per_line
                .check("2001:db8:1:2::ffff".parse().unwrap(), "b@x")
                .is_ok()
        );
        assert!(
            per_line
                .check("2001:db8:1:2:abcd::9".parse().unwrap(), "c@x")
                .is_err()
        );
        assert!(
            per_line
                .check("2001:db8:1:3::1".parse().unwrap(), "d@x")
                .is_ok()
        );
    }
}
