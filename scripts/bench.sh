#!/usr/bin/env bash
# Catalogue search benchmark (issue 3, "Performance"): builds and runs
# `cargo bench -p switchboard --bench search` (release profile) and writes
# bench/results/search.json and bench/results/search.md. Reports figures
# against the targets; it does not fail when a target is missed.
# Environment: SB_BENCH_EVENTS (100000), SB_BENCH_HTTP_SECS (10),
# SB_BENCH_REINDEX (auto|always|never: serve what CatalogueService::reindex
# builds; auto does up to 20000 events).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"
# One build directory outside the clone, shared by runs and clones.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/switchboard/target}"

export SB_BENCH_OUT_DIR="$ROOT/bench/results"
mkdir -p "$SB_BENCH_OUT_DIR"
commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git -C "$ROOT" status --porcelain 2>/dev/null)" ]; then
  commit="$commit-dirty"
fi
export SB_BENCH_GIT="$commit"

cd "$ROOT"
printf '\033[1;34m[bench]\033[0m %s\n' "cargo bench -p switchboard --bench search (target: $CARGO_TARGET_DIR)"
cargo bench -p switchboard --bench search
printf '\033[1;34m[bench]\033[0m %s\n' "results: $SB_BENCH_OUT_DIR/search.json, $SB_BENCH_OUT_DIR/search.md"
