#!/usr/bin/env bash
# Installs what Switchboard's build, run and tests need, skipping what is there.
# Sourced by run.sh and test.sh; safe to run again. Usage: scripts/setup.sh [run|test]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"
# One build directory outside the clone, shared by runs and clones.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/switchboard/target}"

BROKER_TOOLCHAIN=1.96.0            # nisshi needs rustc >= 1.96
NISSHI_VERSION=0.8.1

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

# A step says what it does, how long it usually takes, and on failure which step
# failed and how to retry; done_step prints the elapsed time.
step() {
  STEP_NAME="$1"
  STEP_START=$SECONDS
  log "$1${2:+ (usually $2)}"
}
done_step() { log "done: $STEP_NAME in $((SECONDS - STEP_START)) s"; STEP_NAME=""; }
on_error() {
  [ -n "${STEP_NAME:-}" ] &&
    printf '\033[1;31m[setup]\033[0m failed: %s. Fix the cause above and run the same command again; finished steps are skipped.\n' "$STEP_NAME" >&2
}
trap on_error ERR

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

ensure_apt() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    step "installing Debian packages: ${missing[*]}" "1-2 minutes"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    done_step
  fi
}

ensure_rust_target() {
  rustup target list --installed | grep -qx wasm32-unknown-unknown ||
    { step "adding the wasm32 target" "30 s"; rustup target add wasm32-unknown-unknown; done_step; }
}

ensure_wasm_bindgen() {
  # The CLI must match the library version in Cargo.lock exactly.
  local want
  want="$(grep -A1 '^name = "wasm-bindgen"$' "$ROOT/Cargo.lock" | sed -n 's/^version = "\(.*\)"/\1/p')"
  if ! wasm-bindgen --version 2>/dev/null | grep -q "$want"; then
    step "installing wasm-bindgen-cli $want" "5-10 minutes cold"
    # Not --locked: its lock file names a crate version the registry no longer has.
    CARGO_TARGET_DIR="$HOME/.cache/switchboard/tools" \
      cargo install wasm-bindgen-cli --version "$want"
    done_step
  fi
}

ensure_broker() {
  if ! nisshi --version 2>/dev/null | grep -q "$NISSHI_VERSION"; then
    step "installing the Rust $BROKER_TOOLCHAIN toolchain and the nisshi broker $NISSHI_VERSION" "8-13 minutes cold"
    rustup toolchain list | grep -q "^$BROKER_TOOLCHAIN" ||
      rustup toolchain install "$BROKER_TOOLCHAIN" --profile minimal
    # Only the memory storage the demo and tests use: the libsql and PostgreSQL
    # storage engines are most of nisshi's compile time.
    CARGO_TARGET_DIR="$HOME/.cache/switchboard/tools" \
      cargo "+$BROKER_TOOLCHAIN" install nisshi --version "$NISSHI_VERSION" --locked \
      --no-default-features --features dynostore
    done_step
  fi
}

# The broker is needed only to serve or to test, so by default its install runs
# in the background while the project compiles; wait_broker waits for it.
# SWITCHBOARD_BROKER_INSTALL=foreground installs it first instead.
BROKER_LOG="$HOME/.cache/switchboard/broker-install.log"
BROKER_PID="${BROKER_PID:-}"  # kept when build.sh sources this file again
start_broker() {
  nisshi --version 2>/dev/null | grep -q "$NISSHI_VERSION" && return 0
  if [ "${SWITCHBOARD_BROKER_INSTALL:-background}" = foreground ]; then
    ensure_broker
    return 0
  fi
  mkdir -p "$(dirname "$BROKER_LOG")"
  log "starting the broker's install in the background while the project compiles (its log: $BROKER_LOG)"
  (ensure_broker) >"$BROKER_LOG" 2>&1 &
  BROKER_PID=$!
  BROKER_START=$SECONDS
}
wait_broker() {
  [ -n "$BROKER_PID" ] || return 0
  local pid=$BROKER_PID
  BROKER_PID=""
  step "waiting for the broker's install (started $((SECONDS - BROKER_START)) s ago; its log: $BROKER_LOG)" "8-13 minutes cold in all"
  if ! wait "$pid"; then
    tail -n 20 "$BROKER_LOG" >&2
    false
  fi
  done_step
}

