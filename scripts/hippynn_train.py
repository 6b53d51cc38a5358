#!/usr/bin/env python3
"""Trains lanl/hippynn's own HIP-NN on the split of a `metamlip train` run, as a reference
for what HIP-NN reaches with hippynn's code on the same data and budget.

    python3 scripts/hippynn_train.py RUN/split.json [--epochs 500] [--max-minutes 40]

Reads `split.json` (written by `metamlip train` beside its checkpoint: the data file and the
indices of its training, validation and test conformations) and trains, on one CPU thread:

- the model of `experiments/hipnn-3bpa.yaml` in hippynn's form: `networks.Hipnn` with
  hippynn's default residual layers, 128 features, 2 interactions x 3 atom layers,
  20 sensitivities, soft range 0.75-4.5 A, cutoff 5.5 A; `targets.HEnergyNode`, forces
  from `physics.GradientNode(sign=-1)`; E0 from `hierarchical_energy_initialization`;
- hippynn's loss of its ANI-1x example: E-RMSE + E-MAE + hierarchicality + F-RMSE + F-MAE
  (kcal/mol and kcal/mol/A, as hippynn's examples);
- Adam at 1e-3, batches of 16, learning rate halved after 10 epochs without a 1e-4
  relative improvement of the validation loss (torch's ReduceLROnPlateau), training stopped
  after 80 epochs without improvement; the parameters of the best validation loss are kept.

This is a plain torch loop around hippynn's graph and loss (hippynn's `setup_and_train` adds
batch growth on plateaus, which is not reproduced). Prints one line per epoch and, at the
end, the held-out test RMSEs (meV, meV/A) of the best parameters, then a SUMMARY_JSON line.
Needs: pip install torch hippynn (the peers' virtual environment has both).
"""
import argparse
import copy
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "shared", "peers"))
import peers_common as pc  # noqa: E402

