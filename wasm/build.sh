#!/usr/bin/env bash
# Builds the browser wallet package: the prover compiled to WebAssembly (one release
# build), its wasm-bindgen glue and the JS package from wasm/js/, and in OUT/site/ the
# wallet site's files: the page and the prover's worker each bundled into one script
# (esbuild), so that Subresource Integrity on each covers all the code it runs, and the
# index.html template that `alc wallet site` fills in for one authority.
#
#   wasm/build.sh [OUT]        # default OUT: wasm/pkg
#
# Needs the wasm32-unknown-unknown target, `wasm-bindgen` of the same version as the
# wasm-bindgen crate in Cargo.lock and `npm ci --prefix wasm/js` (esbuild) (scripts/test.sh
# installs all three).
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
cp wasm/js/alc.js wasm/js/alc.d.ts wasm/js/worker.js wasm/js/package.json "$out/"
rm -f "$out/index.html" "$out/wallet.js" "$out/wallet.css"
mkdir -p "$out/site"
cp wasm/js/wallet.js "$out/.wallet-page.js"
for entry in .wallet-page.js:wallet.js worker.js:worker.js; do
  wasm/js/node_modules/.bin/esbuild "$out/${entry%%:*}" --bundle --format=esm --target=es2022 \
    --legal-comments=none --log-level=warning --outfile="$out/site/${entry##*:}"
done
rm "$out/.wallet-page.js"
cp wasm/js/index.html wasm/js/wallet.css "$out/site/"
printf 'wallet package in %s: alc_wasm_bg.wasm %s bytes\n' "$out" \
  "$(wc -c < "$out/alc_wasm_bg.wasm" | tr -d ' ')"
