#!/usr/bin/env python3
"""Time mace-torch's training step and energy+force evaluation on CPU for the model of
`experiments/model-kinds/3bpa-mace.yaml` (64x0e "small" or 64x0e+64x1o "medium", l ≤ 3,
correlation 3, 2 interactions, radial MLP [64, 64, 64]) on batches of 3BPA frames, float32,
one thread — the settings MetaMLIP's `metamlip train` uses (OPENBLAS_NUM_THREADS=1).

    python scripts/mace_torch_timing.py [--hidden 64x0e] [--batch 5] [--steps 20]

Prints the median seconds per training step (energy + force loss, backward through the
forces, Adam step) and per energy+force evaluation.
"""
import argparse
import os
import statistics
import time

import numpy as np
import torch

torch.serialization.add_safe_globals([slice])   # e3nn 0.4.4 loads its constants with torch.load

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.environ.get("METAMLIP_DATA", os.path.join(os.path.dirname(REPO), "shared", "datasets"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hidden", default="64x0e")
    ap.add_argument("--batch", type=int, default=5)
    ap.add_argument("--steps", type=int, default=20)
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float32)
    import ase.io
    from e3nn import o3
    from mace import data as mace_data, modules
    from mace.tools import torch_geometric, utils
    species = [1, 6, 7, 8]
    model = modules.ScaleShiftMACE(
        r_max=5.0, num_bessel=8, num_polynomial_cutoff=5, max_ell=3,
        interaction_cls=modules.interaction_classes["RealAgnosticResidualInteractionBlock"],
        interaction_cls_first=modules.interaction_classes["RealAgnosticInteractionBlock"],
        num_interactions=2, num_elements=4, hidden_irreps=o3.Irreps(args.hidden), MLP_irreps=o3.Irreps("16x0e"),
        atomic_energies=np.zeros(4), avg_num_neighbors=16.7, atomic_numbers=species, correlation=3,
        gate=torch.nn.functional.silu, radial_MLP=[64, 64, 64], atomic_inter_scale=1.0, atomic_inter_shift=0.0)
    frames = ase.io.read(os.path.join(DATA, "3bpa", "train_300K.xyz"), index=f"0:{args.batch * 4}")
    z_table = utils.AtomicNumberTable(species)
    ds = [mace_data.AtomicData.from_config(mace_data.config_from_atoms(a), z_table=z_table, cutoff=5.0) for a in frames]
    batches = [b.to_dict() for b in torch_geometric.dataloader.DataLoader(ds, batch_size=args.batch, shuffle=False)]
    energies = [torch.tensor([a.get_potential_energy() for a in frames[i:i + args.batch]], dtype=torch.float32)
                for i in range(0, len(frames), args.batch)]
    forces = [torch.tensor(np.concatenate([a.get_forces() for a in frames[i:i + args.batch]]), dtype=torch.float32)
              for i in range(0, len(frames), args.batch)]
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    train, evaluate = [], []
    for step in range(args.steps):
        k = step % len(batches)
        start = time.perf_counter()
        out = model(batches[k], training=True, compute_force=True)
        n = batches[k]["ptr"][1:] - batches[k]["ptr"][:-1]
        loss = 30 * (((out["energy"] - energies[k]) / n) ** 2).mean() + ((out["forces"] - forces[k]) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        train.append(time.perf_counter() - start)
        start = time.perf_counter()
        out = model(batches[k], training=False, compute_force=True)
        evaluate.append(time.perf_counter() - start)
    print(f"mace-torch {args.hidden}, batch {args.batch}: training step {statistics.median(train[2:]):.4f} s, "
          f"energy+forces {statistics.median(evaluate[2:]):.4f} s (median of {args.steps - 2})")


if __name__ == "__main__":
    main()
