#!/usr/bin/env bash
# Side-by-side timing of a MetaMLIP potential and a peer's on the same 3BPA batches:
#   bench/compare_peer.sh torchani   ANI-1x sizes against TorchANI (pip install torch torchani h5py)
#   bench/compare_peer.sh hippynn    HIP-NN, 2 interactions × 3 atom layers × 128 features,
#                                    20 sensitivities, cutoff 6.5 Å, against hippynn (pip install torch hippynn h5py)
# Float32. Runs the two alternately (ROUNDS times) so both see the same machine load; compare ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
PEER=${1:?usage: bench/compare_peer.sh torchani|hippynn}
DATA=${DATA:-../shared/datasets/3bpa/train_300K.xyz}
THREADS=${THREADS:-1}
BATCH=${BATCH:-32}
ROUNDS=${ROUNDS:-3}
SCRATCH=${SCRATCH:-.build}
case "$PEER" in
  torchani) MODEL=ani; PEER_ARGS=() ;;
  hippynn) MODEL=hipnn; PEER_ARGS=(--cutoff 6.5) ;;
  *) echo "unknown peer '$PEER' (torchani or hippynn)" >&2; exit 2 ;;
esac
swift build -c release --scratch-path "$SCRATCH" --product PotentialBenchmark >/dev/null
for r in $(seq "$ROUNDS"); do
  echo "== round $r: MetaMLIP"
  "$SCRATCH"/release/PotentialBenchmark --model "$MODEL" --data "$DATA" --threads "$THREADS" --batch "$BATCH" --reps 9 | tail -3
  echo "== round $r: $PEER"
  TORCHANI_NO_WARN_EXTENSIONS=1 python3 "../shared/peers/bench_$PEER.py" --data "$DATA" --threads "$THREADS" \
    --batch "$BATCH" --nbatches 4 --iters 9 --min_seconds 1 "${PEER_ARGS[@]}" 2>/dev/null | grep -E "^(energy|train)" || true
done
