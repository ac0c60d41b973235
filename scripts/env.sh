# Sourced by the other scripts: where builds go, and PATH for tools installed by bootstrap.sh.

export PATH="$HOME/.cargo/bin:$PATH"
# One warm target directory outside the clone: a fresh clone (and CI, which clones afresh)
# reuses earlier builds instead of compiling everything again. Override to taste.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sessionboard/target}"

step() { printf '\n\033[1;32m==>\033[0m \033[1m%s\033[0m\n' "$*" >&2; }
