#!/usr/bin/env bash
# Runs the Playwright tests in end2end/ against the release server built by
# `cargo leptos build --release`, started here on a fresh database (with the demo world, whose
# people the tests sign in as) and a free port.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh

binary="$CARGO_TARGET_DIR/release/sessionboard"
[ -x "$binary" ] || { echo "no server binary at $binary: run cargo leptos build --release" >&2; exit 1; }

workdir="$(mktemp -d)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
log="$workdir/server.log"

LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg LEPTOS_ENV=PROD \
LEPTOS_SITE_ADDR="127.0.0.1:$port" \
SESSIONBOARD_DATABASE_URL="sqlite:$workdir/e2e.db" \
SESSIONBOARD_SEED_DEMO=true \
SESSIONBOARD_TRUSTED_PROXIES="127.0.0.1,::1" \
SESSIONBOARD_SIGN_IN_LIMIT_PER_IP=1000 SESSIONBOARD_SIGN_IN_LIMIT_PER_EMAIL=100 \
RUST_LOG="${RUST_LOG:-warn}" \
  "$binary" >"$log" 2>&1 &
server_pid=$!
cleanup() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  rm -rf "$workdir"
}
trap cleanup EXIT

for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "the server exited during startup:" >&2; cat "$log" >&2; exit 1
  fi
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null || { echo "server not ready:" >&2; cat "$log" >&2; exit 1; }

status=0
(cd end2end && BASE_URL="http://127.0.0.1:$port" npx playwright test "$@") || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- server log ---" >&2; tail -n 50 "$log" >&2
fi
exit "$status"