KCAL_PER_EV = 23.060548


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("split", help="split.json of a metamlip train run")
    ap.add_argument("--epochs", type=int, default=500)
    ap.add_argument("--max-minutes", type=float, default=None, help="stop after this wall time (minutes)")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    os.environ.setdefault("HIPPYNN_PROGRESS", "none")
    os.environ.setdefault("HIPPYNN_WARN_LOW_DISTANCES", "False")
    import numpy as np
    import torch
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    torch.set_default_dtype(torch.float32)
    import hippynn
    from hippynn.graphs import inputs, networks, targets, physics, GraphModule
    from hippynn.graphs.nodes.loss import MSELoss, MAELoss, Mean
    from hippynn.experiment import assemble_for_training
    from hippynn.experiment.step_functions import standard_step_fn
    from hippynn.databases import Database
    from hippynn.pretraining import hierarchical_energy_initialization

    split = json.load(open(args.split))
    data = pc.prepare(pc.load_data(split["data"]))
    n = len(data["E"])
    for key in ("train", "validation", "test"):
        if split[key] and max(split[key]) >= n:
            sys.exit(f"{args.split}: index {max(split[key])} in '{key}' but {split['data']} has {n} labelled frames")
    tr, va, te = (np.array(split[k], dtype=np.int64) for k in ("train", "validation", "test"))

    species = inputs.SpeciesNode(db_name="species")
    positions = inputs.PositionsNode(db_name="coordinates")
    net_params = {"possible_species": [0, 1, 6, 7, 8], "n_features": 128, "n_sensitivities": 20,
                  "dist_soft_min": 0.75, "dist_soft_max": 4.5, "dist_hard_max": 5.5,
                  "n_interaction_layers": 2, "n_atom_layers": 3}
    network = networks.Hipnn("hipnn_model", (species, positions), module_kwargs=net_params)
    henergy = targets.HEnergyNode("HEnergy", network)
    force = physics.GradientNode("forces", (henergy, positions), sign=-1)
    henergy.mol_energy.db_name = "energy"
    force.db_name = "forces"
    losses = {"T-RMSE": MSELoss.of_node(henergy) ** (1 / 2), "T-MAE": MAELoss.of_node(henergy),
              "T-Hier": Mean.of_node(henergy.hierarchicality), "F-RMSE": MSELoss.of_node(force) ** (1 / 2),
              "F-MAE": MAELoss.of_node(force)}
    total = losses["T-RMSE"] + losses["T-MAE"] + losses["T-Hier"] + losses["F-RMSE"] + losses["F-MAE"]
    (model, loss_mod, _), db_info = assemble_for_training(total, losses)
    in_names, tgt_names = db_info["inputs"], db_info["targets"]

    arrays = {"species": data["Z"], "coordinates": data["R"], "energy": data["Ek"][:, None], "forces": data["Fk"]}
    train_db = Database({k: v[tr] for k, v in arrays.items()}, inputs=in_names, targets=tgt_names, seed=args.seed,
                        quiet=True, pin_memory=False, allow_unfound=True)
    train_db.make_explicit_split("train", torch.arange(len(tr)))   # E0 from the training conformations only
    hierarchical_energy_initialization(henergy, train_db, trainable_after=False)

    def tensors(idx):
        t = {k: torch.from_numpy(np.ascontiguousarray(v[idx])) for k, v in arrays.items()}
        return [t[k] for k in in_names], [t[k] for k in tgt_names]

    ef_model = GraphModule([species, positions], [henergy.mol_energy, force])

    def errors(idx):
        """Loss (mean of batches of 16) and energy / force RMSE in meV, meV/A."""
        model.eval()
        e_pred, f_pred, loss_sum, parts = [], [], 0.0, 0
        for s in range(0, len(idx), 16):
            ins, tg = tensors(idx[s:s + 16])
            coordinates = ins[in_names.index("coordinates")].clone().requires_grad_(True)
            ins = [coordinates if name == "coordinates" else x for name, x in zip(in_names, ins)]
            out = model(*ins)
            loss_sum += float(loss_mod(*out, *tg)[0].mean().detach()); parts += 1
            e, f = ef_model(ins[in_names.index("species")], coordinates)
            e_pred.append(e.detach().numpy().reshape(-1)); f_pred.append(f.detach().numpy())
        model.train()
        e = np.concatenate(e_pred); f = np.concatenate(f_pred)
        de = (e - data["Ek"][idx]) / KCAL_PER_EV
        mask = data["Z"][idx] > 0
        df = (f - data["Fk"][idx])[mask] / KCAL_PER_EV
        return loss_sum / parts, 1000 * float(np.sqrt(np.mean(de ** 2))), 1000 * float(np.sqrt(np.mean(df ** 2)))

    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="min", factor=0.5, patience=10, threshold=1e-4)
    rng = np.random.default_rng(args.seed)
    best, best_state, best_epoch, bad = float("inf"), None, -1, 0
    start = time.perf_counter()
    epoch = 0
    for epoch in range(args.epochs):
        order = rng.permutation(tr)
        for s in range(0, len(order), args.batch):
            ins, tg = tensors(order[s:s + args.batch])
            ins = [x.clone() if name == "coordinates" else x for name, x in zip(in_names, ins)]
            standard_step_fn(opt, model, loss_mod, ins, tg)
        val_loss, val_e, val_f = errors(va)
        plateau.step(val_loss)
        if val_loss < best:
            best, best_state, best_epoch, bad = val_loss, copy.deepcopy(model.state_dict()), epoch, 0
        else:
            bad += 1
        minutes = (time.perf_counter() - start) / 60
        print(f"epoch {epoch + 1:4d}  val loss {val_loss:.4f}  E {val_e:.1f} meV  F {val_f:.1f} meV/A  "
              f"lr {opt.param_groups[0]['lr']:.2e}  {minutes:.1f} min", flush=True)
        if bad >= 80 or (args.max_minutes and minutes >= args.max_minutes):
            break
    model.load_state_dict(best_state)
    _, test_e, test_f = errors(te)
    print(f"test (best epoch {best_epoch + 1} of {epoch + 1}): energy RMSE {test_e:.1f} meV, force RMSE {test_f:.1f} meV/A")
    print("SUMMARY_JSON " + json.dumps({
        "hippynn": hippynn.__version__, "data": split["data"], "train": len(tr), "validation": len(va), "test": len(te),
        "epochs_run": epoch + 1, "best_epoch": best_epoch + 1, "minutes": (time.perf_counter() - start) / 60,
        "test_energy_rmse_meV": test_e, "test_force_rmse_meV_per_A": test_f,
        "n_params": int(sum(p.numel() for p in model.parameters()))}))


if __name__ == "__main__":
    main()
