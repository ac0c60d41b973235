//! Sessionboard's tooling, kept out of the product: what the benchmarks (`make bench`) and the
//! cluster test share. Nothing here is part of the server.

pub mod loopback;
pub mod seed_bulk;

pub type Error = Box<dyn std::error::Error + Send + Sync>;
