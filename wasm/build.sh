#!/usr/bin/env bash
# Builds the browser wallet package: the prover compiled to WebAssembly (one release
# build), its wasm-bindgen glue, and the JS package and wallet page from wasm/js/.
#
#   wasm/build.sh [OUT]        # default OUT: wasm/pkg
#
# Needs the wasm32-unknown-unknown target and `wasm-bindgen` of the same version as the
# wasm-bindgen crate in Cargo.lock (scripts/test.sh installs both).
#
# The profile (`wasm`, defined here so it touches no other build): size-optimised
# (opt-level "s") with fat LTO and one codegen unit, except the crates where the time
# goes (field and curve arithmetic, point decoding, SHA-256), which keep opt-level 3.
# Measured (BENCHMARKS.md): 1.37 MB against 2.0 MB for the plain release profile, and
# proofs no slower.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-wasm/pkg}"
cargo build --locked -p alc-wasm --target wasm32-unknown-unknown --profile wasm \
  --config 'profile.wasm.inherits="release"' \
  --config 'profile.wasm.opt-level="s"' \
  --config 'profile.wasm.lto="fat"' \
  --config 'profile.wasm.codegen-units=1' \
  --config 'profile.wasm.package.ark-ff.opt-level=3' \
  --config 'profile.wasm.package.ark-ec.opt-level=3' \
  --config 'profile.wasm.package.ark-bn254.opt-level=3' \
  --config 'profile.wasm.package.ark-serialize.opt-level=3' \
  --config 'profile.wasm.package.sha2.opt-level=3'
mkdir -p "$out"
wasm-bindgen --target web --remove-name-section --remove-producers-section \
  --out-dir "$out" target/wasm32-unknown-unknown/wasm/alc_wasm.wasm
cp wasm/js/alc.js wasm/js/alc.d.ts wasm/js/worker.js wasm/js/index.html \
  wasm/js/wallet.css wasm/js/wallet.js wasm/js/package.json "$out/"
printf 'wallet package in %s: alc_wasm_bg.wasm %s bytes\n' "$out" \
  "$(wc -c < "$out/alc_wasm_bg.wasm" | tr -d ' ')"
