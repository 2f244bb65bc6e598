#!/usr/bin/env bash
# Builds the fuzz targets of fuzz/ (libFuzzer) and runs each for a bounded time from the
# committed corpus (fuzz/corpus/<target>/, and the inputs of past failures in
# fuzz/regressions/<target>/; both read only: what a run finds goes to a temporary
# folder). The instrumentation is cargo-fuzz's (SanitizerCoverage: inline
# 8-bit counters, PC table, compare tracing) on the stable toolchain, without a
# sanitizer: the crates forbid unsafe code, so what is left to find is a panic, an
# overflow, an abort on an allocation or a timeout. docs/fuzzing.md says more.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]   # default: ALC_FUZZ_SECS (5) s, every target
#
# A crash fails the run, with its input saved in target/fuzz/artifacts/. Longer by
# hand: `scripts/fuzz.sh 600 checkpoint`, or with cargo-fuzz and a nightly toolchain
# (`cargo fuzz run checkpoint`, ASan on).
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-${ALC_FUZZ_SECS:-5}}"
shift || true
host="$(rustc -vV | sed -n 's/^host: //p')"
out="${CARGO_TARGET_DIR:-$PWD/target}/fuzz"
flags=(
  -Cpasses=sancov-module
  -Cllvm-args=-sanitizer-coverage-level=4
  -Cllvm-args=-sanitizer-coverage-inline-8bit-counters
  -Cllvm-args=-sanitizer-coverage-pc-table
  -Cllvm-args=-sanitizer-coverage-trace-compares
  --cfg fuzzing
  -Dwarnings
)
# --target: the flags then reach the targets' code, not build scripts or proc macros.
RUSTFLAGS="${flags[*]}" cargo build --locked --release --manifest-path fuzz/Cargo.toml \
  --target "$host" --target-dir "$out" --bins
targets=("$@")
if [ "${#targets[@]}" = 0 ]; then
  mapfile -t targets < <(awk '$0 == "[[bin]]" { getline; gsub(/name = |"/, ""); print }' fuzz/Cargo.toml)
fi
mkdir -p "$out/artifacts"
failed=0
for t in "${targets[@]}"; do
  found="$(mktemp -d)"
  log="$out/$t.log"
  # Inputs that once failed (fuzz/regressions/<target>/) run first with the corpus.
  dirs=("fuzz/corpus/$t")
  if [ -d "fuzz/regressions/$t" ]; then dirs+=("fuzz/regressions/$t"); fi
  if "$out/$host/release/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$out/artifacts/$t-" "$found" "${dirs[@]}" \
    >"$log" 2>&1; then
    runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")"
    cov="$(grep -o 'cov: [0-9]*' "$log" | tail -1)"
    printf 'fuzz %-16s %8s runs in %ss, %s, %s new inputs\n' "$t" "$runs" "$secs" "$cov" \
      "$(find "$found" -type f | wc -l)"
  else
    echo "fuzz $t FAILED (input in $out/artifacts/):" >&2
    tail -40 "$log" >&2
    failed=1
  fi
  rm -rf "$found"
done
exit "$failed"
