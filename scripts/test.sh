#!/usr/bin/env bash
# Runs every test of ALC on a fresh machine: installs what the tests need (the wasm32
# target, the npm packages for circomlibjs and snarkjs; for the browser wallet Debian's
# chromium, wasm-bindgen-cli and playwright-core), checks formatting and lints, builds
# the browser wallet (the prover for wasm32) and tests its bindings under Node, and runs the
# whole workspace's tests (the browser test among them, in headless Chromium; the storage
# tests on SQLite and on a throwaway PostgreSQL, Debian's), then
# fuzzes every parser of outside input for a few seconds each (scripts/fuzz.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
# A one-off build: incremental compilation only costs time and disk here.
export CARGO_INCREMENTAL=0

step() { printf '\n== %s (at %ss)\n' "$*" "$SECONDS"; }

step "installing what the tests need"
if command -v rustup >/dev/null 2>&1; then
  rustup target add wasm32-unknown-unknown >/dev/null
fi
npm ci --prefix tools/js --no-audit --no-fund --loglevel=error
# The browser wallet: Debian's chromium (driven headless by playwright-core, which
# downloads no browser of its own), and the wasm-bindgen CLI of the exact version of the
# wasm-bindgen crate in Cargo.lock (built once, then found in ~/.cargo/bin).
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then apt=(apt-get); else apt=(sudo apt-get); fi
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" update -qq
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y -qq --no-install-recommends \
    chromium fonts-liberation >/dev/null
fi
wasm_bindgen_version="$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)"
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }')" != "$wasm_bindgen_version" ]; then
  cargo install wasm-bindgen-cli --version "$wasm_bindgen_version"
fi
npm ci --prefix wasm/js --no-audit --no-fund --loglevel=error

step "formatting, lints and the crates' dependency arrows"
cargo fmt --all -- --check
cargo fmt --manifest-path fuzz/Cargo.toml -- --check
scripts/check-deps.sh
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo clippy -p alc-wasm --target wasm32-unknown-unknown --all-targets --locked -- -D warnings

step "the browser wallet: the WebAssembly package, and its bindings under Node"
wasm/build.sh
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test --locked -p alc-wasm --target wasm32-unknown-unknown

step "a throwaway PostgreSQL for the storage tests (loopback, a temporary folder, a random port)"
# Debian's postgresql if no initdb is found; its programs are in /usr/lib/postgresql/N/bin.
pg_bin() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return; fi
  done
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
  fi
}
if [ -z "$(pg_bin)" ]; then
  if [ "$(id -u)" = 0 ]; then apt=(apt-get); else apt=(sudo apt-get); fi
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" update -qq
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y -qq --no-install-recommends postgresql >/dev/null
fi
pg="$(pg_bin)"
pg_dir="$(mktemp -d "${TMPDIR:-/tmp}/alc-pg.XXXXXX")"
# PostgreSQL refuses to run as root: then it runs as the postgres user (Debian's package
# creates it), which owns the temporary folder.
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$pg_dir"
  as_pg() { runuser -u postgres -- "$@"; }
else
  as_pg() { "$@"; }
fi
for _ in $(seq 50); do
  pg_port=$((20000 + RANDOM % 40000))
  (exec 3<>"/dev/tcp/127.0.0.1/$pg_port") 2>/dev/null || break
done
as_pg "$pg/initdb" -D "$pg_dir/data" -U postgres -A trust --no-sync >/dev/null
as_pg "$pg/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w -s \
  -o "-p $pg_port -k $pg_dir -h 127.0.0.1" start
stop_pg() { as_pg "$pg/pg_ctl" -D "$pg_dir/data" -m fast -s stop || true; rm -rf "$pg_dir"; }
trap stop_pg EXIT
export ALC_TEST_POSTGRES="postgres://postgres@127.0.0.1:$pg_port/postgres"
# The PostgreSQL tests fail, rather than pass unrun, without that server.
export ALC_REQUIRE_POSTGRES=1

step "tests (unit, gadgets, outside vectors, proofs, snarkjs, end to end)"
# One process per test binary (not nextest's one per test), so a binary sets up its
# Groth16 keys once and shares them between its tests. The end-to-end tests run the
# alc binary named in ALC_BIN: the one this same build makes for alc-cli's own
# integration tests (cargo builds every test before it runs any). Left to themselves
# they would rebuild it under the features of `alc-cli` alone, which differ from the
# workspace's (minutes).
export ALC_BIN="${CARGO_TARGET_DIR:-$PWD/target}/debug/alc"
# ALC_REQUIRE_BROWSER: the browser test fails, rather than passes unrun, if chromium,
# playwright-core or the wallet package is missing.
ALC_REQUIRE_BROWSER=1 cargo test --workspace --locked --no-fail-fast

step "the authority's suite again, every test authority on PostgreSQL"
# The binaries just built (`-p alc-issuer` would resolve features anew and rebuild):
# each TestAuthority gets a fresh database on the throwaway server, so every rule the
# suite checks on SQLite is checked there too.
mapfile -t issuer_tests < <(cargo test --workspace --locked --no-run --message-format=json 2>/dev/null |
  python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["profile"]["test"] and m.get("executable") \
            and m["manifest_path"].endswith("/issuer/Cargo.toml"):
        print(m["executable"])')
[ "${#issuer_tests[@]}" -gt 0 ] || { echo "no test binaries of alc-issuer found" >&2; exit 1; }
for t in "${issuer_tests[@]}"; do
  (cd issuer && ALC_TEST_AUTHORITY_ON_POSTGRES=1 "$t" -q)
done

step "fuzzing every parser of outside input, ${ALC_FUZZ_SECS:=5} s each from the committed corpus"
# Unoptimised: the build is most of this step's time, and runs of seconds want coverage
# more than speed (by hand, scripts/fuzz.sh builds at fuzz/Cargo.toml's opt-level).
CARGO_PROFILE_RELEASE_OPT_LEVEL=0 scripts/fuzz.sh "$ALC_FUZZ_SECS"

step "all tests passed"
