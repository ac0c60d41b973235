//! Sign-in limits on every store: oversized emails refused before any budget is spent, the
//! growing wait after repeated failures, and budgets that the servers on one PostgreSQL spend
//! together (on SQLite each server keeps its own), down to the store's shared budgets.

mod common;

on_every_store!(
    an_oversized_email_is_refused_before_any_budget_is_spent,
    repeated_failures_make_the_next_attempt_wait_twice_as_long_each_time,
    failures_count_only_within_the_window_and_at_the_same_application,
    failing_on_purpose_from_one_address_never_makes_the_owner_wait_elsewhere,
    servers_on_postgres_spend_one_budget_and_servers_on_sqlite_their_own,
    a_shared_budget_admits_its_burst_then_says_how_long_to_wait,
    servers_racing_for_a_shared_budget_get_exactly_what_it_holds,
    idle_budgets_are_deleted_and_busy_ones_kept,
);

use std::num::NonZeroU32;
use std::time::Duration;

use common::{Backend, CHROME_WINDOWS, PASSWORD, T0, world_with_policy};
use sessionboard::limit::SignInLimits;
use sessionboard::model::Timestamp;
use sessionboard::service::{Channel, SessionPolicy, SessionService, SignIn, WEB_APPLICATION};
use sessionboard::{Error, Result};

const SECOND: Duration = Duration::from_secs(1);
const MINUTE: Duration = Duration::from_secs(60);
const IOS: &str = "iOS app";

fn policy(per_ip: u32, per_email: u32) -> SessionPolicy {
    SessionPolicy {
        sign_in_limits: SignInLimits {
            per_ip_per_minute: NonZeroU32::new(per_ip).unwrap(),
            per_email_per_minute: NonZeroU32::new(per_email).unwrap(),
            per_api_key_per_minute: NonZeroU32::new(1000).unwrap(),
        },
        ..SessionPolicy::default()
    }
}

/// A sign-in attempt on the web from 192.0.2.1.
async fn attempt(
    service: &SessionService,
    email: &str,
    password: &str,
    application: &str,
    at: Timestamp,
) -> Result<()> {
    attempt_from(service, "192.0.2.1", email, password, application, at).await
}

async fn attempt_from(
    service: &SessionService,
    ip: &str,
    email: &str,
    password: &str,
    application: &str,
    at: Timestamp,
) -> Result<()> {
    service
        .sign_in(
            SignIn {
                email,
                password,
                application: application.into(),
                ip: ip.parse().unwrap(),
                user_agent: CHROME_WINDOWS,
                channel: Channel::Web,
            },
            at,
        )
        .await
        .map(|_| ())
}

async fn an_oversized_email_is_refused_before_any_budget_is_spent(backend: Backend) {
    let w = world_with_policy(backend, policy(1, 1)).await;
    let long = format!("{}@acme.example", "a".repeat(250));
    let refused = attempt(&w.service, &long, PASSWORD, WEB_APPLICATION, T0).await;
    assert!(
        matches!(refused, Err(Error::InvalidInput(_))),
        "{refused:?}"
    );
    // The address's one attempt a minute was not spent on it...
    attempt(
        &w.service,
        "alice@acme.example",
        PASSWORD,
        WEB_APPLICATION,
        T0,
    )
    .await
    .unwrap();
    // ...and is spent now.
    let next = attempt(
        &w.service,
        "bob@acme.example",
        PASSWORD,
        WEB_APPLICATION,
        T0,
    )
    .await;
    assert!(matches!(next, Err(Error::RateLimited(_))), "{next:?}");
}

async fn repeated_failures_make_the_next_attempt_wait_twice_as_long_each_time(backend: Backend) {
    let w = world_with_policy(backend, policy(1000, 1000)).await;
    let alice = async |password: &str, seconds: u32| {
        let at = T0.plus(SECOND * seconds);
        attempt(
            &w.service,
            "alice@acme.example",
            password,
            WEB_APPLICATION,
            at,
        )
        .await
    };
    for n in 0..5 {
        let failed = alice("wrong", n).await;
        assert!(
            matches!(failed, Err(Error::InvalidCredentials)),
            "{n}: {failed:?}"
        );
    }
    // Five failures, the latest at 4 s: the next attempt waits a second after it, even with
    // the right password, and is answered before any password check.
    let early = alice(PASSWORD, 4).await;
    assert!(matches!(early, Err(Error::RateLimited(1))), "{early:?}");
    assert!(matches!(
        alice("wrong", 5).await,
        Err(Error::InvalidCredentials)
    ));
    // Six: two seconds after the latest (5 s).
    let early = alice(PASSWORD, 6).await;
    assert!(matches!(early, Err(Error::RateLimited(1))), "{early:?}");
    assert!(matches!(
        alice("wrong", 7).await,
        Err(Error::InvalidCredentials)
    ));
    // Seven: four seconds after 7 s.
    let early = alice(PASSWORD, 8).await;
    assert!(matches!(early, Err(Error::RateLimited(3))), "{early:?}");
    // Once the wait is over the right password gets in, and the count starts again: without
    // that, eight failures would make the second of these wait eight seconds.
    alice(PASSWORD, 11).await.unwrap();
    assert!(matches!(
        alice("wrong", 12).await,
        Err(Error::InvalidCredentials)
    ));
    assert!(matches!(
        alice("wrong", 12).await,
        Err(Error::InvalidCredentials)
    ));
}

