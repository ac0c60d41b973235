//! Measurements that need no database and no server: user agents, GeoIP, argon2 and the size of
//! the wasm bundle.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Parser;
use server::Config;
use sessionboard::track::{GeoIp, UserAgentTracker};
use sessionboard_bench::Error;

use crate::stats::show;
use crate::table::{Row, row};

/// Measurements that need no database: user agents, GeoIP, argon2.
pub fn parts(root: &Path) -> Result<Vec<Row>, Error> {
    // The same files the server reads by default.
    let defaults = Config::parse_from(["sessionboard"]);
    let regexes = root.join(&defaults.ua_regexes);
    let started = Instant::now();
    let user_agents = UserAgentTracker::from_regexes_file(&regexes)?;
    let load = started.elapsed();
    let distinct = 2_000;
    let started = Instant::now();
    for version in 0..distinct {
        let agent = format!(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.{version}.0 Safari/537.36"
        );
        std::hint::black_box(user_agents.parse(&agent));
    }
    let cold = started.elapsed() / distinct;
    let agent = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1";
    user_agents.parse(agent);
    let repeats = 200_000;
    let started = Instant::now();
    for _ in 0..repeats {
        std::hint::black_box(user_agents.parse(std::hint::black_box(agent)));
    }
    let cached = started.elapsed() / repeats;

    let files: Vec<PathBuf> = defaults
        .geoip_files()
        .iter()
        .map(|file| root.join(file))
        .collect();
    let geoip = GeoIp::open(&files)?;
    let lookups = 100_000u32;
    let mut seed = 0x9e37_79b9u32;
    let started = Instant::now();
    for _ in 0..lookups {
        // xorshift: addresses all over the IPv4 space, so lookups are not all cache-hot
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        std::hint::black_box(geoip.locate(std::net::IpAddr::from(seed.to_be_bytes())));
    }
    let geo = started.elapsed() / lookups;

    let hash = sessionboard::password::hash_password("correct horse battery staple")?;
    let started = Instant::now();
    for _ in 0..5 {
        std::hint::black_box(sessionboard::password::verify_password(
            "correct horse battery staple",
            &hash,
        ));
    }
    let argon = started.elapsed() / 5;
    let both = |text: String| (text.clone(), "(same)".to_owned());
    let rows = [
        ("load uap-core regexes (once per process)", show(load), ""),
        ("user agent parse, cold (distinct strings)", show(cold), ""),
        ("user agent parse, cached", show(cached), ""),
        ("GeoIP lookup (DB-IP City Lite, random IPv4)", show(geo), ""),
        ("argon2id password check (measured alone)", show(argon), ""),
    ];
    Ok(rows
        .into_iter()
        .map(|(what, value, target)| {
            let (sqlite, postgres) = both(value);
            row(what, sqlite, postgres, target)
        })
        .collect())
}

pub fn wasm_size(path: &Path) -> Result<(u64, u64), Error> {
    let raw = std::fs::metadata(path)
        .map_err(|error| {
            format!(
                "{}: {error} (run cargo leptos build --release)",
                path.display()
            )
        })?
        .len();
    let gzip = std::process::Command::new("gzip")
        .args(["-9", "-c"])
        .arg(path)
        .output()?;
    Ok((raw, gzip.stdout.len() as u64))
}
