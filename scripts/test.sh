#!/usr/bin/env bash
# Runs every check and test: format, clippy (ssr and hydrate), unit and
# integration tests on SQLite and PostgreSQL against real brokers (and a real
# Prometheus scraping /metrics), then the browser tests in Chromium. Installs
# what it needs first.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
setup_test
cd "$ROOT"

log "format"
cargo fmt --all --check

log "clippy (ssr)"
cargo clippy -p switchboard -p switchboard-avro -p app --features app/ssr --all-targets -- -D warnings
log "clippy (hydrate, wasm32)"
cargo clippy -p frontend -p app --features frontend/hydrate \
  --target wasm32-unknown-unknown -- -D warnings

wait_broker
log "unit and integration tests (SQLite and PostgreSQL, real brokers)"
cargo test -p switchboard -p switchboard-avro -p app --features app/ssr
log "compatibility cases cross-checked with the Python avro package"
"$SB_PYTHON" server/avro/tests/crosscheck.py

source "$ROOT/scripts/build.sh"
log "browser tests (Chromium)"
(cd "$ROOT/end2end" && SWITCHBOARD_BIN="$SWITCHBOARD_BIN" SWITCHBOARD_ROOT="$ROOT" \
  node --test --test-concurrency=1 tests/)
log "all tests passed"
