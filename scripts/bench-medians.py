#!/usr/bin/env python3
"""Prints the median of every criterion benchmark under target/criterion (run
`cargo bench -p alc-benches` first), one line per bench id, for BENCHMARKS.md."""
import json
import pathlib
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target/criterion")


def human(ns: float) -> str:
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


rows = []
for est in sorted(root.glob("**/new/estimates.json")):
    bench = json.loads((est.parent / "benchmark.json").read_text())
    median = json.loads(est.read_text())["median"]["point_estimate"]
    elements = (bench.get("throughput") or {}).get("Elements")
    per = f"  ({human(median / elements)} per element)" if elements and elements > 1 else ""
    rows.append((bench["full_id"], human(median) + per))
width = max((len(r[0]) for r in rows), default=0)
for name, value in rows:
    print(f"{name:<{width}}  {value}")
