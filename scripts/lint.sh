#!/usr/bin/env bash
# Formatting and clippy, once per feature set: the server and the browser (WebAssembly).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh
ensure_disk_space

scripts/bootstrap.sh build
step "cargo fmt --check"
cargo fmt --all --check
step "clippy: server (ssr)"
cargo clippy --workspace --all-targets --locked -- -D warnings
step "clippy: browser (hydrate, wasm32)"
cargo clippy -p app --no-default-features --features hydrate --target wasm32-unknown-unknown --locked -- -D warnings
