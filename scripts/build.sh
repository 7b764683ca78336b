#!/usr/bin/env bash
# Builds the WASM front end, the stylesheet and the server binary, without
# cargo-leptos: the three steps it did for us are done here (cargo build of the
# `frontend` crate for wasm32, wasm-bindgen, copying CSS and assets), into the
# same target/site layout. `cargo leptos watch` still works for front-end work.
# Usage: scripts/build.sh [--release]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ROOT"

profile=debug
wasm_profile=dev
wasm_dir=debug
cargo_flags=()
if [ "${1:-}" = "--release" ]; then
  profile=release
  wasm_profile=wasm-release
  wasm_dir=wasm-release
  cargo_flags=(--release)
fi

site="$ROOT/target/site"
pkg="$site/pkg"
step "building the front end (WASM, $wasm_profile)" "1-2 minutes cold"
cargo build -p frontend --lib --target wasm32-unknown-unknown \
  --no-default-features --features hydrate --profile "$wasm_profile"
mkdir -p "$pkg"
# The file handler prefers a .gz/.br copy over the file itself: a stale one from an
# earlier release build would be served instead of the WASM built now.
rm -f "$pkg"/*.gz "$pkg"/*.br
wasm-bindgen --target web --no-typescript --out-dir "$pkg" --out-name switchboard \
  "$CARGO_TARGET_DIR/wasm32-unknown-unknown/$wasm_dir/frontend.wasm"
# Leptos's hydration script asks for <output-name>.wasm (LEPTOS_OUTPUT_NAME is set
# in .cargo/config.toml), as cargo-leptos names it.
mv -f "$pkg/switchboard_bg.wasm" "$pkg/switchboard.wasm"
if [ "$profile" = release ]; then
  # Debian's wasm-opt is too old for rustc's reference types; npm's binaryen works.
  ensure_npm
  "$ROOT/end2end/node_modules/.bin/wasm-opt" -Oz --enable-reference-types \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals "$pkg/switchboard.wasm" -o "$pkg/switchboard.wasm"
fi
cp style/main.css "$pkg/switchboard.css"
cp -r public/. "$site/"
if [ "$profile" = release ]; then
  # Served with Content-Encoding when the browser accepts it (see the script).
  compressed=("$pkg/switchboard.wasm" "$pkg/switchboard.js" "$pkg/switchboard.css")
  gzip -9 -k -f -n "${compressed[@]}"
  node scripts/precompress.mjs "${compressed[@]}"
fi
done_step

# The server is built by cargo itself so that tests and runs share its artifacts.
step "building the server ($profile)" "3-5 minutes cold"
cargo build -p switchboard "${cargo_flags[@]}"
done_step
export SWITCHBOARD_BIN="$CARGO_TARGET_DIR/$profile/switchboard"
