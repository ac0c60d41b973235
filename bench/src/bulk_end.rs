//! Ending every session that matches a filter, at scale: one application's sessions (a quarter
//! of the bulk world) in the engine's batches.

use std::time::Instant;

use clap::Parser;
use server::Config;
use sessionboard::model::{ApplicationId, ChangeKind, EndReason, SessionEnd, Timestamp, UserId};
use sessionboard::store::{ChangeRecord, Scope, SessionQuery};
use sessionboard_bench::Error;

/// The service's batch (`service::sessions::BULK_BATCH`): a transaction each.
const BATCH: u32 = 1_000;

/// How long ending the live sessions of the bulk world's first application takes, and how many.
pub async fn bulk_end(database: &str) -> Result<String, Error> {
    let config = Config::parse_from([
        "sessionboard",
        "--database-url",
        database,
        "--seed-demo",
        "false",
    ]);
    let operator = server::startup::build_engine(&config).await?.operator;
    let store = operator.store();
    let query = SessionQuery {
        application: Some(ApplicationId(1)),
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
    Ok(format!(
        "{ended} sessions ended in {took:.1} s ({:.0}/s)",
        ended as f64 / took
    ))
}
