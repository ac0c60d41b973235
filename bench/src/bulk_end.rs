//! Ending every session that matches a filter, at scale: one application's sessions (a quarter
//! of the bulk world) in the engine's batches.

use std::time::Instant;

use clap::Parser;
use server::Config;
use sessionboard::model::{ApplicationId, EndReason, SessionEnd, Timestamp};
use sessionboard::store::{Scope, SessionQuery};
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
    let mut ended = 0;
    loop {
        let batch = store
            .terminate_matching(Scope::All, &query, end, Timestamp::now(), BATCH)
            .await?;
        ended += batch.len();
        if batch.len() < BATCH as usize {
            break;
        }
    }
    let took = started.elapsed().as_secs_f64();
    Ok(format!(
        "{ended} sessions ended in {took:.1} s ({:.0}/s)",
        ended as f64 / took
    ))
}
