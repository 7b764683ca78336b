#!/usr/bin/env bash
# Installs what Switchboard's build, run and tests need, skipping what is there.
# Sourced by run.sh and test.sh; safe to run again. Usage: scripts/setup.sh [run|test]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"
# One build directory outside the clone, shared by runs and clones.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/switchboard/target}"

CARGO_LEPTOS_VERSION=0.3.10        # 0.3.11 needs rustc 1.96
BROKER_TOOLCHAIN=1.96.0            # nisshi needs rustc >= 1.96
NISSHI_VERSION=0.8.1

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

ensure_apt() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  fi
}

ensure_rust_target() {
  rustup target list --installed | grep -qx wasm32-unknown-unknown ||
    { log "adding the wasm32 target"; rustup target add wasm32-unknown-unknown; }
}

ensure_cargo_leptos() {
  if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
    log "installing cargo-leptos $CARGO_LEPTOS_VERSION (20-30 minutes cold)"
    CARGO_TARGET_DIR="$HOME/.cache/switchboard/tools" \
      cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
  fi
}

ensure_wasm_bindgen() {
  # The CLI must match the library version in Cargo.lock exactly.
  local want
  want="$(grep -A1 '^name = "wasm-bindgen"$' "$ROOT/Cargo.lock" | sed -n 's/^version = "\(.*\)"/\1/p')"
  if ! wasm-bindgen --version 2>/dev/null | grep -q "$want"; then
    log "installing wasm-bindgen-cli $want (about 10 minutes cold)"
    # Not --locked: its lock file names a crate version the registry no longer has.
    CARGO_TARGET_DIR="$HOME/.cache/switchboard/tools" \
      cargo install wasm-bindgen-cli --version "$want"
  fi
}

ensure_broker() {
  if ! nisshi --version 2>/dev/null | grep -q "$NISSHI_VERSION"; then
    log "installing the nisshi Kafka-protocol broker $NISSHI_VERSION (15-30 minutes cold)"
    rustup toolchain list | grep -q "^$BROKER_TOOLCHAIN" ||
      rustup toolchain install "$BROKER_TOOLCHAIN" --profile minimal
    CARGO_TARGET_DIR="$HOME/.cache/switchboard/tools" \
      cargo "+$BROKER_TOOLCHAIN" install nisshi --version "$NISSHI_VERSION" --locked
  fi
}

# Python packages for the registry tests: Confluent's client and the avro
# package (second implementation of the compatibility rules).
VENV="$HOME/.cache/switchboard/venv"
export SB_PYTHON="$VENV/bin/python"
ensure_python() {
  if ! "$SB_PYTHON" -c 'import confluent_kafka, avro' 2>/dev/null; then
    log "installing Python test packages (confluent-kafka, avro) into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q "confluent-kafka[avro,schemaregistry]==2.16.1" "avro==1.12.0"
  fi
}

ensure_npm() {
  if [ ! -d "$ROOT/end2end/node_modules/playwright-core" ]; then
    log "installing end2end npm packages"
    (cd "$ROOT/end2end" && npm ci --no-audit --no-fund)
  fi
}

setup_run() {
  ensure_apt build-essential pkg-config libssl-dev zlib1g-dev
  ensure_rust_target
  ensure_cargo_leptos
  ensure_wasm_bindgen
  ensure_broker
}

setup_test() {
  setup_run
  command -v chromium >/dev/null || ensure_apt chromium
  command -v psql >/dev/null || ensure_apt postgresql-client
  ensure_python
  ensure_npm
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  case "${1:-test}" in
    run) setup_run ;;
    test) setup_test ;;
    *) echo "usage: scripts/setup.sh [run|test]" >&2; exit 2 ;;
  esac
fi
