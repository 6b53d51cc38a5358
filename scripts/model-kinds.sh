#!/usr/bin/env bash
# Trains every manifest in experiments/model-kinds/ (one model kind on one molecule each) and
# prints a Markdown table of held-out test errors and wall times.
#   scripts/model-kinds.sh [METAMLIP_BINARY] [MANIFEST ...]
# Default binary: .build/release/metamlip (build it with `swift build -c release`).
# Logs and models go to runs/model-kinds/<name>/.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-.build/release/metamlip}
shift || true
manifests=("$@")
[ ${#manifests[@]} -gt 0 ] || manifests=(experiments/model-kinds/*.yaml)
mkdir -p runs/model-kinds
for m in "${manifests[@]}"; do
    name=$(basename "$m" .yaml)
    log=runs/model-kinds/$name.log
    if grep -q "^forces  MAE" "$log" 2>/dev/null; then echo "$name: done (delete $log to redo)" >&2; continue; fi
    echo "$name: training" >&2
    start=$(date +%s)
    "$bin" train "$m" > "$log" 2>&1
    echo "wall $(( $(date +%s) - start )) s" >> "$log"
done
echo "| molecule | model | energy RMSE (meV/atom) | energy RMSE (meV) | force RMSE (meV/Å) | epochs | wall (s) |"
echo "|---|---|---:|---:|---:|---:|---:|"
for m in "${manifests[@]}"; do
    name=$(basename "$m" .yaml)
    log=runs/model-kinds/$name.log
    [ -f "$log" ] || continue
    awk -v mol="${name%%-*}" -v kind="${name#*-}" '
        /^epoch/ { epochs = $2 }
        /held-out test set/ { test = 1 }
        test && /^energy/ { e = $6; etot = $12 }
        test && /^forces/ { f = $6 }
        /^wall/ { wall = $2 }
        END { printf "| %s | %s | %s | %s | %s | %s | %s |\n", mol, kind, e, etot, f, epochs, wall }' "$log"
done
