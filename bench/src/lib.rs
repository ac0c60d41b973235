//! Sessionboard's tooling, kept out of the product: what the benchmarks (`make bench`) and the
//! cluster test share. Nothing here is part of the server.

pub mod loopback;
pub mod seed_bulk;

pub type Error = Box<dyn std::error::Error + Send + Sync>;

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