async fn failures_count_only_within_the_window_and_at_the_same_application(backend: Backend) {
    let w = world_with_policy(backend, policy(1000, 1000)).await;
    let bob = async |password: &str, application: &str, at: Timestamp| {
        attempt(&w.service, "bob@acme.example", password, application, at).await
    };
    for _ in 0..5 {
        assert!(matches!(
            bob("wrong", WEB_APPLICATION, T0).await,
            Err(Error::InvalidCredentials)
        ));
    }
    // Five more fourteen minutes later, each after the wait the ones before it asked for.
    let mut at = T0.plus(14 * MINUTE);
    for wait in [0, 2, 4, 8, 16] {
        at = at.plus(SECOND * wait);
        let failed = bob("wrong", WEB_APPLICATION, at).await;
        assert!(
            matches!(failed, Err(Error::InvalidCredentials)),
            "{failed:?}"
        );
    }
    // Ten failures, the latest at 14:30: the next waits 32 s, until 15:02.
    let waiting = bob(PASSWORD, WEB_APPLICATION, T0.plus(15 * MINUTE)).await;
    assert!(matches!(waiting, Err(Error::RateLimited(2))), "{waiting:?}");
    // Other applications' sign-ins are not held up by the web's failures.
    bob(PASSWORD, IOS, T0.plus(15 * MINUTE)).await.unwrap();
    // A second later the five at 0:00 are out of the window; five failures ask for a second.
    bob(PASSWORD, WEB_APPLICATION, T0.plus(15 * MINUTE + SECOND))
        .await
        .unwrap();
}

async fn failing_on_purpose_from_one_address_never_makes_the_owner_wait_elsewhere(
    backend: Backend,
) {
    let w = world_with_policy(backend, policy(1000, 1000)).await;
    let from = async |ip: &str, password: &str, at: Timestamp| {
        attempt_from(
            &w.service,
            ip,
            "bob@acme.example",
            password,
            WEB_APPLICATION,
            at,
        )
        .await
    };
    let attacker = "203.0.113.66";
    for n in 0..8u32 {
        let at = T0.plus(SECOND * (n * 10));
        let _ = from(attacker, "wrong", at).await;
    }
    let now = T0.plus(SECOND * 71);
    let held = from(attacker, PASSWORD, now).await;
    assert!(matches!(held, Err(Error::RateLimited(_))), "{held:?}");
    from("198.51.100.7", PASSWORD, now)
        .await
        .expect("the owner, from their own address, is not held up by someone else's failures");
}

async fn servers_on_postgres_spend_one_budget_and_servers_on_sqlite_their_own(backend: Backend) {
    let w = world_with_policy(backend, policy(1000, 2)).await;
    let other = w.another_server(policy(1000, 2)).await;
    let carol = "carol@globex.example";
    for _ in 0..2 {
        let failed = attempt(&w.service, carol, "wrong", WEB_APPLICATION, T0).await;
        assert!(
            matches!(failed, Err(Error::InvalidCredentials)),
            "{failed:?}"
        );
    }
    let third = attempt(&other, carol, "wrong", WEB_APPLICATION, T0).await;
    match backend {
        Backend::Postgres => assert!(matches!(third, Err(Error::RateLimited(_))), "{third:?}"),
        Backend::Sqlite => assert!(matches!(third, Err(Error::InvalidCredentials)), "{third:?}"),
    }
}

async fn a_shared_budget_admits_its_burst_then_says_how_long_to_wait(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = backend.store(dir.path()).await;
    let three = NonZeroU32::new(3).unwrap();
    let bucket = [1; 16];
    for _ in 0..3 {
        assert_eq!(
            store.spend_sign_in_budget(&bucket, three).await.unwrap(),
            None
        );
    }
    // Three a minute: one comes back every 20 seconds.
    let wait = store
        .spend_sign_in_budget(&bucket, three)
        .await
        .unwrap()
        .expect("the budget is spent");
    assert!(
        wait > Duration::from_secs(15) && wait <= Duration::from_secs(20),
        "{wait:?}"
    );
    assert_eq!(
        store.spend_sign_in_budget(&[2; 16], three).await.unwrap(),
        None
    );
}

async fn servers_racing_for_a_shared_budget_get_exactly_what_it_holds(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (first, database) = backend.store(dir.path()).await;
    let second = database.open().await;
    let five = NonZeroU32::new(5).unwrap();
    let racers: Vec<_> = (0..20)
        .map(|n| {
            let store = if n % 2 == 0 {
                first.clone()
            } else {
                second.clone()
            };
            tokio::spawn(async move { store.spend_sign_in_budget(&[7; 16], five).await.unwrap() })
        })
        .collect();
    let mut admitted = 0;
    for racer in racers {
        if racer.await.unwrap().is_none() {
            admitted += 1;
        }
    }
    assert_eq!(admitted, 5);
}

async fn idle_budgets_are_deleted_and_busy_ones_kept(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = backend.store(dir.path()).await;
    // One attempt a minute: spent for a minute. Sixty million: full again within a
    // microsecond.
    let slow = NonZeroU32::new(1).unwrap();
    let quick = NonZeroU32::new(60_000_000).unwrap();
    assert_eq!(
        store.spend_sign_in_budget(&[1; 16], slow).await.unwrap(),
        None
    );
    assert_eq!(
        store.spend_sign_in_budget(&[2; 16], quick).await.unwrap(),
        None
    );
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(store.forget_idle_sign_in_budgets().await.unwrap(), 1);
    assert!(
        store
            .spend_sign_in_budget(&[1; 16], slow)
            .await
            .unwrap()
            .is_some()
    );
}
