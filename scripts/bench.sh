#!/usr/bin/env bash
# Benchmarks, release profile: `scripts/bench.sh [search|registry|mesh|monitoring|all]`
# (default all). Each reports its figures against the targets of its issue in
# bench/results/<name>.json and bench/results/<name>.md; none fails when a
# target is missed.
# - search: catalogue search (issue 3, "Performance"), `--bench search`.
#   Environment: SB_BENCH_EVENTS (100000), SB_BENCH_HTTP_SECS (10),
#   SB_BENCH_REINDEX (auto|always|never: serve what CatalogueService::reindex
#   builds; auto does up to 20000 events).
# - registry: schema registry (issue 4, "Performance"), `--bench registry`.
#   Environment: SB_BENCH_REGISTRY_SUBJECTS (400), SB_BENCH_HTTP_SECS (10).
# - mesh: links and provisioning (issue 6, "Performance"), `--bench mesh`, on
#   local nisshi brokers. Environment: SB_BENCH_MESH_RECORDS (300000),
#   SB_BENCH_MESH_LATENCY_SECS (20), SB_BENCH_MESH_GRANTS (200),
#   SB_BENCH_MESH_ROUNDS (5 throughput rounds, the median reported).
# - monitoring: storage, chart queries and the sampling pass (the monitoring
#   issue, "Performance"), `--bench monitoring`, on SQLite, PostgreSQL
#   (127.0.0.1:5432) and a local nisshi broker. Environment:
#   SB_BENCH_MON_TOPICS (10000), SB_BENCH_MON_GROUPS (5000),
#   SB_BENCH_MON_QUERIES (2000), SB_BENCH_MON_PG (1: also PostgreSQL),
#   SB_BENCH_MON_PG_SCALE (1: the fraction of the series on PostgreSQL),
#   SB_BENCH_MON_PASS_TOPICS (3334), SB_BENCH_MON_PASS_GROUPS (1667),
#   SB_BENCH_MON_PASSES (5), SB_BENCH_MON_NOTE (a sentence atop the report).
# - load: the portal under load (issue 18), bench/load/run.py: a release
#   `serve --demo` and wrk with 200 keep-alive connections over the mixed
#   browsing workload. Environment: SB_LOAD_CONNECTIONS (200), SB_LOAD_SECS
#   (20 per round), SB_LOAD_ROUNDS (3).
set -euo pipefail

case "${1:-all}" in
  search) benches=(search) ;;
  registry) benches=(registry) ;;
  mesh) benches=(mesh) ;;
  monitoring) benches=(monitoring) ;;
  load)
    source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
    setup_run
    ensure_apt wrk
    source "$ROOT/scripts/build.sh" --release
    wait_broker
    SB_BENCH_GIT="$(git -C "$ROOT" rev-parse --short HEAD)$([ -z "$(git -C "$ROOT" status --porcelain)" ] || echo -dirty)" \
      exec python3 "$ROOT/bench/load/run.py"
    ;;
  all) benches=(search registry mesh monitoring) ;;
  *)
    echo "usage: $0 [search|registry|mesh|monitoring|load|all]" >&2
    exit 2
    ;;
esac

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
# The scripted-mirror baseline runs in the test virtualenv (scripts/setup.sh).
export SB_PYTHON="${SB_PYTHON:-$HOME/.cache/switchboard/venv/bin/python}"

cd "$ROOT"
# Build all first, so a bench never runs alongside a compilation.
printf '\033[1;34m[bench]\033[0m %s\n' "building ${benches[*]} (target: $CARGO_TARGET_DIR)"
cargo bench -p switchboard "${benches[@]/#/--bench=}" --no-run
for bench in "${benches[@]}"; do
  printf '\033[1;34m[bench]\033[0m %s\n' "cargo bench -p switchboard --bench $bench"
  cargo bench -p switchboard --bench "$bench"
  printf '\033[1;34m[bench]\033[0m %s\n' "results: $SB_BENCH_OUT_DIR/$bench.json, $SB_BENCH_OUT_DIR/$bench.md"
done
