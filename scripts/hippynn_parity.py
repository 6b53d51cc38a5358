#!/usr/bin/env python3
"""HIP-NN parity: a MetaMLIP HIP-NN model file evaluated by hippynn with the same weights.

Loads a `*.model.json` of kind hipnn (plain or `resnet`), builds lanl/hippynn's
`networks.Hipnn` + `targets.HEnergyNode` + `physics.GradientNode` with the same sizes,
copies every weight (MetaMLIP stores x·W with W `[in, out]`; torch `Linear` stores
`[out, in]`; the interaction tensor `Wsens[ν·F_in + f, o]` is hippynn's
`int_weights[ν, o, f]`; MetaMLIP stores inverse centres 1/μ), puts the self-energies into
hippynn's layer-0 readout (its E0), and compares total energies (eV) and forces (eV/Å) in
float64 with `metamlip predict MODEL DATA -o OUT.xyz` (`MetaMLIP_energy`, `MetaMLIP_forces`).

    metamlip predict model.json data.xyz -o pred.xyz
    python scripts/hippynn_parity.py model.json pred.xyz          # needs torch, hippynn, ase

Prints the largest energy and force differences and exits 1 when they exceed the
tolerances (float32 MetaMLIP against float64 hippynn: 2e-4 eV/atom·atoms, 1e-3 eV/Å).
"""
import argparse
import json
import sys

import numpy as np
import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("predicted", help="extended XYZ from `metamlip predict`")
    ap.add_argument("--max", type=int, default=10, help="structures to compare")
    args = ap.parse_args()
    torch.set_default_dtype(torch.float64)
    import ase.io
    from hippynn.graphs import inputs, networks, targets, physics, GraphModule

    m = json.load(open(args.model))
    a = m["architecture"]
    assert a["kind"] == "hipnn", a["kind"]
    p = {t["name"]: np.array(t["values"], dtype=np.float64).reshape(t["shape"]) for t in m["parameters"]}
    species = a["species"]
    resnet = bool(a.get("resnet", False))
    params = dict(possible_species=[0, *species], n_features=a["width"], n_sensitivities=a["sensitivities"],
                  dist_soft_min=a["softMin"], dist_soft_max=a["softMax"], dist_hard_max=a["cutoff"],
                  n_interaction_layers=a["interactions"], n_atom_layers=a["atomLayers"], resnet=resnet)
    Z = inputs.SpeciesNode(db_name="Z")
    R = inputs.PositionsNode(db_name="R")
    net = networks.Hipnn("net", (Z, R), module_kwargs=params)
    hen = targets.HEnergyNode("E", net)
    force = physics.GradientNode("F", (hen.mol_energy, R), sign=-1)
    model = GraphModule([Z, R], [hen.mol_energy, force])

    def T(x):
        return torch.tensor(x)

    def linear(lin, prefix):
        lin.weight.data = T(p[prefix + "W"].T.copy())
        lin.bias.data = T(p[prefix + "b"].copy())

    mod = net.torch_module
    nu = a["sensitivities"]
    with torch.no_grad():
        for l, block in enumerate(mod.blocks):
            inter = block[0].base_layer if resnet else block[0]
            fin = inter.nf_in
            inter.sensitivity.mu.data = T(1 / p[f"int{l}/muInv"]).reshape(1, nu)
            inter.sensitivity.sigma.data = T(p[f"int{l}/sigma"]).reshape(1, nu)
            ws = p[f"int{l}/Wsens"].reshape(nu, fin, -1)                  # [ν, f, o]
            inter.int_weights.data = T(np.transpose(ws, (0, 2, 1)).copy())   # [ν, o, f]
            inter.selfint.weight.data = T(p[f"int{l}/Wself"].T.copy())
            inter.selfint.bias.data = T(p[f"int{l}/b"].copy())
            if resnet:
                linear(block[0].res_layer, f"int{l}/res/")
                if block[0].needs_size_adjust:
                    block[0].adjust_layer.weight.data = T(p[f"int{l}/adjust"].T.copy())
            for k, lay in enumerate(block[1:], start=1):
                base = lay.base_layer if resnet else lay
                linear(base, f"int{l}/atom{k}/")
                if resnet:
                    linear(lay.res_layer, f"int{l}/atom{k}/res/")
        e0 = p["readout0/w"][:, 0] + np.array([m["selfEnergies"]["energies"][str(z)] for z in species])
        hen.torch_module.layers[0].weight.data = T(e0.reshape(1, -1))
        for l in range(1, a["interactions"] + 1):
            hen.torch_module.layers[l].weight.data = T(p[f"readout{l}/w"].T.copy())
            hen.torch_module.layers[l].bias.data = T(p[f"readout{l}/b"].copy())

    frames = ase.io.read(args.predicted, index=f":{args.max}")
    de, df = 0.0, 0.0
    for at in frames:
        z = torch.tensor(at.numbers[None, :], dtype=torch.int64)
        r = torch.tensor(at.positions[None, :, :], requires_grad=True)
        e, f = model(z, r)
        ours_e = float(at.info["MetaMLIP_energy"])
        ours_f = np.asarray(at.arrays["MetaMLIP_forces"])
        de = max(de, abs(float(e.detach()) - ours_e))
        df = max(df, float(np.abs(f.detach().numpy()[0] - ours_f).max()))
    print(f"{len(frames)} structures, resnet={resnet}: max |ΔE| {de:.3e} eV, max |ΔF| {df:.3e} eV/Å")
    ok = de < 2e-4 * max(len(at) for at in frames) and df < 1e-3
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
