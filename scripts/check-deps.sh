#!/usr/bin/env bash
# The crates' "never" arrows (docs/architecture.md, "What may import what"), checked on
# the resolved graph of normal dependencies (`cargo tree -e normal`, transitive), so a
# new dependency that drags a service stack into a core crate fails here.
set -euo pipefail
cd "$(dirname "$0")/.."

# Every package in the normal-dependency graph of $1 (for target $2, if given).
graph() {
  cargo tree --locked -e normal -p "$1" ${2:+--target "$2"} --prefix none --format '{p}' |
    awk '{ print $1 }' | sort -u
}

failed=0
# never PACKAGE TARGET FORBIDDEN...: none of FORBIDDEN is in PACKAGE's graph.
never() {
  local package=$1 target=$2 found
  shift 2
  found="$(graph "$package" "$target")"
  for f in "$@"; do
    if grep -qx -- "$f" <<<"$found"; then
      echo "forbidden: $package${target:+ (for $target)} depends on $f" >&2
      failed=1
    fi
  done
}

services=(axum sqlx tokio reqwest alc-issuer alc-gateway alc-service alc-devkit alc-wallet)
never alc-protocol "" "${services[@]}" alc-circuits
never alc-circuits "" "${services[@]}"
never alc-prover "" "${services[@]}"
never alc-verifier "" "${services[@]}" alc-prover
never alc-wasm wasm32-unknown-unknown "${services[@]}"
never alc-registry "" "${services[@]}" alc-circuits ark-relations ark-r1cs-std
never alc-insurance "" "${services[@]}"
never alc-escrow "" "${services[@]}" ark-relations ark-r1cs-std alc-prover
# The authority and the gateway talk over HTTP; neither links the other, nor the fixtures.
never alc-issuer "" alc-gateway alc-devkit alc-wallet alc-prover alc-verifier
never alc-gateway "" alc-issuer alc-devkit alc-wallet alc-prover
never alc-service "" alc-issuer alc-gateway alc-devkit sqlx reqwest
never alc-wallet "" alc-issuer alc-gateway alc-service alc-devkit axum sqlx

# The failing twin: the check must see what it forbids where it is (a check that cannot
# fail is a defect).
for pair in "alc-gateway axum" "alc-issuer sqlx" "alc-wallet alc-prover" "alc-devkit alc-issuer"; do
  read -r package dep <<<"$pair"
  if ! graph "$package" "" | grep -qx -- "$dep"; then
    echo "check-deps is blind: it does not see $dep under $package" >&2
    failed=1
  fi
done

if [ "$failed" = 0 ]; then
  echo "dependency arrows hold"
fi
exit "$failed"
