#!/usr/bin/env python3
"""Time deepmd-kit's `se_e2_a` + `ener` model (PyTorch backend) on CPU, one thread: an energy +
force training step (forces by autograd with create_graph, loss.backward(), an Adam step) and an
energy + force evaluation, on the same 3BPA batches as `PotentialBenchmark --model deeppot`
(the first `--batch` x `--nbatches` frames of the file, in order).

    python3 scripts/deepmd_timing.py [--preset typical|experiment] [--batch 4] [--reps 15]
                                     [--precision float32|float64] [--nlist-in-step]

Model (the same sizes as Sources/PotentialBenchmark/BenchmarkModels.swift): rcut 6 A,
rcut_smth 0.5 A, sel auto (deepmd-kit's `auto:1.1` over the whole file: 1.1 x the largest
number of neighbours of each type within rcut, rounded up to a multiple of 4),
type_one_side false, embedding resnet_dt false, fitting resnet_dt true (deepmd-kit's input-file
defaults), tanh; `typical` = embedding [25, 50, 100], axis_neuron 16, fitting [240, 240, 240]
(deepmd-kit's se_e2_a example), `experiment` = [16, 32, 64], 8, [120, 120, 120]
(experiments/model-kinds/3bpa-deeppot.yaml). davg/dstd from deepmd-kit's own
`compute_input_stats` on the batches.

Precision: deepmd-kit's default is float64 everywhere; `--precision float32` (the default here,
like MetaMLIP, which trains in Float32) sets the descriptor's and fitting's `precision` to
float32 and DP_INTERFACE_PREC=low, so coordinates, the environment matrix, the networks and
the forces are all float32.

Neighbour lists: MetaMLIP builds its neighbour topology once per batch, outside the timed
step, so by default this script builds deepmd-kit's (`extend_input_and_build_neighbor_list`)
once per batch too and times `model.forward_lower`; `--nlist-in-step` times `model.forward`
instead, which rebuilds the list every call as `dp train` does.

Prints, per measurement, configurations/s, atoms/s, wall ms and CPU ms per step (medians of
`--reps` after one warm-up pass over the batches), in PotentialBenchmark's format.
"""
import argparse
import os
import sys
from pathlib import Path

import numpy as np

from peer_timing import time_steps

sys.path.insert(0, str(Path(__file__).resolve().parent))
ROOT = Path(__file__).resolve().parent.parent
TYPE_MAP = ["H", "C", "N", "O"]
PRESETS = {"typical": ([25, 50, 100], 16, [240, 240, 240]), "experiment": ([16, 32, 64], 8, [120, 120, 120])}


def read_frames(path, count=None):
    """(types [n], positions [n, 3], energy eV, forces [n, 3]) of the first `count` frames (all
    when None) of an extended XYZ file with `pos` and `forces` columns and `energy=`."""
    frames = []
    with open(path) as f:
        while count is None or len(frames) < count:
            line = f.readline()
            if not line:
                break
            if not line.strip():
                continue
            n = int(line)
            comment = f.readline()
            rows = [f.readline().split() for _ in range(n)]
            if "energy=" not in comment:
                continue
            energy = float(comment.split("energy=")[1].split()[0])
            frames.append((np.array([TYPE_MAP.index(r[0]) for r in rows]),
                           np.array([[float(x) for x in r[1:4]] for r in rows]), energy,
                           np.array([[float(x) for x in r[4:7]] for r in rows])))
    if count is not None and len(frames) < count:
        sys.exit(f"{path}: {len(frames)} labelled frames, the benchmark needs {count}")
    return frames


