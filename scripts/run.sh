#!/usr/bin/env bash
# Runs Switchboard with its embedded defaults: SQLite in ./data, the local demo
# mesh of three brokers, on http://127.0.0.1:3000. Extra arguments go to
# `switchboard serve` (for example --listen 127.0.0.1:8080). Ctrl-C stops it all.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
setup_run
source "$ROOT/scripts/build.sh" ${SWITCHBOARD_RELEASE:+--release}
wait_broker
cd "$ROOT"
exec "$SWITCHBOARD_BIN" serve --demo "$@"
