#!/usr/bin/env python3
"""Time mace-torch's training step and energy+force evaluation on CPU for the model of
`experiments/model-kinds/3bpa-mace.yaml` (64x0e "small" or 64x0e+64x1o "medium", l ≤ 3,
correlation 3, 2 interactions, 8 Bessel functions, radial MLP [64, 64, 64], cutoff 5 Å,
readout 16x0e) on batches of 3BPA frames, float32, one thread — the settings MetaMLIP's
`metamlip train` uses (OPENBLAS_NUM_THREADS=1) and `PotentialBenchmark --model mace` times.

    python scripts/mace_torch_timing.py [--preset small|medium] [--batch 5] [--reps 15]

The batches are the first `--batch` x `--nbatches` frames of the file, in order (as
PotentialBenchmark takes them); mace-torch's neighbour lists (`AtomicData.from_config`) are
built once, outside the timed steps, as MetaMLIP's neighbour topology is. The training step is
the forward pass with forces by autograd (create_graph, mace's `training=True`), an energy +
force loss, backward and an Adam step; the evaluation is mace's `training=False` forward with
forces. Prints, per measurement, configurations/s, atoms/s, wall ms and CPU ms per step
(medians of `--reps` after one warm-up pass over the batches), in PotentialBenchmark's format.
"""
import argparse
import os

import numpy as np
import torch

from peer_timing import time_steps

torch.serialization.add_safe_globals([slice])   # e3nn 0.4.4 loads its constants with torch.load

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.environ.get("METAMLIP_DATA", os.path.join(os.path.dirname(REPO), "shared", "datasets"))
PRESETS = {"small": "64x0e", "medium": "64x0e+64x1o"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(DATA, "3bpa", "train_300K.xyz"))
    ap.add_argument("--preset", default="small", choices=sorted(PRESETS))
    ap.add_argument("--batch", type=int, default=5)
    ap.add_argument("--nbatches", type=int, default=4)
    ap.add_argument("--reps", type=int, default=15)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    torch.set_default_dtype(torch.float32)
    torch.manual_seed(0)
    import ase.io
    from e3nn import o3
    from mace import __version__ as mace_version, data as mace_data, modules
    from mace.tools import torch_geometric, utils
    species = [1, 6, 7, 8]
    model = modules.ScaleShiftMACE(
        r_max=5.0, num_bessel=8, num_polynomial_cutoff=5, max_ell=3,
        interaction_cls=modules.interaction_classes["RealAgnosticResidualInteractionBlock"],
        interaction_cls_first=modules.interaction_classes["RealAgnosticInteractionBlock"],
        num_interactions=2, num_elements=4, hidden_irreps=o3.Irreps(PRESETS[args.preset]), MLP_irreps=o3.Irreps("16x0e"),
        atomic_energies=np.zeros(4), avg_num_neighbors=16.7, atomic_numbers=species, correlation=3,
        gate=torch.nn.functional.silu, radial_MLP=[64, 64, 64], atomic_inter_scale=1.0, atomic_inter_shift=0.0)
    frames = ase.io.read(args.data, index=f"0:{args.batch * args.nbatches}")
    z_table = utils.AtomicNumberTable(species)
    ds = [mace_data.AtomicData.from_config(mace_data.config_from_atoms(a), z_table=z_table, cutoff=5.0) for a in frames]
    batches = [b.to_dict() for b in torch_geometric.dataloader.DataLoader(ds, batch_size=args.batch, shuffle=False)]
    energies = [torch.tensor([a.get_potential_energy() for a in frames[i:i + args.batch]], dtype=torch.float32)
                for i in range(0, len(frames), args.batch)]
    forces = [torch.tensor(np.concatenate([a.get_forces() for a in frames[i:i + args.batch]]), dtype=torch.float32)
              for i in range(0, len(frames), args.batch)]
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    parameters = sum(p.numel() for p in model.parameters() if p.requires_grad)

    def train_step(k):
        out = model(batches[k], training=True, compute_force=True)
        n = batches[k]["ptr"][1:] - batches[k]["ptr"][:-1]
        loss = 30 * (((out["energy"] - energies[k]) / n) ** 2).mean() + ((out["forces"] - forces[k]) ** 2).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    def energy_force(k):
        out = model(batches[k], training=False, compute_force=True)
        out["energy"].detach().numpy(), out["forces"].detach().numpy()

    atoms = len(frames[0])
    print(f"mace-torch {mace_version} {args.preset} ({PRESETS[args.preset]}, l <= 3, correlation 3, 2 interactions, "
          f"radial MLP [64, 64, 64], cutoff 5 A), {parameters} parameters, {os.path.basename(args.data)} ({atoms} atoms), "
          f"batch {args.batch}, {torch.get_num_threads()} torch thread(s), float32, median of {args.reps}")
    for name, training, step in [("energy_force_inference", False, energy_force),
                                 ("train_step_energy_force", True, train_step)]:
        model.train(training)
        time_steps(name, step, range(len(batches)), args.reps, args.batch, atoms)


if __name__ == "__main__":
    main()
