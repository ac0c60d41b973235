#!/usr/bin/env bash
# Runs the Playwright tests in end2end/ against the release server built by
# `cargo leptos build --release`, started here on a fresh database (with the demo world, whose
# people the tests sign in as) and a free port, and against the example host application
# (examples/host-app), which signs its own people in through the API.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh

binary="$CARGO_TARGET_DIR/release/sessionboard"
[ -x "$binary" ] || { echo "no server binary at $binary: run cargo leptos build --release" >&2; exit 1; }

workdir="$(mktemp -d)"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port="$(free_port)"
log="$workdir/server.log"
database="sqlite:$workdir/e2e.db"

# A real SMTP server for the alert mails (aiosmtpd, from the Python test tools); the tests read
# what it received from $mail_dir.
mail_dir="$workdir/mail"
python="${XDG_CACHE_HOME:-$HOME/.cache}/sessionboard/schemathesis/bin/python"
"$python" scripts/smtp_sink.py "$mail_dir" >"$workdir/smtp.port" &
smtp_pid=$!
for _ in $(seq 1 100); do [ -s "$workdir/smtp.port" ] && break; sleep 0.1; done
smtp_port="$(head -n 1 "$workdir/smtp.port")"

LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg LEPTOS_ENV=PROD \
LEPTOS_SITE_ADDR="127.0.0.1:$port" \
SESSIONBOARD_DATABASE_URL="$database" \
SESSIONBOARD_SEED_DEMO=true \
SESSIONBOARD_TRUSTED_PROXIES="127.0.0.1,::1" \
SESSIONBOARD_SIGN_IN_LIMIT_PER_IP=1000 SESSIONBOARD_SIGN_IN_LIMIT_PER_EMAIL=100 \
SESSIONBOARD_SMTP_HOST=127.0.0.1 SESSIONBOARD_SMTP_PORT="$smtp_port" SESSIONBOARD_SMTP_TLS=none \
RUST_LOG="${RUST_LOG:-warn}" \
  "$binary" >"$log" 2>&1 &
server_pid=$!
host_pid=""
cleanup() {
  for pid in $host_pid $server_pid $smtp_pid; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$workdir"
}
trap cleanup EXIT

# Waits until `url` answers, giving up (with `log`) if process `pid` exits or it takes 20 s.
wait_for() {
  local name="$1" url="$2" pid="$3" log="$4"
  for _ in $(seq 1 100); do
    if curl -fsS "$url" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "$name exited during startup:" >&2; cat "$log" >&2; exit 1
    fi
    sleep 0.2
  done
  echo "$name not ready:" >&2; cat "$log" >&2; exit 1
}
wait_for "the server" "http://127.0.0.1:$port/healthz" "$server_pid" "$log"

# The host app's application and key, made by the command line on the server's database: trusted
# (it signs people in without a password) and directory (it syncs its people). The database is
# fresh, so the application is new. The key's secret is the last line printed.
cli() { SESSIONBOARD_DATABASE_URL="$database" RUST_LOG=warn "$binary" "$@"; }
cli application create --name "Corner Shop" >/dev/null
host_key="$(cli api-key create --application "Corner Shop" --trusted --directory --label e2e | tail -n 1)"
host_port="$(free_port)"
host_log="$workdir/host-app.log"
# TRUST_PROXY: the tests' browsers name their public addresses in X-Forwarded-For.
SESSIONBOARD_URL="http://127.0.0.1:$port" SESSIONBOARD_API_KEY="$host_key" PORT="$host_port" TRUST_PROXY=1 \
  node examples/host-app/server.js >"$host_log" 2>&1 &
host_pid=$!
# It listens only once its directory sync is done, so an answer means the people are there.
wait_for "the host app" "http://127.0.0.1:$host_port/login" "$host_pid" "$host_log"

status=0
(cd end2end && BASE_URL="http://127.0.0.1:$port" HOST_APP_URL="http://127.0.0.1:$host_port" \
  MAIL_DIR="$mail_dir" npx playwright test "$@") || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- server log ---" >&2; tail -n 50 "$log" >&2
  echo "--- host app log ---" >&2; tail -n 50 "$host_log" >&2
fi
exit "$status"
