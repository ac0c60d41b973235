//! The engine for the engine-level benchmarks.
//!
//! (In the binary, not the library: the library's doc-tests then need not link the server.)

use sessionboard_bench::Error;

/// The engine as the server builds it over `database` (tracking data from the default paths,
/// no demo world), driven through its operator's handle: what the engine-level benchmarks
/// measure, without HTTP.
pub async fn engine(database: &str) -> Result<sessionboard::Operator, Error> {
    use clap::Parser;

    let config = server::Config::parse_from([
        "sessionboard",
        "--database-url",
        database,
        "--seed-demo",
        "false",
    ]);
    Ok(server::startup::build_engine(&config).await?.operator)
}
