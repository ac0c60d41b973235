//! HTTP load with wrk (Debian's package): a fixed number of connections for a fixed time.

use std::process::Command;
use std::time::Duration;

use crate::Error;

pub struct Load {
    pub requests_per_second: f64,
    pub p50: Duration,
    pub p99: Duration,
    /// Non-2xx/3xx answers and socket errors: a run with any is not a valid measurement.
    pub errors: u64,
}

pub fn run(
    url: &str,
    headers: &[(&str, &str)],
    connections: u32,
    threads: u32,
    duration: Duration,
) -> Result<Load, Error> {
    let mut command = Command::new("wrk");
    command
        .arg(format!("-t{threads}"))
        .arg(format!("-c{connections}"))
        .arg(format!("-d{}s", duration.as_secs().max(1)))
        .arg("--latency");
    for (name, value) in headers {
        command.arg("-H").arg(format!("{name}: {value}"));
    }
    let output = command.arg(url).output().map_err(|error| {
        format!("cannot run wrk (scripts/bootstrap.sh bench installs it): {error}")
    })?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "wrk failed: {text}{}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    parse(&text).ok_or_else(|| format!("cannot read wrk's report:\n{text}").into())
}

fn parse(report: &str) -> Option<Load> {
    let mut load = Load {
        requests_per_second: 0.0,
        p50: Duration::ZERO,
        p99: Duration::ZERO,
        errors: 0,
    };
    for line in report.lines().map(str::trim) {
        let mut words = line.split_whitespace();
        match (words.next(), words.next()) {
            (Some("Requests/sec:"), Some(rate)) => load.requests_per_second = rate.parse().ok()?,
            (Some("50%"), Some(latency)) => load.p50 = duration(latency)?,
            (Some("99%"), Some(latency)) => load.p99 = duration(latency)?,
            (Some("Non-2xx"), _) => {
                load.errors += line.rsplit(' ').next()?.parse::<u64>().ok()?;
            }
            (Some("Socket"), Some("errors:")) => {
                load.errors += line
                    .split(',')
                    .filter_map(|part| part.split_whitespace().last()?.parse::<u64>().ok())
                    .sum::<u64>();
            }
            _ => {}
        }
    }
    (load.requests_per_second > 0.0).then_some(load)
}

/// wrk's "1.23ms", "456.00us", "1.01s".
fn duration(text: &str) -> Option<Duration> {
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let seconds = match unit {
        "us" => number / 1e6,
        "ms" => number / 1e3,
        "s" => number,
        "m" => number * 60.0,
        _ => return None,
    };
    Some(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_wrk_report() {
        let report = "Running 5s test @ http://127.0.0.1:1/\n  2 threads and 32 connections\n  \
            Latency Distribution\n     50%  452.00us\n     75%  600.00us\n     90%    1.02ms\n     \
            99%    2.31ms\n  100000 requests in 5.00s, 10.00MB read\n  \
            Socket errors: connect 0, read 2, write 0, timeout 1\n  Non-2xx or 3xx responses: 7\n\
            Requests/sec:  20000.50\nTransfer/sec:      2.00MB\n";
        let load = parse(report).unwrap();
        assert_eq!(load.requests_per_second, 20000.5);
        assert_eq!(load.p50, Duration::from_micros(452));
        assert_eq!(load.p99, Duration::from_micros(2310));
        assert_eq!(load.errors, 10);
    }
}
