#!/usr/bin/env bash
# Builds Sessionboard (release) and runs it on an embedded SQLite file, sessionboard.db.
# The first start creates and migrates the database and, because this script asks for it
# (SESSIONBOARD_SEED_DEMO=true, the same as --seed-demo true), seeds the demo world. The server
# alone never does: its default is an empty database with a first-admin setup link.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh
ensure_disk_space

scripts/bootstrap.sh build
scripts/bootstrap.sh data
step "building and starting Sessionboard (first build: several minutes)"
SESSIONBOARD_SEED_DEMO=true exec cargo leptos serve --release
