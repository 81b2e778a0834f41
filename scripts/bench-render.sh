#!/usr/bin/env bash
# Times the engine on every factory preset: 8 s of stereo 48 kHz per preset, engine time only
# (`render_ms` of `tonewheel render --json`: compile + process, no file I/O, no analysis).
# Prints min/median/max overall and per role. Usage: bash scripts/bench-render.sh [RUNS]
# Each preset is rendered RUNS times (default 3) and its fastest run is kept.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
cargo build --release -q -p tonewheel-cli
bin=target/release/tonewheel
tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
for id in $("$bin" presets list | awk '{print $1}'); do
  best=""
  for _ in $(seq "$runs"); do
    ms=$("$bin" render "$id" --duration 8 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["render_ms"])')
    best=$(python3 -c "print(min(float('$ms'), float('${best:-1e9}')))")
  done
  echo "${id%%-*} $id $best" >> "$tmp"
done
python3 - "$tmp" <<'PY'
import sys, statistics, collections
rows = [l.split() for l in open(sys.argv[1])]
def stats(v):
    v = sorted(v)
    return f"min {v[0]:7.1f}  median {statistics.median(v):7.1f}  max {v[-1]:7.1f} ms"
print(f"all ({len(rows)} presets): {stats([float(r[2]) for r in rows])}")
by_role = collections.defaultdict(list)
for role, _, ms in rows:
    by_role[role].append(float(ms))
for role in sorted(by_role):
    print(f"  {role:6} ({len(by_role[role]):3}): {stats(by_role[role])}")
slowest = max(rows, key=lambda r: float(r[2]))
print(f"slowest: {slowest[1]} {float(slowest[2]):.1f} ms")
PY
