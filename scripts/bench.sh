#!/usr/bin/env bash
# The benchmarks: builds the release server and the benchmark tool, seeds 1,000,000 sessions
# into SQLite and PostgreSQL, measures real server processes over loopback and prints a table.
# Options go to the tool, e.g. `scripts/bench.sh --sessions 100000 --duration 5s`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh
ensure_disk_space

scripts/bootstrap.sh build
scripts/bootstrap.sh data
scripts/bootstrap.sh bench

if [ -z "${BENCH_POSTGRES_URL:-}" ] && (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
  export BENCH_POSTGRES_URL="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
fi
echo "PostgreSQL: ${BENCH_POSTGRES_URL:-not measured (set BENCH_POSTGRES_URL)}" >&2

step "release build (server + WebAssembly)"
cargo leptos build --release
step "benchmark tool"
# Its own workspace member (bench/), which takes the server library with the same features as
# the release build above.
cargo build --release --locked -p sessionboard-bench --bin sessionboard-bench
step "benchmarks (a few minutes)"
"$CARGO_TARGET_DIR/release/sessionboard-bench" "$@"
