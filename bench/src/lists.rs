//! List latency: the sessions lists as the JSON API serves them, one request at a time.

use std::time::Instant;

use axum::http::StatusCode;
use sessionboard_bench::Error;
use sessionboard_bench::loopback::Client;

use crate::stats::{Percentiles, percentiles, show};

/// Request headers, name and value.
type Headers<'a> = &'a [(&'a str, &'a str)];

/// The list cases: p50 / p95 over 200 sequential requests each, through the JSON API.
pub async fn lists(
    client: &mut Client,
    platform_key: &str,
    app_key: &str,
    owner_bearer: &str,
) -> Result<Vec<(String, String)>, Error> {
    let platform = [("x-api-key", platform_key)];
    let owner = [("x-api-key", app_key), ("authorization", owner_bearer)];
    // A deep page: 10,000 sessions down the platform-wide list.
    let mut after = String::new();
    for _ in 0..50 {
        let path = format!("/api/v1/sessions?view=platform&limit=200{after}");
        let page: serde_json::Value =
            serde_json::from_slice(&get_ok(client, &path, &platform).await?)?;
        let next = page["next"].as_str().ok_or("the list ended early")?;
        after = format!("&after={next}");
    }
    let cases: [(&str, String, Headers); 12] = [
        (
            "all accounts, first page",
            "/api/v1/sessions?view=platform".into(),
            &platform,
        ),
        (
            "all accounts, deep page (10,000 down)",
            format!("/api/v1/sessions?view=platform{after}"),
            &platform,
        ),
        (
            "all accounts, search \"berlin\", first page",
            "/api/v1/sessions?view=platform&q=berlin".into(),
            &platform,
        ),
        (
            "all accounts, search \"user4242@\", first page",
            "/api/v1/sessions?view=platform&q=user4242%40".into(),
            &platform,
        ),
        (
            "all accounts, app + user filter, first page",
            "/api/v1/sessions?view=platform&application=3&user=4242".into(),
            &platform,
        ),
        (
            "all accounts, search + app filter, deep page",
            format!("/api/v1/sessions?view=platform&q=windows&application=2{after}"),
            &platform,
        ),
        (
            "account owner, first page",
            "/api/v1/sessions?view=account&account=1".into(),
            &owner,
        ),
        ("my sessions, first page", "/api/v1/sessions".into(), &owner),
        // "Flagged only": one session in forty (the bulk seed's new countries).
        (
            "all accounts, flagged only, first page",
            "/api/v1/sessions?view=platform&flagged=true".into(),
            &platform,
        ),
        (
            "account owner, flagged only, first page",
            "/api/v1/sessions?view=account&account=1&flagged=true".into(),
            &owner,
        ),
        // A term nearly every session matches: the search must stay within the scope's own
        // rows, not the whole table's matches.
        (
            "account owner, search \"windows\", first page",
            "/api/v1/sessions?view=account&account=1&q=windows".into(),
            &owner,
        ),
        (
            "my sessions, search \"windows\", first page",
            "/api/v1/sessions?q=windows".into(),
            &owner,
        ),
    ];
    let mut results = Vec::new();
    for (what, path, headers) in cases {
        for _ in 0..20 {
            get_ok(client, &path, headers).await?;
        }
        let mut samples = Vec::with_capacity(200);
        for _ in 0..200 {
            let started = Instant::now();
            get_ok(client, &path, headers).await?;
            samples.push(started.elapsed());
        }
        let Percentiles { p50, p95, .. } = percentiles(&mut samples);
        results.push((what.to_owned(), format!("{} / {}", show(p50), show(p95))));
    }
    Ok(results)
}

async fn get_ok(
    client: &mut Client,
    path: &str,
    headers: &[(&str, &str)],
) -> Result<axum::body::Bytes, Error> {
    let (status, body) = client.get(path, headers).await?;
    if status != StatusCode::OK {
        return Err(format!("GET {path}: {status} {}", String::from_utf8_lossy(&body)).into());
    }
    Ok(body)
}
