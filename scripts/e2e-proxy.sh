#!/usr/bin/env bash
# The browser tests in end2end/proxy/: the release server behind a real nginx that terminates
# TLS (a certificate made here, for this run), as a deployment runs it. nginx listens on
# 127.0.0.1 and reaches the server from 127.0.0.2, the only trusted proxy, so the browser's own
# forwarding headers cannot be mistaken for nginx's.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh

binary="$CARGO_TARGET_DIR/release/sessionboard"
[ -x "$binary" ] || { echo "no server binary at $binary: run cargo leptos build --release" >&2; exit 1; }
command -v nginx >/dev/null || { echo "nginx is missing: scripts/bootstrap.sh e2e installs it" >&2; exit 1; }

work="$(mktemp -d)"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
app_port="$(free_port)"
tls_port="$(free_port)"
public="https://localhost:$tls_port"

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
mkdir -p "$work/temp"
cat >"$work/nginx.conf" <<NGINX
daemon off;
user root;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events {}
http {
  access_log off;
  client_body_temp_path $work/temp/body;
  proxy_temp_path $work/temp/proxy;
  fastcgi_temp_path $work/temp/fastcgi;
  uwsgi_temp_path $work/temp/uwsgi;
  scgi_temp_path $work/temp/scgi;
  server {
    listen 127.0.0.1:$tls_port ssl;
    server_name localhost;
    ssl_certificate $work/cert.pem;
    ssl_certificate_key $work/key.pem;
    location / {
      proxy_pass http://127.0.0.1:$app_port;
      proxy_bind 127.0.0.2;
      proxy_http_version 1.1;
      proxy_set_header Host \$http_host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
    }
  }
}
NGINX

LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg LEPTOS_ENV=PROD \
LEPTOS_SITE_ADDR="127.0.0.1:$app_port" \
SESSIONBOARD_DATABASE_URL="sqlite:$work/proxy.db" \
SESSIONBOARD_SEED_DEMO=true \
SESSIONBOARD_PUBLIC_URL="$public" \
SESSIONBOARD_TRUSTED_PROXIES="127.0.0.2" \
RUST_LOG="${RUST_LOG:-warn}" \
  "$binary" >"$work/server.log" 2>&1 &
server_pid=$!
nginx -p "$work" -c "$work/nginx.conf" &
nginx_pid=$!
cleanup() {
  kill "$nginx_pid" "$server_pid" 2>/dev/null || true
  wait "$nginx_pid" "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

for _ in $(seq 1 100); do
  if curl -fsSk "$public/healthz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null || ! kill -0 "$nginx_pid" 2>/dev/null; then break; fi
  sleep 0.2
done
if ! curl -fsSk "$public/healthz" >/dev/null; then
  echo "server or nginx not ready:" >&2
  cat "$work/server.log" "$work/nginx-error.log" >&2 2>/dev/null || true
  exit 1
fi

status=0
(cd end2end && BASE_URL="$public" npx playwright test --config proxy.config.ts "$@") || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- server log ---" >&2; tail -n 50 "$work/server.log" >&2
  echo "--- nginx log ---" >&2; tail -n 20 "$work/nginx-error.log" >&2 || true
fi
exit "$status"
