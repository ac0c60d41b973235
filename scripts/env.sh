# Sourced by the other scripts: where builds go, and PATH for tools installed by bootstrap.sh.

export PATH="$HOME/.cargo/bin:$PATH"
# One warm target directory outside the clone: a fresh clone (and CI, which clones afresh)
# reuses earlier builds instead of compiling everything again. Override to taste.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sessionboard/target}"

# CI builds from a fresh clone each time: incremental state would only pile up on disk.
if [ -n "${CI:-}" ]; then
  export CARGO_INCREMENTAL=0
fi

# Builds accumulate in the shared target directory. When the disk runs low, drop the debug
# build (tests rebuild it in a few minutes) rather than fail mid-link.
ensure_disk_space() {
  mkdir -p "$CARGO_TARGET_DIR"
  local free_kb
  free_kb="$(df -Pk "$CARGO_TARGET_DIR" | awk 'NR == 2 { print $4 }')"
  if [ "${free_kb:-0}" -lt $((12 * 1024 * 1024)) ] && [ -d "$CARGO_TARGET_DIR/debug" ]; then
    printf '[disk] under 12 GiB free: removing %s/debug\n' "$CARGO_TARGET_DIR" >&2
    rm -rf "$CARGO_TARGET_DIR/debug"
  fi
}

step() { printf '\n\033[1;32m==>\033[0m \033[1m%s\033[0m\n' "$*" >&2; }
