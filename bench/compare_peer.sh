#!/usr/bin/env bash
# Side-by-side timing of a MetaMLIP potential and a peer's on the same 3BPA batches:
#   bench/compare_peer.sh torchani   ANI-1x sizes against TorchANI (pip install torch torchani h5py)
#   bench/compare_peer.sh hippynn    HIP-NN, 2 interactions × 3 atom layers × 128 features,
#                                    20 sensitivities, cutoff 6.5 Å, against hippynn (pip install torch hippynn h5py)
#   bench/compare_peer.sh mace       MACE (PRESET=small|medium) against mace-torch
#                                    (scripts/mace_torch_timing.py; pip install mace-torch), batch 5
#   bench/compare_peer.sh deeppot    DeepPot-SE se_e2_a (PRESET=typical|experiment) against deepmd-kit
#                                    (scripts/deepmd_timing.py, PyTorch backend; pip install deepmd-kit), batch 4;
#                                    PRECISION=float64 for deepmd-kit's default precision (MetaMLIP stays Float32)
# Float32 unless stated. Runs the two alternately (ROUNDS times) so both see the same machine
# load, with the load average before each run; compare ratios, and the cpu-ms columns (CPU time
# of the process) where the machine is shared.
set -euo pipefail
cd "$(dirname "$0")/.."
PEER=${1:?usage: bench/compare_peer.sh torchani|hippynn|mace|deeppot}
DATA=${DATA:-../shared/datasets/3bpa/train_300K.xyz}
THREADS=${THREADS:-1}
ROUNDS=${ROUNDS:-3}
REPS=${REPS:-9}
SCRATCH=${SCRATCH:-.build}
export OPENBLAS_NUM_THREADS=$THREADS
case "$PEER" in
  torchani|hippynn)
    BATCH=${BATCH:-32}
    if [ "$PEER" = torchani ]; then MODEL=(--model ani); PEER_ARGS=(); else MODEL=(--model hipnn); PEER_ARGS=(--cutoff 6.5); fi
    PEER_CMD=(python3 "../shared/peers/bench_$PEER.py" --data "$DATA" --threads "$THREADS" --batch "$BATCH"
              --nbatches 4 --iters "$REPS" --min_seconds 1 "${PEER_ARGS[@]}") ;;
  mace)
    BATCH=${BATCH:-5}; PRESET=${PRESET:-small}
    MODEL=(--model mace --preset "$PRESET")
    PEER_CMD=(python3 scripts/mace_torch_timing.py --data "$DATA" --threads "$THREADS" --batch "$BATCH" --preset "$PRESET" --reps "$REPS") ;;
  deeppot)
    BATCH=${BATCH:-4}; PRESET=${PRESET:-typical}; PRECISION=${PRECISION:-float32}
    MODEL=(--model deeppot --preset "$PRESET")
    PEER_CMD=(python3 scripts/deepmd_timing.py --data "$DATA" --threads "$THREADS" --batch "$BATCH" --preset "$PRESET"
              --precision "$PRECISION" --reps "$REPS") ;;
  *) echo "unknown peer '$PEER' (torchani, hippynn, mace or deeppot)" >&2; exit 2 ;;
esac
swift build -c release --scratch-path "$SCRATCH" --product PotentialBenchmark >/dev/null
for r in $(seq "$ROUNDS"); do
  echo "== round $r: MetaMLIP ($(uptime | sed 's/.*load/load/'))"
  "$SCRATCH"/release/PotentialBenchmark "${MODEL[@]}" --data "$DATA" --threads "$THREADS" --batch "$BATCH" --reps "$REPS" \
    | grep -E "^(MetaMLIP|energy|train)"
  echo "== round $r: $PEER ($(uptime | sed 's/.*load/load/'))"
  TORCHANI_NO_WARN_EXTENSIONS=1 "${PEER_CMD[@]}" 2>/dev/null | grep -E "^(mace|deepmd|energy|train)" || true
done
