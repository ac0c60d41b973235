#!/usr/bin/env bash
# Runs every test: unit and integration (real SQLite files, real uap-core regexes), then
# end-to-end in headless Chromium and the API's contract against its OpenAPI document, both
# against the real release server.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh
ensure_disk_space

scripts/bootstrap.sh all

# PostgreSQL runs on these machines at 127.0.0.1:5432; the store tests use it when it answers
# (or wherever TEST_POSTGRES_URL points).
if [ -z "${TEST_POSTGRES_URL:-}" ] && (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
  export TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:5432/test"
fi
echo "PostgreSQL store tests: ${TEST_POSTGRES_URL:-skipped (TEST_POSTGRES_URL not set)}" >&2

step "unit and integration tests"
cargo test --workspace --locked

step "release build (server + WebAssembly)"
cargo leptos build --release
wasm="target/site/pkg/sessionboard.wasm"
printf 'release wasm: %s bytes raw, %s bytes gzip -9\n' \
  "$(stat -c %s "$wasm")" "$(gzip -9 -c "$wasm" | wc -c)"

step "end-to-end tests (Playwright, Chromium)"
scripts/e2e.sh

step "end-to-end tests behind nginx with TLS"
scripts/e2e-proxy.sh

step "API contract tests (Schemathesis against /api/v1/openapi.json)"
scripts/contract.sh
