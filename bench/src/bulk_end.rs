//! Ending every session that matches a filter, at scale: one application's sessions (a quarter
//! of the bulk world) in the engine's batches, while one person after another signs in, to see
//! how long a sign-in waits behind a batch.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use sessionboard::model::{ApplicationId, ChangeKind, EndReason, SessionEnd, Timestamp, UserId};
use sessionboard::service::{BULK_BATCH as BATCH, Channel, SignIn};
use sessionboard::store::{ChangeRecord, Scope, SessionQuery};
use sessionboard_bench::Error;

use crate::stats::{percentiles, show};

/// How long ending the live sessions of the bulk world's first application takes, and how many.
pub async fn bulk_end(database: &str) -> Result<String, Error> {
    let operator = Arc::new(crate::engine::engine(database).await?);
    let store = operator.store().clone();
    // Sign-ins one after another (no password hash) for as long as the bulk termination runs.
    let done = Arc::new(AtomicBool::new(false));
    let signing_in = tokio::spawn({
        let (operator, done) = (operator.clone(), done.clone());
        async move {
            let mut waits = Vec::new();
            let mut user = 1;
            while !done.load(Ordering::Relaxed) {
                let email = format!("user{user}@account{}.example", (user - 1) % 10_000 + 1);
                let attempt = SignIn {
                    email: &email,
                    password: "",
                    application: "Web".into(),
                    ip: std::net::IpAddr::from([81, 2, 69, 142]),
                    user_agent: "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
                    channel: Channel::Web,
                };
                let started = Instant::now();
                operator.sign_in_verified(attempt, Timestamp::now()).await?;
                waits.push(started.elapsed());
                // A probe, not a load: people signing in now and then.
                tokio::time::sleep(Duration::from_millis(20)).await;
                user = user % 100_000 + 1;
            }
            Ok::<_, sessionboard::Error>(waits)
        }
    });
    // As the service bounds it: not the sessions signed in while it runs.
    let query = SessionQuery {
        application: Some(ApplicationId(1)),
        created_before: Some(Timestamp::now()),
        ..SessionQuery::default()
    };
    let end = SessionEnd::because(EndReason::TerminatedByAdmin);
    let started = Instant::now();
    // As the service does it: its audit record and progress first, advanced by every batch.
    let record = ChangeRecord {
        at: Timestamp::now(),
        actor: Some(UserId(1)),
        api_key: None,
        impersonator: None,
        ip: None,
        kind: ChangeKind::SessionsEnded,
        account: None,
        target_user: None,
        application: query.application,
        detail: "the benchmark's bulk termination".to_owned(),
    };
    let job = store.begin_bulk_termination(&record, 0).await?;
    let mut ended = 0;
    loop {
        let batch = store
            .terminate_matching(job, Scope::All, &query, end, Timestamp::now(), BATCH)
            .await?;
        ended += batch.len();
        if batch.len() < BATCH as usize {
            break;
        }
    }
    store
        .finish_bulk_termination(job, None, Timestamp::now())
        .await?;
    let took = started.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    let mut waits = signing_in.await??;
    if waits.is_empty() {
        waits.push(Duration::ZERO);
    }
    let signed_in = waits.len();
    let waited = percentiles(&mut waits);
    Ok(format!(
        "{ended} sessions ended in {took:.1} s ({:.0}/s); meanwhile {signed_in} sign-ins, \
         one at a time, took p50 {} / p95 {} / max {}",
        ended as f64 / took,
        show(waited.p50),
        show(waited.p95),
        show(waited.max),
    ))
}
