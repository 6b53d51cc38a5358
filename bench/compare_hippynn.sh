#!/usr/bin/env bash
# Side-by-side: MetaMLIP's HIP-NN and hippynn's on the same 3BPA batches, same sizes
# (2 interactions × 3 atom layers × 128 features, 20 sensitivities, cutoff 6.5 Å), Float32.
# Needs torch + hippynn (`pip install torch hippynn h5py`, or PYTHONPATH to such an install).
# Runs the two alternately (ROUNDS times) so both see the same machine load; compare ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/datasets/3bpa/train_300K.xyz}
THREADS=${THREADS:-1}
BATCH=${BATCH:-32}
ROUNDS=${ROUNDS:-3}
SCRATCH=${SCRATCH:-.build}
swift build -c release --scratch-path "$SCRATCH" --product PotentialBenchmark >/dev/null
for r in $(seq "$ROUNDS"); do
  echo "== round $r: MetaMLIP"
  "$SCRATCH"/release/PotentialBenchmark --model hipnn --data "$DATA" --threads "$THREADS" --batch "$BATCH" --reps 9 | tail -3
  echo "== round $r: hippynn"
  python3 ../shared/peers/bench_hippynn.py --data "$DATA" --threads "$THREADS" --batch "$BATCH" --cutoff 6.5 \
    --nbatches 4 --iters 9 --min_seconds 1 2>/dev/null | grep -E "^(energy|train)" || true
done
