#!/usr/bin/env bash
# Runs every test: unit and integration (real SQLite files, real uap-core regexes), then
# end-to-end in headless Chromium against the real release server.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh

scripts/bootstrap.sh all

step "unit and integration tests"
cargo test --workspace --locked

step "release build (server + WebAssembly)"
cargo leptos build --release
wasm="target/site/pkg/sessionboard.wasm"
printf 'release wasm: %s bytes raw, %s bytes gzip -9\n' \
  "$(stat -c %s "$wasm")" "$(gzip -9 -c "$wasm" | wc -c)"

step "end-to-end tests (Playwright, Chromium)"
scripts/e2e.sh
