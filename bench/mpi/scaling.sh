#!/usr/bin/env bash
# 2 MPI ranks against 1 on this machine: a training epoch (data-parallel), a Reptile
# pretraining (task-parallel) and a study's refits (dealt out over the ranks), all with
# metamlip-mpi and one thread per rank, plus the allgather times of the gradient volumes;
# prints the machine load before and after each run.
# Needs: swift build -c release --product metamlip-mpi; mpicc. Usage: bash bench/mpi/scaling.sh [out-dir]
# (METAMLIP_MPI_BIN: another metamlip-mpi, e.g. one built with --scratch-path.)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${1:-/tmp/metamlip-mpi-bench}"
bin="${METAMLIP_MPI_BIN:-$root/.build/release/metamlip-mpi}"
data="${METAMLIP_DATA:-$root/../shared/datasets}"
# One OpenBLAS thread per rank (metamlip-mpi sets it itself when ranks share a node; the
# one-rank baseline must not get a second core through BLAS threads either).
export OPENBLAS_NUM_THREADS=1
mpirun_flags=(--oversubscribe --bind-to none -x OPENBLAS_NUM_THREADS)
[ "$(id -u)" -eq 0 ] && mpirun_flags+=(--allow-run-as-root)
mkdir -p "$out"
load() { cut -d' ' -f1-3 /proc/loadavg; }

# Training: 3BPA at 300 K, 450 training conformations, the standard ANI model, batches of 64
# (4 chunks of 16: 2 per rank), 8 epochs; the epoch times come from the checkpoint.
cat > "$out/train.yaml" <<YAML
data: $data/3bpa/train_300K.xyz
isolated_atoms: $data/3bpa/iso_atoms.xyz
split: {seed: 1, n_train: 450}
epochs: 8
batch_size: 64
checkpoint_dir: run
YAML
# Reptile: the quickstart's CHNO pool (60 conformations per task), meta-batches of 4 tasks
# (2 per rank), 5 inner Adam steps on batches of 8, 100 outer iterations (a checkpoint every 5,
# the study default of 20 per pretraining); one tiny refit.
cat > "$out/reptile.yaml" <<YAML
experiment: mpi-bench
data_root: $data
pretraining: {recipe: $root/datasets/chno-pretraining.yaml, max_conformations: 60}
target: {data: 3bpa/train_300K.xyz, isolated_atoms: 3bpa/iso_atoms.xyz, test: 10, validation: 5}
model: {kind: ani, widths: [32, 16]}
variants:
  - {name: reptile, kind: reptile, iterations: 100, validate_every: 50, meta_batch_size: 4, inner: {steps: 5, optimizer: adam, learning_rate: 0.002, batch_size: 8}}
refit: {n: [10], seeds: [0], epochs: 1, batch_size: 10}
YAML
# Refits: a study of six scratch refits of the [32, 16] ANI model to 3BPA (N = 50 and 25,
# three seeds, 40 epochs, batch 16), dealt out over the ranks (3 each); whole-run wall time.
cat > "$out/refits.yaml" <<YAML
experiment: mpi-bench-refits
data_root: $data
target: {data: 3bpa/train_300K.xyz, isolated_atoms: 3bpa/iso_atoms.xyz, test: 50, validation: 10}
model: {kind: ani, widths: [32, 16]}
variants:
  - {name: scratch, kind: scratch}
refit: {n: [50, 25], seeds: [0, 1, 2], epochs: 40, batch_size: 16}
YAML

# ROUNDS alternating rounds of 1 and 2 ranks (default 3); medians and ratios at the end.
: > "$out/times.txt"
for round in $(seq "${ROUNDS:-3}"); do
for ranks in 1 2; do
  dir="$out/train-np$ranks"; rm -rf "$dir"; mkdir -p "$dir"; cp "$out/train.yaml" "$dir/"
  echo "round $round train np=$ranks: load before $(load)"
  (cd "$dir" && mpirun "${mpirun_flags[@]}" -np $ranks "$bin" train train.yaml --threads 1 --quiet)
  python3 - "$dir/run/checkpoint.json" "$ranks" "$out/times.txt" <<'PY'
import json, statistics, sys
h = json.load(open(sys.argv[1]))["history"]
seconds = [e["seconds"] for e in h][1:]   # the first epoch pays the warm-up
print("  epoch seconds:", " ".join(f"{s:.2f}" for s in seconds))
open(sys.argv[3], "a").write(f"train {sys.argv[2]} {statistics.median(seconds):.4f}\n")
PY
  echo "  load after $(load)"
  dir="$out/reptile-np$ranks"; rm -rf "$dir"
  echo "round $round reptile np=$ranks: load before $(load)"
  mpirun "${mpirun_flags[@]}" -np $ranks "$bin" run "$out/reptile.yaml" -o "$dir" --no-report --threads 1 --quiet > /dev/null
  python3 -c "import json,sys; s=json.load(open(sys.argv[1])); print('  pretraining seconds: %.2f (%d steps)' % (s['seconds'], s['steps'])); open(sys.argv[3], 'a').write('reptile %s %.4f\n' % (sys.argv[2], s['seconds']))" "$dir/pretrain/reptile/summary.json" "$ranks" "$out/times.txt"
  echo "  load after $(load)"
  dir="$out/refits-np$ranks"; rm -rf "$dir"
  echo "round $round refits np=$ranks: load before $(load)"
  start=$(date +%s.%N)
  mpirun "${mpirun_flags[@]}" -np $ranks "$bin" run "$out/refits.yaml" -o "$dir" --no-report --threads 1 --quiet > /dev/null
  python3 -c "import sys; w = float(sys.argv[2]) - float(sys.argv[1]); print('  study wall seconds: %.2f' % w); open(sys.argv[4], 'a').write('refits %s %.4f\n' % (sys.argv[3], w))" "$start" "$(date +%s.%N)" "$ranks" "$out/times.txt"
  echo "  load after $(load)"
done
done
python3 - "$out/times.txt" <<'PY'
import collections, statistics, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    what, ranks, seconds = line.split()
    runs[what, int(ranks)].append(float(seconds))
labels = {"train": "training epoch (s, median of epochs 2-8)", "reptile": "Reptile pretraining (s)", "refits": "study of 6 refits, whole run (s)"}
for what in ("train", "reptile", "refits"):
    one, two = statistics.median(runs[what, 1]), statistics.median(runs[what, 2])
    print(f"{labels[what]}: 1 rank {one:.2f} {runs[what, 1]}, 2 ranks {two:.2f} {runs[what, 2]}, speed-up {one / two:.2f}")
PY
cmp <(cut -d, -f1-9 "$out/refits-np1/results.csv") <(cut -d, -f1-9 "$out/refits-np2/results.csv") \
  && echo "refits: np=1 and np=2 results identical (all but the seconds column)"
cmp <(python3 -c "import json;print(json.load(open('$out/train-np1/run/model.json'))['parameters'])") \
    <(python3 -c "import json;print(json.load(open('$out/train-np2/run/model.json'))['parameters'])") \
  && echo "train: np=1 and np=2 model parameters identical"

mpicc -O2 -o "$out/allgather_time" "$root/bench/mpi/allgather_time.c"
# The volume of one step: pieces × parameters × 4 bytes (Reptile [32, 16]: 4 × 51,460 × 4 B;
# ANI-1x on HCNO: 4 × 326,660 × 4 B), and a 16-chunk batch of ANI-1x.
mpirun "${mpirun_flags[@]}" -np 2 "$out/allgather_time" 823360 5226560 20906240