# Python packages for the registry tests: Confluent's client and the avro
# package (second implementation of the compatibility rules); for the REST
# contract: openapi-spec-validator and Schemathesis.
VENV="$HOME/.cache/switchboard/venv"
export SB_PYTHON="$VENV/bin/python"
ensure_python() {
  if ! "$SB_PYTHON" -c 'import confluent_kafka, avro, schemathesis, openapi_spec_validator' 2>/dev/null; then
    step "installing Python test packages (confluent-kafka, avro, schemathesis, openapi-spec-validator) into $VENV" "1-2 minutes"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q "confluent-kafka[avro,schemaregistry]==2.16.1" "avro==1.12.0" \
      "schemathesis==4.32.5" "openapi-spec-validator==0.9.0"
    done_step
  fi
}

ensure_npm() {
  # Checks the newest package too, so a node_modules from before it is completed.
  if [ ! -d "$ROOT/end2end/node_modules/playwright-core" ] \
    || [ ! -d "$ROOT/end2end/node_modules/@asyncapi/avro-schema-parser" ]; then
    step "installing end2end npm packages (playwright-core, oidc-provider, binaryen, @asyncapi/parser)" "1 minute"
    (cd "$ROOT/end2end" && npm ci --no-audit --no-fund)
    done_step
  fi
}

# Debian's prometheus (and promtool) for tests/metrics.rs, which starts its own
# Prometheus on a free port: the service the package starts is stopped and
# disabled right after the install (a Prometheus run on purpose later is left be).
ensure_prometheus() {
  if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null; then
    step "installing Debian's prometheus package (the service is left stopped)" "1 minute"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus
    # The package starts its service on :9090; the tests need none of it.
    if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
      as_root systemctl disable --now prometheus.service >/dev/null 2>&1 || true
    elif [ -x /etc/init.d/prometheus ]; then
      as_root /etc/init.d/prometheus stop >/dev/null 2>&1 || true
    fi
    done_step
  fi
}

setup_run() {
  ensure_apt build-essential pkg-config libssl-dev zlib1g-dev
  ensure_rust_target
  ensure_wasm_bindgen
  start_broker
}

setup_test() {
  setup_run
  command -v chromium >/dev/null || ensure_apt chromium
  command -v psql >/dev/null || ensure_apt postgresql-client
  ensure_prometheus
  ensure_python
  ensure_npm
}

# Lists what is installed and what is missing, installing nothing.
check() {
  local want_bg
  want_bg="$(grep -A1 '^name = "wasm-bindgen"$' "$ROOT/Cargo.lock" | sed -n 's/^version = "\(.*\)"/\1/p')"
  have() { printf '  %-46s %s\n' "$1" "$2"; }
  have "psql (Debian postgresql-client)" "$(psql --version 2>/dev/null || echo MISSING)"
  have "prometheus, promtool (Debian prometheus)" "$(prometheus --version 2>&1 | sed -n '1s/^prometheus, version \([^ ]*\).*/\1/p' | grep . || echo MISSING)"
  for pkg in build-essential pkg-config libssl-dev zlib1g-dev chromium; do
    have "$pkg (Debian)" "$(dpkg -s "$pkg" 2>/dev/null | sed -n 's/^Version: //p' | grep . || echo MISSING)"
  done
  have "wasm32-unknown-unknown target" "$(rustup target list --installed | grep -qx wasm32-unknown-unknown && echo installed || echo MISSING)"
  have "wasm-bindgen-cli $want_bg" "$(wasm-bindgen --version 2>/dev/null | grep "$want_bg" || echo MISSING)"
  have "Rust $BROKER_TOOLCHAIN toolchain" "$(rustup toolchain list | grep -q "^$BROKER_TOOLCHAIN" && echo installed || echo MISSING)"
  have "nisshi $NISSHI_VERSION" "$(nisshi --version 2>/dev/null | grep "$NISSHI_VERSION" || echo MISSING)"
  have "Python venv $VENV" "$("$SB_PYTHON" -c 'import confluent_kafka, avro, schemathesis; print("confluent-kafka", confluent_kafka.__version__, "avro", avro.__version__, "schemathesis", schemathesis.__version__)' 2>/dev/null || echo MISSING)"
  have "end2end npm packages" "$([ -d "$ROOT/end2end/node_modules/playwright-core" ] && [ -d "$ROOT/end2end/node_modules/@asyncapi/avro-schema-parser" ] && echo installed || echo MISSING)"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  case "${1:-test}" in
    run) setup_run; wait_broker ;;
    test) setup_test; wait_broker ;;
    --check) check ;;
    *) echo "usage: scripts/setup.sh [run|test|--check]" >&2; exit 2 ;;
  esac
fi
