#!/usr/bin/env bash
# Builds the WASM front end and stylesheet (cargo-leptos) and the server binary.
# Usage: scripts/build.sh [--release]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ROOT"

profile=debug
leptos_flags=()
cargo_flags=()
if [ "${1:-}" = "--release" ]; then
  profile=release
  leptos_flags=(--release)
  cargo_flags=(--release)
  # wasm-opt runs on release builds; Debian's is too old, npm's binaryen works.
  ensure_npm
  export PATH="$ROOT/end2end/node_modules/.bin:$PATH"
fi

log "building the front end (WASM, CSS) into target/site"
cargo leptos build --frontend-only "${leptos_flags[@]}"
# The server is built by cargo itself so that tests and runs share its artifacts.
log "building the server ($profile)"
cargo build -p switchboard "${cargo_flags[@]}"
export SWITCHBOARD_BIN="$CARGO_TARGET_DIR/$profile/switchboard"
