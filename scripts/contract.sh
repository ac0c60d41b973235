#!/usr/bin/env bash
# Checks the JSON API against the OpenAPI document it serves, with Schemathesis: requests to
# every documented operation, generated from the document (valid ones, and invalid ones the
# server must refuse), and every answer held to the document: never a 5xx, and only documented
# statuses, content types, headers (Retry-After) and bodies.
#
#   scripts/contract.sh           starts the release server (`cargo leptos build --release`) on
#                                 a fresh database with the demo world, and checks it
#   scripts/contract.sh URL KEY   checks a running server, KEY one of its platform-wide API keys
#                                 (`sessionboard api-key create --application … --admin`). The
#                                 run ends sessions at random: never point it at one in use.
#
# Two runs, one per kind of caller:
#   1. the platform-wide key alone (also trusted and a directory key, on a server this script
#      starts): every operation. Listing and ending sessions act for the platform; the
#      operations that need a device's token answer 401.
#   2. the key and a device's bearer token (the demo world's account owner, signed in here
#      through the API; skipped on a server without the demo world): every operation but
#      sign-in (run 1 has it) and log-out, which would end the token the run depends on (the
#      Rust tests in server/tests/api.rs cover it).
#
# CONTRACT_EXAMPLES sets the generated cases per operation (default 25: about a minute in all);
# CONTRACT_SEED replays a run (Schemathesis prints its seed).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh

# Where scripts/bootstrap.sh (the e2e step) installs the pinned Schemathesis.
st="${XDG_CACHE_HOME:-$HOME/.cache}/sessionboard/schemathesis/bin/st"
[ -x "$st" ] || { echo "no Schemathesis at $st: run scripts/bootstrap.sh e2e" >&2; exit 1; }

checks="not_a_server_error,status_code_conformance,content_type_conformance"
checks="$checks,response_headers_conformance,response_schema_conformance"
examples="${CONTRACT_EXAMPLES:-25}"

workdir="$(mktemp -d)"
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$workdir"
}
trap cleanup EXIT

if [ "$#" -ge 2 ]; then
  base="${1%/}"
  key="$2"
  own_server=
else
  binary="$CARGO_TARGET_DIR/release/sessionboard"
  if [ ! -x "$binary" ]; then
    echo "no server binary at $binary: run cargo leptos build --release" >&2; exit 1
  fi
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')"
  base="http://127.0.0.1:$port"
  own_server=1
  export SESSIONBOARD_DATABASE_URL="sqlite:$workdir/contract.db" SESSIONBOARD_SEED_DEMO=true
  # Run 1 spends many sign-ins through its one key; the device's sign-in after it must pass.
  export SESSIONBOARD_SIGN_IN_LIMIT_PER_API_KEY=100000
  # Created before the server starts, in the same database: the command seeds the demo world
  # (whose applications the key needs) and prints the secret last.
  # Every power, so that generated requests get past the key's check: platform-wide, trusted
  # (sign-in without a password, sign-in links) and directory sync.
  key="$(RUST_LOG=warn "$binary" api-key create --application "iOS app" --admin --trusted \
    --directory --label "scripts/contract.sh" | tail -n 1)"
  log="$workdir/server.log"
  LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg LEPTOS_ENV=PROD \
  LEPTOS_SITE_ADDR="127.0.0.1:$port" RUST_LOG="${RUST_LOG:-warn}" \
    "$binary" >"$log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do
    if curl -fsS "$base/healthz" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "the server exited during startup:" >&2; cat "$log" >&2; exit 1
    fi
    sleep 0.2
  done
  curl -fsS "$base/healthz" >/dev/null || { echo "server not ready:" >&2; cat "$log" >&2; exit 1; }
fi

# Schemathesis writes its caches (.hypothesis, .schemathesis) where it runs: not in the clone.
# One worker: with two threads, Hypothesis describing its strategies through `ast` now and then
# crashes CPython 3.11 ("AST constructor recursion depth mismatch"), failing the run for nothing
# the API did.
schemathesis() {
  (cd "$workdir" && "$st" run "$base/api/v1/openapi.json" --checks "$checks" \
    --max-examples "$examples" ${CONTRACT_SEED:+--seed "$CONTRACT_SEED"} --workers 1 \
    --generation-database none -H "X-Api-Key: $key" "$@")
}

status=0
step "contract run 1: a platform-wide API key alone"
schemathesis || status=1

# A device's token for run 2, taken only now: run 1 ends sessions at random. The demo world's
# account owner, signed in as an application would.
sign_in='{"email": "henk@ektek.example", "password": "sessionboard",
  "user_agent": "scripts/contract.sh", "ip": "192.0.2.10"}'
token="$(curl -sS -X POST "$base/api/v1/sessions" -H "X-Api-Key: $key" \
  -H 'Content-Type: application/json' -d "$sign_in" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin).get("token", ""))' || true)"
if [ -z "$token" ] && [ -n "$own_server" ]; then
  echo "signing the demo owner in through the API failed" >&2; status=1
fi
if [ -n "$token" ]; then
  step "contract run 2: the API key and a device's bearer token"
  schemathesis -H "Authorization: Bearer $token" \
    --exclude-operation-id sign_in --exclude-operation-id log_out || status=1
elif [ -z "$own_server" ]; then
  echo "no demo owner to sign a device in: run 2 (with a bearer token) skipped" >&2
fi
if [ "$status" -ne 0 ] && [ -n "$own_server" ]; then
  echo "--- server log ---" >&2; tail -n 50 "$log" >&2
fi
exit "$status"
