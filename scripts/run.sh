#!/usr/bin/env bash
# Builds Sessionboard (release) and runs it on an embedded SQLite file, sessionboard.db.
# The first start creates and migrates the database and seeds the demo world.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh
ensure_disk_space

scripts/bootstrap.sh build
scripts/bootstrap.sh data
step "building and starting Sessionboard (first build: several minutes)"
exec cargo leptos serve --release
