#!/usr/bin/env python3
"""DeepPot-SE parity fixture: deepmd-kit's `se_e2_a` energy model on real 3BPA and ethanol frames.

Builds two small `se_e2_a` + `ener` models with deepmd-kit's PyTorch backend (float64):

- `input_defaults`: the defaults of a `dp train` input file (deepmd's argcheck):
  `type_one_side: false` (one embedding network per (centre, neighbour) type pair),
  embedding `resnet_dt: false`, fitting `resnet_dt: true` (the "timestep" idt);
- `one_side_timestep`: `type_one_side: true` (one network per neighbour type, the Python
  class default) with `resnet_dt: true` in the embedding and false in the fitting, and a
  fitting net whose widths double (12 -> 24, deepmd's concatenated shortcut).

For each it computes the environment-matrix statistics (davg/dstd) with deepmd's own
`compute_input_stats` on the fixture frames, sets `out_bias` to the 3BPA isolated-atom energies
and `bias_atom_e` to small per-type offsets (both end up in MetaMLIP's self-energies), trains
the weights briefly (Adam on 3BPA energies and forces, so they leave their initial
distribution), and writes the model in deepmd-kit's native dict format (what
`dp convert-backend MODEL.pth MODEL.yaml` writes, arrays as {"@class": "np.ndarray", "value":
...}) together with its energies (eV) and forces (eV/Å) on 3BPA and ethanol frames.

    python3 scripts/deepmd_parity.py [--output Tests/PotentialsTests/Fixtures/deepmd_se_e2_a.json]

Needs deepmd-kit (pip install deepmd-kit) and torch. The deepmd-kit wheel's compiled operator
library is built against one torch version; its se_e2_a path needs none of those operators
(they serve model compression and LAMMPS), so with another torch the script runs deepmd-kit
as a source build without operators does (`ENABLE_CUSTOMIZED_OP = False`). The Swift test
(`DeepPotParityTests`) reads the fixture and matches energies and forces to 1e-5 relative.
"""
import argparse
import json
import os
import sys
import types
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
TYPE_MAP = ["H", "C", "N", "O"]


def import_deepmd():
    """deepmd-kit's PyTorch backend, without its compiled operators when they cannot load."""
    # e3nn 0.4 (pulled in by mace-torch in this environment) loads its constants with
    # torch.load, which torch >= 2.6 refuses unless `slice` is allowed.
    torch.serialization.add_safe_globals([slice])
    from deepmd.env import GLOBAL_CONFIG
    from packaging.version import Version

    if GLOBAL_CONFIG.get("pt_version") and GLOBAL_CONFIG["pt_version"] != Version(torch.__version__).public:
        print(f"deepmd-kit operators built for torch {GLOBAL_CONFIG['pt_version']}, running torch "
              f"{torch.__version__}: using deepmd-kit without compiled operators (not needed by se_e2_a)",
              file=sys.stderr)
        stub = types.ModuleType("deepmd.pt.cxx_op")
        stub.ENABLE_CUSTOMIZED_OP = False
        sys.modules["deepmd.pt.cxx_op"] = stub
    import deepmd
    from deepmd.pt.model.model import get_model
    return deepmd.__version__, get_model


def read_xyz(path, indices):
    """Symbols, positions (Å), energy (eV) and forces of the frames `indices` of an extended XYZ
    file with `Properties=species:S:1:pos:R:3:forces:R:3` and `energy=` (3BPA, ethanol)."""
    frames, wanted = [], set(indices)
    with open(path) as f:
        k = 0
        while True:
            line = f.readline()
            if not line:
                break
            n = int(line)
            comment = f.readline()
            rows = [f.readline().split() for _ in range(n)]
            if k in wanted:
                energy = float(comment.split("energy=")[1].split()[0])
                frames.append({
                    "index": k,
                    "symbols": [r[0] for r in rows],
                    "positions": [[float(x) for x in r[1:4]] for r in rows],
                    "reference_energy": energy,
                    "reference_forces": [[float(x) for x in r[4:7]] for r in rows],
                })
            k += 1
    assert len(frames) == len(indices), f"{path}: found {len(frames)} of {len(indices)} frames"
    return frames


def system_tensors(frames):
    coord = torch.tensor([f["positions"] for f in frames], dtype=torch.float64)
    atype = torch.tensor([[TYPE_MAP.index(s) for s in f["symbols"]] for f in frames], dtype=torch.long)
    return coord, atype


