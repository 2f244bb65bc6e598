#!/usr/bin/env bash
# Runs every test of ALC on a fresh machine: installs what the tests need (the wasm32
# target, the npm packages for circomlibjs and snarkjs), checks formatting and lints,
# runs the whole workspace's tests, and builds the prover for wasm32.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "installing what the tests need"
if command -v rustup >/dev/null 2>&1; then
  rustup target add wasm32-unknown-unknown >/dev/null
fi
npm ci --prefix tools/js --no-audit --no-fund --loglevel=error

step "formatting and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings

step "tests (unit, gadgets, outside vectors, proofs, snarkjs, end to end)"
# One process per test binary (not nextest's one per test), so a binary sets up its
# Groth16 keys once and shares them between its tests. The end-to-end tests run the
# alc binary, built first.
cargo build --locked -p alc-cli
cargo test --workspace --locked --no-fail-fast

step "the prover builds for wasm32-unknown-unknown"
cargo build --locked -p alc-prover --target wasm32-unknown-unknown --no-default-features

step "all tests passed"
