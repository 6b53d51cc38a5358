#!/usr/bin/env bash
# Side-by-side: MetaMLIP's ANI-1x potential and TorchANI's on the same 3BPA batches.
# Needs torch + torchani (`pip install torch torchani h5py`, or PYTHONPATH to such an install).
# Runs the two alternately (ROUNDS times) so both see the same machine load; compare ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/datasets/3bpa/train_300K.xyz}
THREADS=${THREADS:-1}
BATCH=${BATCH:-32}
ROUNDS=${ROUNDS:-3}
swift build -c release --product PotentialBenchmark >/dev/null
for r in $(seq "$ROUNDS"); do
  echo "== round $r: MetaMLIP"
  .build/release/PotentialBenchmark --data "$DATA" --threads "$THREADS" --batch "$BATCH" --reps 9 | tail -3
  echo "== round $r: TorchANI"
  TORCHANI_NO_WARN_EXTENSIONS=1 python3 ../shared/peers/bench_torchani.py --data "$DATA" --threads "$THREADS" \
    --batch "$BATCH" --nbatches 4 --iters 9 --min_seconds 1 2>/dev/null | grep -E "^(energy|train)"
done
