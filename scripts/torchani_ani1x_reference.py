"""TorchANI reference energies and forces of the ANI-1x 8-network ensemble on 3BPA frames.

Used by Tests/TrainingTests/ANI1xImportTests.swift (parity of `metamlip model import-ani1x`).

Setup (the wheel is MIT-licensed; its resources hold the trained NeuroChem networks):

    pip download --no-deps torchani==2.2.4 -d wheels && unzip -q wheels/torchani-2.2.4-py3-none-any.whl -d wheels/torchani
    pip install torch --index-url https://download.pytorch.org/whl/cpu --extra-index-url https://pypi.org/simple
    pip install --no-deps wheels/torchani-2.2.4-py3-none-any.whl && pip install lark-parser requests "setuptools<81"

Run:

    python3 scripts/torchani_ani1x_reference.py wheels/torchani/torchani/resources/ani-1x_8x \
        ../shared/datasets/3bpa/train_300K.xyz 0 1 2

The ensemble is built from the resource directory with TorchANI's own NeuroChem loader
(`torchani.neurochem.Constants`, `load_sae`, `load_model_ensemble`), as `torchani.models.ANI1x`
builds it, but from the given directory (the wheel's `ani-1x_8x.info` is empty, so the builtin
would download the model zoo instead). Everything is converted to float64; energies are
Hartree × `torchani.units.HARTREE_TO_EV`, forces −∂E/∂R in eV/Å.

Prints one JSON object: {"hartree_to_ev", "members", "frames": [{"index", "energies": [member
energies, eV], "forces": [member forces, [A][3] eV/Å], "mean_energy", "mean_forces"}]}.
"""
import glob
import json
import os
import sys
import warnings

warnings.filterwarnings("ignore")
os.environ.setdefault("TORCHANI_NO_WARN_EXTENSIONS", "1")

import torch  # noqa: E402
import torchani  # noqa: E402
from torchani import neurochem  # noqa: E402
from torchani.units import HARTREE_TO_EV  # noqa: E402


def read_frames(path, wanted):
    """The symbols and positions (Å) of the wanted frames of an extended XYZ file."""
    frames, k = {}, 0
    with open(path) as f:
        while True:
            line = f.readline()
            if not line.strip():
                break
            n = int(line)
            f.readline()
            rows = [f.readline().split() for _ in range(n)]
            if k in wanted:
                frames[k] = ([r[0] for r in rows], [[float(v) for v in r[1:4]] for r in rows])
            k += 1
    missing = sorted(set(wanted) - set(frames))
    if missing:
        sys.exit(f"{path}: frames {missing} not in the file ({k} frames)")
    return frames


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    directory, xyz = sys.argv[1], sys.argv[2]
    wanted = [int(a) for a in sys.argv[3:]]
    params = glob.glob(os.path.join(directory, "*.params"))
    if len(params) != 1:
        sys.exit(f"{directory}: expected one *.params file, found {params}")
    members = 0
    while os.path.isdir(os.path.join(directory, f"train{members}")):
        members += 1
    consts = neurochem.Constants(params[0])
    aev = torchani.AEVComputer(**consts).double()
    shifter = neurochem.load_sae(os.path.join(directory, "sae_linfit.dat")).double()
    ensemble = neurochem.load_model_ensemble(consts.species, os.path.join(directory, "train"), members).double()
    index = {s: i for i, s in enumerate(consts.species)}

    out = {"hartree_to_ev": HARTREE_TO_EV, "members": members, "torch": torch.__version__,
           "torchani": torchani.__version__, "frames": []}
    for k, (symbols, xyz_) in sorted(read_frames(xyz, wanted).items()):
        species = torch.tensor([[index[s] for s in symbols]])
        energies, forces = [], []
        for model in ensemble:
            coords = torch.tensor([xyz_], dtype=torch.float64, requires_grad=True)
            _, features = aev((species, coords))
            _, e = shifter(model((species, features)))
            e = e.sum() * HARTREE_TO_EV
            (g,) = torch.autograd.grad(e, coords)
            energies.append(float(e))
            forces.append((-g[0]).tolist())
        mean_forces = torch.tensor(forces).mean(0).tolist()
        out["frames"].append({"index": k, "energies": energies, "forces": forces,
                              "mean_energy": sum(energies) / len(energies), "mean_forces": mean_forces})
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