def native(obj):
    """deepmd's native-format dict (its YAML form) as JSON-ready Python objects."""
    if isinstance(obj, dict):
        return {k: native(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [native(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return {"@class": "np.ndarray", "@is_variable": True, "@version": 1, "dtype": obj.dtype.name,
                "value": obj.tolist()}
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def build(get_model, name, descriptor, fitting, systems, isolated, steps, seed):
    torch.manual_seed(seed)
    cfg = {"type_map": TYPE_MAP,
           "descriptor": {"type": "se_e2_a", "seed": seed, **descriptor},
           "fitting_net": {"seed": seed + 1, **fitting}}
    model = get_model(cfg).to(torch.float64)
    am = model.atomic_model
    # Environment statistics exactly as `dp train` computes them (deepmd's EnvMatStatSe).
    stat_data = [{"coord": c, "atype": a, "box": None,
                  "natoms": torch.tensor([[a.shape[1], a.shape[1]] + [int((a[0] == t).sum()) for t in range(len(TYPE_MAP))]] * a.shape[0])}
                 for c, a, _, _ in systems]
    am.descriptor.compute_input_stats(stat_data)
    with torch.no_grad():
        am.out_bias[0, :, 0] = torch.tensor([isolated[t] for t in TYPE_MAP], dtype=torch.float64)
        am.fitting_net.bias_atom_e[:, 0] = torch.tensor([0.11, -0.23, 0.05, 0.17], dtype=torch.float64)
    # A brief fit to 3BPA energies and forces, so the weights are not at their initialisation.
    coord, atype, energy, forces = systems[0]
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    for step in range(steps):
        opt.zero_grad()
        out = model(coord.reshape(coord.shape[0], -1), atype)
        e = out["energy"].reshape(-1)
        loss = ((e - energy) ** 2).mean() / atype.shape[1] ** 2 + ((out["force"] - forces) ** 2).mean()
        loss.backward()
        opt.step()
    print(f"{name}: trained {steps} steps, final loss {loss.item():.4g}", file=sys.stderr)
    result = []
    for c, a, _, _ in systems:
        out = model(c.reshape(c.shape[0], -1), a)
        result.append((out["energy"].detach().reshape(-1).tolist(), out["force"].detach().tolist()))
    return model, result


def neighbour_counts(frames, rcut):
    """Largest number of neighbours of each type within rcut over all atoms of `frames`."""
    most = [0] * len(TYPE_MAP)
    for f in frames:
        r = np.array(f["positions"])
        types_ = [TYPE_MAP.index(s) for s in f["symbols"]]
        d = np.linalg.norm(r[:, None] - r[None], axis=-1)
        for i in range(len(r)):
            counts = [0] * len(TYPE_MAP)
            for j in range(len(r)):
                if j != i and d[i, j] < rcut:
                    counts[types_[j]] += 1
            most = [max(m, c) for m, c in zip(most, counts)]
    return most


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--output", default=str(ROOT / "Tests/PotentialsTests/Fixtures/deepmd_se_e2_a.json"))
    ap.add_argument("--data", default=os.environ.get("METAMLIP_DATA", str(ROOT.parent / "shared/datasets")))
    ap.add_argument("--steps", type=int, default=60, help="Adam steps of the brief fit")
    args = ap.parse_args()
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)
    version, get_model = import_deepmd()
    data = Path(args.data)
    bpa = read_xyz(data / "3bpa/train_300K.xyz", [0, 97, 201, 333, 488])
    ethanol = read_xyz(data / "ethanol/botnet_pbe_def2svp_train.xyz", [0, 250, 500, 750, 999])
    isolated = {}
    with open(data / "3bpa/iso_atoms.xyz") as f:
        lines = f.read().split("\n")
        for k in range(0, len(lines) - 2, 3):
            isolated[lines[k + 2].split()[0]] = float(lines[k + 1].split("energy=")[1].split()[0])
    systems = []
    for frames in (bpa, ethanol):
        c, a = system_tensors(frames)
        systems.append((c, a, torch.tensor([f["reference_energy"] for f in frames]),
                        torch.tensor([f["reference_forces"] for f in frames])))
    rcut = 5.0
    sel = [12, 12, 3, 2]
    most = neighbour_counts(bpa + ethanol, rcut)
    assert all(m <= s for m, s in zip(most, sel)), f"sel {sel} below the largest neighbour counts {most}"
    variants = [
        ("input_defaults",
         {"sel": sel, "rcut": rcut, "rcut_smth": 1.0, "neuron": [4, 8, 16], "axis_neuron": 4,
          "type_one_side": False, "resnet_dt": False},
         {"neuron": [16, 16, 16], "resnet_dt": True}),
        ("one_side_timestep",
         {"sel": sel, "rcut": rcut, "rcut_smth": 2.5, "neuron": [3, 6, 12], "axis_neuron": 3,
          "type_one_side": True, "resnet_dt": True},
         {"neuron": [12, 24], "resnet_dt": False}),
    ]
    models = []
    for k, (name, descriptor, fitting) in enumerate(variants):
        model, result = build(get_model, name, descriptor, fitting, systems, isolated, args.steps, seed=11 + 7 * k)
        models.append({
            "name": name,
            "model": native(model.serialize()),
            "predictions": [{"molecule": mol, "energies": e, "forces": f}
                            for mol, (e, f) in zip(["3bpa", "ethanol"], result)],
        })
    for f in bpa + ethanol:
        del f["reference_energy"], f["reference_forces"]
    fixture = {
        "generator": "scripts/deepmd_parity.py",
        "deepmd_kit": version, "torch": torch.__version__,
        "units": "positions Å, energies eV, forces eV/Å",
        "largest_neighbour_counts": {"rcut": rcut, "counts": most, "type_map": TYPE_MAP},
        "frames": {"3bpa": {"file": "3bpa/train_300K.xyz", "frames": bpa},
                   "ethanol": {"file": "ethanol/botnet_pbe_def2svp_train.xyz", "frames": ethanol}},
        "models": models,
    }
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    with open(args.output, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
    print(f"wrote {args.output} ({os.path.getsize(args.output) // 1024} KB)", file=sys.stderr)


if __name__ == "__main__":
    main()
