#!/usr/bin/env bash
# Measures a newcomer's first `scripts/run.sh` (or `scripts/test.sh`) on this
# machine as if it were fresh: a throw-away HOME whose ~/.cargo/bin holds only
# rustup's proxies, empty cargo, pip and npm caches, a fresh clone and an empty
# build directory. Toolchains already installed by rustup and Debian packages
# stay (they are the machine's). Prints when each setup step ended and when the
# portal answered /healthz (run) or the command finished (test).
# Usage: scripts/measure-first-run.sh run|test [workdir]   (default /tmp/sb-fresh)
set -euo pipefail
what="${1:?usage: measure-first-run.sh run|test [workdir]}"
work="${2:-/tmp/sb-fresh}"
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

rustup_bin="$(command -v rustup)"
rustup_home="${RUSTUP_HOME:-$HOME/.rustup}"
rm -rf "$work"
mkdir -p "$work/home/.cargo/bin"
for tool in cargo rustc rustup rustdoc rustfmt cargo-fmt cargo-clippy clippy-driver; do
  ln -s "$rustup_bin" "$work/home/.cargo/bin/$tool"
done
git clone -q "$src" "$work/clone"
port=3999
log="$work/$what.log"
start=$SECONDS
(
  cd "$work/clone"
  # Nothing of this machine's cargo installs on PATH: only the throw-away one.
  PATH="$(tr ':' '\n' <<<"$PATH" | grep -vx "$(dirname "$rustup_bin")" | paste -sd:)"
  export HOME="$work/home" CARGO_HOME="$work/home/.cargo" RUSTUP_HOME="$rustup_home" PATH
  unset CARGO_TARGET_DIR
  if [ "$what" = run ]; then
    exec bash scripts/run.sh --listen "127.0.0.1:$port"
  else
    exec bash scripts/test.sh
  fi
) >"$log" 2>&1 &
pid=$!
stamp() { printf '%5d s  %s\n' "$((SECONDS - start))" "$*"; }
seen=0
while kill -0 "$pid" 2>/dev/null; do
  # Every "[setup]" line as it appears, with the time since the start.
  mapfile -t lines < <(grep -a '\[setup\]' "$log" 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g')
  for ((i = seen; i < ${#lines[@]}; i++)); do stamp "${lines[$i]}"; done
  seen=${#lines[@]}
  if [ "$what" = run ] && curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then
    stamp "the portal answers on http://127.0.0.1:$port"
    # run.sh execs the server; it stops its demo brokers when it ends.
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    exit 0
  fi
  sleep 2
done
wait "$pid" && rc=0 || rc=$?
stamp "finished with exit code $rc (log: $log)"
exit "$rc"