def automatic_sel(frames, rcut, factor=1.1):
    """deepmd-kit's `sel: auto:factor`: 4 * ceil(floor(factor * n_t) / 4), n_t the largest number
    of type-t neighbours within rcut of any atom of `frames`."""
    most = np.zeros(len(TYPE_MAP), dtype=int)
    for types, r, _, _ in frames:
        d = np.linalg.norm(r[:, None] - r[None], axis=-1)
        near = (d < rcut) & ~np.eye(len(r), dtype=bool)
        for t in range(len(TYPE_MAP)):
            if (types == t).any():
                most[t] = max(most[t], near[:, types == t].sum(axis=1).max())
    return [int(4 * ((int(np.floor(m * factor)) + 3) // 4)) for m in most], most.tolist()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=os.path.join(os.environ.get("METAMLIP_DATA", str(ROOT.parent / "shared/datasets")),
                                                   "3bpa", "train_300K.xyz"))
    ap.add_argument("--preset", default="typical", choices=sorted(PRESETS))
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--nbatches", type=int, default=4)
    ap.add_argument("--reps", type=int, default=15)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--precision", default="float32", choices=["float32", "float64"])
    ap.add_argument("--nlist-in-step", action="store_true", help="time model.forward (neighbour list rebuilt per call)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    # Before deepmd is imported: the interface (coordinates, environment matrix) precision.
    os.environ["DP_INTERFACE_PREC"] = "low" if args.precision == "float32" else "high"
    import torch
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    dtype = torch.float32 if args.precision == "float32" else torch.float64
    torch.set_default_dtype(dtype)
    torch.manual_seed(args.seed)
    from deepmd_parity import import_deepmd
    version, get_model = import_deepmd()
    from deepmd.pt.utils.nlist import extend_input_and_build_neighbor_list

    rcut, rcut_smth = 6.0, 0.5
    sel, most = automatic_sel(read_frames(args.data), rcut)
    neuron, axis_neuron, fitting = PRESETS[args.preset]
    model = get_model({
        "type_map": TYPE_MAP,
        "descriptor": {"type": "se_e2_a", "sel": sel, "rcut": rcut, "rcut_smth": rcut_smth, "neuron": neuron,
                       "axis_neuron": axis_neuron, "type_one_side": False, "resnet_dt": False,
                       "activation_function": "tanh", "precision": args.precision, "seed": args.seed},
        "fitting_net": {"neuron": fitting, "resnet_dt": True, "activation_function": "tanh",
                        "precision": args.precision, "seed": args.seed + 1},
    })
    frames = read_frames(args.data, args.batch * args.nbatches)
    batches = []
    for b in range(args.nbatches):
        chunk = frames[b * args.batch:(b + 1) * args.batch]
        coord = torch.tensor(np.stack([f[1] for f in chunk]), dtype=dtype)
        atype = torch.tensor(np.stack([f[0] for f in chunk]), dtype=torch.long)
        ext_coord, ext_atype, mapping, nlist = extend_input_and_build_neighbor_list(
            coord.reshape(len(chunk), -1), atype, rcut, sel, mixed_types=True, box=None)
        batches.append({"coord": coord, "atype": atype, "ext": (ext_coord, ext_atype, nlist, mapping),
                        "energy": torch.tensor([f[2] for f in chunk], dtype=dtype),
                        "force": torch.tensor(np.stack([f[3] for f in chunk]), dtype=dtype),
                        "natoms": torch.tensor([len(f[0]) for f in chunk], dtype=dtype)})
    natoms = [len(c[0]) for c in frames]
    model.atomic_model.descriptor.compute_input_stats(
        [{"coord": b["coord"], "atype": b["atype"], "box": None,
          "natoms": torch.tensor([[b["atype"].shape[1]] * 2 + [int((b["atype"][0] == t).sum()) for t in range(len(TYPE_MAP))]]
                                 * b["atype"].shape[0])} for b in batches])
    parameters = sum(p.numel() for p in model.parameters() if p.requires_grad)

    def evaluate(b):
        if args.nlist_in_step:
            out = model(b["coord"].reshape(b["coord"].shape[0], -1), b["atype"])
            return out["energy"].reshape(-1), out["force"]
        out = model.forward_lower(*b["ext"])
        return out["energy"].reshape(-1), out["extended_force"]   # no periodic images: extended = local atoms

    # The lower interface on a prebuilt list gives deepmd-kit's forces (once, untimed).
    model.eval()
    b = batches[0]
    full = model(b["coord"].reshape(b["coord"].shape[0], -1), b["atype"])
    lower = model.forward_lower(*b["ext"])
    assert torch.allclose(full["force"], lower["extended_force"], rtol=1e-4, atol=1e-4 * full["force"].abs().max().item())

    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def train_step(b):
        energy, force = evaluate(b)
        loss = (((energy - b["energy"]) / b["natoms"]) ** 2).mean() + 0.1 * ((force - b["force"]) ** 2).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    def energy_force(b):
        energy, force = evaluate(b)
        energy.detach().numpy(), force.detach().numpy()

    print(f"deepmd-kit {version} se_e2_a {args.preset} (rcut {rcut} A, rcut_smth {rcut_smth} A, sel {sel} from "
          f"largest counts {most}, neuron {neuron}, axis_neuron {axis_neuron}, fitting {fitting}), {parameters} parameters, "
          f"{Path(args.data).name} ({natoms[0]} atoms), batch {args.batch}, {torch.get_num_threads()} torch thread(s), "
          f"{args.precision}, {'forward (nlist per call)' if args.nlist_in_step else 'forward_lower on prebuilt nlist'}, "
          f"median of {args.reps}")
    for name, mode, step in [("energy_force_inference", "eval", energy_force),
                             ("train_step_energy_force", "train", train_step)]:
        model.train(mode == "train")
        time_steps(name, step, batches, args.reps, args.batch, natoms[0])


if __name__ == "__main__":
    main()
