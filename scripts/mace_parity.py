#!/usr/bin/env python3
"""MACE parity fixture: small mace-torch models with random weights, their weights under
MetaMLIP's parameter names, and their energies and forces on real 3BPA and ethanol frames (one ethanol in a periodic cell).

    python scripts/mace_parity.py [-o Tests/PotentialsTests/Fixtures/mace_parity.json]

needs mace-torch (pip install mace-torch; tested with 0.3.16, e3nn 0.4.4), torch and ase.
`MACEParityTests` loads the file into `MACEPotential` and matches energies and forces to
1e-5 relative in Float64; `MACEMathTests` checks the spherical harmonics, Wigner 3j
symbols and coupling bases against the e3nn values stored beside them.

The models are what `mace run_train --model MACE` builds (`ScaleShiftMACE`, first layer a
`RealAgnosticInteractionBlock`, then `RealAgnosticResidualInteractionBlock`), in float64,
for elements H C N O, r_max 5 Å, 8 Bessel functions, p = 5, correlation 3, 2 interactions,
8 channels, a radial MLP [16, 16, 16] (mace's default is [64, 64, 64]; smaller keeps the
file small), readout MLP 16x0e, avg_num_neighbors 14.5, scale 1.3, shift 0.1:
"medium" hidden irreps 8x0e+8x1o with max_ell 3, "small" 8x0e with max_ell 2. Weights are
mace's random initialisation rounded to 6 significant digits (so the JSON is short and
both sides use identical numbers).

Weight names (mace-torch → MetaMLIP, shapes with N species, F channels; e3nn flattens each
instruction's weights row-major in instruction order):
    node_embedding.linear.weight [N·F]                  → embedding/W [N, F]
    interactions.t.linear_up.weight (per input irrep)   → int<t>/up/<ir> [F, F]
    interactions.t.conv_tp_weights.layer<k>.weight      → int<t>/radial/W<k> [in, out]
    interactions.t.linear.weight (per tp path, [F, F])  → int<t>/linear/<ir> [n_paths(ir)·F, F],
                                                          the paths into message irrep ir stacked
    interactions.t.skip_tp.weight (per irrep, [F,N,F′]) → int<t>/skip/<ir> [N, F, F′] (axes 0, 1 swapped)
    products.t.symmetric_contractions.contractions.c.weights_max / weights.0 / weights.1
                                                        → prod<t>/<ir_c>/w3, w2, w1 [N, K_ν, F]
    products.t.linear.weight (per irrep)                → prod<t>/linear/<ir> [F, F]
    readouts.t.linear.weight [F] (t < L−1)              → readout<t>/W [F, 1]
    readouts.L−1.linear_1.weight / linear_2.weight      → readout<L−1>/W1 [F, 16], W2 [16, 1]
    atomic_energies_fn.atomic_energies                  → the model's self-energies
"""
import argparse
import json
import math
import os
import sys

import numpy as np
import torch

torch.serialization.add_safe_globals([slice])   # e3nn 0.4.4 loads its constants with torch.load
torch.set_default_dtype(torch.float64)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.environ.get("METAMLIP_DATA", os.path.join(os.path.dirname(REPO), "shared", "datasets"))
SPECIES = [1, 6, 7, 8]
E0 = [-13.587222780835477, -1029.4889999855063, -1484.9814568572233, -2041.9816003861047]


def rounded(x, digits=6):
    return float(f"{x:.{digits}g}")


def build(hidden, max_ell):
    from e3nn import o3
    from mace import modules
    torch.manual_seed(7 if max_ell == 3 else 11)
    model = modules.ScaleShiftMACE(
        r_max=5.0, num_bessel=8, num_polynomial_cutoff=5, max_ell=max_ell,
        interaction_cls=modules.interaction_classes["RealAgnosticResidualInteractionBlock"],
        interaction_cls_first=modules.interaction_classes["RealAgnosticInteractionBlock"],
        num_interactions=2, num_elements=len(SPECIES), hidden_irreps=o3.Irreps(hidden),
        MLP_irreps=o3.Irreps("16x0e"), atomic_energies=np.array(E0), avg_num_neighbors=14.5,
        atomic_numbers=SPECIES, correlation=3, gate=torch.nn.functional.silu, radial_MLP=[16, 16, 16],
        atomic_inter_scale=1.3, atomic_inter_shift=0.1)
    with torch.no_grad():
        for p in model.parameters():
            if p.requires_grad:
                p.copy_(torch.tensor(np.vectorize(rounded)(p.detach().numpy())))
    return model


def linear_blocks(lin):
    """e3nn o3.Linear → [(irrep in, irrep out, weight [mul_in, mul_out])] in instruction order."""
    out, offset = [], 0
    w = lin.weight.detach().numpy()
    for ins in lin.instructions:
        n = int(np.prod(ins.path_shape))
        block = w[offset:offset + n].reshape(ins.path_shape)
        offset += n
        mul_in = lin.irreps_in[ins.i_in].mul
        assert abs(ins.path_weight - 1 / math.sqrt(sum(lin.irreps_in[i.i_in].mul for i in lin.instructions
                                                         if i.i_out == ins.i_out))) < 1e-12 or mul_in == 0
        out.append((str(lin.irreps_in[ins.i_in].ir), str(lin.irreps_out[ins.i_out].ir), block))
    assert offset == w.size
    return out


def export_weights(model):
    N = len(SPECIES)
    P = {}

    def put(name, array):
        assert name not in P, name
        P[name] = np.asarray(array, dtype=np.float64)

    put("embedding/W", model.node_embedding.linear.weight.detach().numpy().reshape(N, -1))
    paths = []
    for t, inter in enumerate(model.interactions):
        for ir_in, ir_out, w in linear_blocks(inter.linear_up):
            assert ir_in == ir_out
            put(f"int{t}/up/{ir_in}", w)
        for k, layer in enumerate(inter.conv_tp_weights):
            put(f"int{t}/radial/W{k}", layer.weight.detach().numpy())
        tp = inter.conv_tp
        layer_paths = []
        for ins in tp.instructions:
            a, b, c = tp.irreps_in1[ins.i_in1].ir, tp.irreps_in2[ins.i_in2].ir, tp.irreps_out[ins.i_out].ir
            assert ins.connection_mode == "uvu" and abs(ins.path_weight - math.sqrt(c.dim)) < 1e-12
            layer_paths.append(f"{a}x{b}->{c}")
        paths.append(layer_paths)
        stacked = {}
        for ir_in, ir_out, w in linear_blocks(inter.linear):
            stacked.setdefault(ir_out, []).append(w)
        for ir, ws in stacked.items():
            put(f"int{t}/linear/{ir}", np.concatenate(ws, axis=0))
        skip = inter.skip_tp
        w = skip.weight.detach().numpy()
        offset = 0
        for ins in skip.instructions:
            n = int(np.prod(ins.path_shape))
            block = w[offset:offset + n].reshape(ins.path_shape)            # [F, N, F']
            offset += n
            ir = skip.irreps_in1[ins.i_in1].ir
            assert skip.irreps_out[ins.i_out].ir == ir and ins.connection_mode == "uvw"
            put(f"int{t}/skip/{ir}", block.transpose(1, 0, 2))
        assert offset == w.size
    for t, prod in enumerate(model.products):
        sc = prod.symmetric_contractions
        for c, (mul_ir, contraction) in enumerate(zip(sc.irreps_out, sc.contractions)):
            corr = contraction.correlation
            ws = [contraction.weights_max] + list(contraction.weights)
            for i, w in enumerate(ws):
                nu = corr - i
                if contraction.U_tensors(nu).abs().max() == 0:
                    continue                                           # mace's zeroed (EmptyParam) order
                put(f"prod{t}/{mul_ir.ir}/w{nu}", w.detach().numpy())
        for ir_in, ir_out, w in linear_blocks(prod.linear):
            put(f"prod{t}/linear/{ir_in}", w)
    last = len(model.readouts) - 1
    for t, readout in enumerate(model.readouts):
        if t < last:
            put(f"readout{t}/W", readout.linear.weight.detach().numpy().reshape(-1, 1))
        else:
            put(f"readout{t}/W1", readout.linear_1.weight.detach().numpy().reshape(-1, readout.linear_2.irreps_in.dim))
            put(f"readout{t}/W2", readout.linear_2.weight.detach().numpy().reshape(-1, 1))
    return P, paths


def frames():
    import ase.io
    bpa = ase.io.read(os.path.join(DATA, "3bpa", "train_300K.xyz"), index="0:3")
    eth = ase.io.read(os.path.join(DATA, "ethanol", "botnet_pbe_def2svp_train.xyz"), index="0:2")
    # Periodic: the second ethanol frame in a small triclinic cell, so atoms see images of
    # themselves and of each other within the cutoff (checks the edge-shift convention).
    box = eth[1].copy()
    box.set_cell([[6.5, 0.0, 0.0], [0.8, 6.2, 0.0], [-0.5, 0.6, 6.8]])
    box.set_pbc(True)
    box.wrap()
    return [("3bpa/train_300K.xyz", i, a) for i, a in enumerate(bpa)] + \
           [("ethanol/botnet_pbe_def2svp_train.xyz", i, a) for i, a in enumerate(eth)] + \
           [("ethanol/botnet_pbe_def2svp_train.xyz (frame 1 in a periodic triclinic cell)", 1, box)]


def evaluate(model, atoms_list):
    from mace import data as mace_data
    from mace.tools import torch_geometric, utils
    z_table = utils.AtomicNumberTable(SPECIES)
    ds = [mace_data.AtomicData.from_config(mace_data.config_from_atoms(a), z_table=z_table, cutoff=5.0)
          for a in atoms_list]
    batch = next(iter(torch_geometric.dataloader.DataLoader(ds, batch_size=len(ds), shuffle=False)))
    out = model(batch.to_dict(), compute_force=True)
    return out["energy"].detach().numpy(), out["forces"].detach().numpy(), batch


def reference_math():
    """e3nn's spherical harmonics, Wigner 3j symbols and mace's coupling bases."""
    from e3nn import o3
    from mace.tools.cg import U_matrix_real
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(6, 3))
    sh = o3.spherical_harmonics(o3.Irreps.spherical_harmonics(3), torch.tensor(vectors), normalize=True,
                                normalization="component").numpy()
    w3j = []
    for l1 in range(4):
        for l2 in range(4):
            for l3 in range(abs(l1 - l2), min(l1 + l2, 6) + 1):
                c = o3.wigner_3j(l1, l2, l3).numpy()
                w3j.append({"l": [l1, l2, l3], "values": [float(x) for x in c.flatten()]})
    coupling = []
    for out in ["0e", "1o"]:
        for nu in [1, 2, 3]:
            u = U_matrix_real("0e+1o+2e+3o", out, nu, use_cueq_cg=False, dtype=torch.float64)[-1].numpy()
            k = u.shape[-1]
            flat = u.reshape(-1, k)
            probe = np.cos(0.37 * np.arange(flat.shape[0]))
            coupling.append({"output": out, "correlation": nu, "paths": k,
                             "squares": [float(x) for x in (flat ** 2).sum(0)],
                             "probes": [float(x) for x in probe @ flat]})
    return {"vectors": vectors.tolist(), "harmonics": sh.tolist(), "wigner3j": w3j, "coupling": coupling}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-o", "--output", default=os.path.join(REPO, "Tests", "PotentialsTests", "Fixtures", "mace_parity.json"))
    args = ap.parse_args()
    import e3nn
    import mace
    from e3nn.math import normalize2mom
    fr = frames()
    models = []
    for name, hidden, max_ell in [("medium", "8x0e+8x1o", 3), ("small", "8x0e", 2)]:
        model = build(hidden, max_ell)
        P, paths = export_weights(model)
        n_mace = sum(p.numel() for p in model.parameters() if p.requires_grad and p.abs().sum() > 0)
        assert n_mace == sum(v.size for v in P.values()), (n_mace, sum(v.size for v in P.values()))
        energies, forces, batch = evaluate(model, [a for _, _, a in fr])
        ptr = batch.ptr.numpy()
        models.append({
            "name": name, "hidden_irreps": hidden,
            "architecture": {"kind": "mace", "species": SPECIES, "cutoff": 5.0, "radialBasis": 8, "envelopeExponent": 5,
                             "shDegree": max_ell, "channels": 8, "hiddenDegree": 1 if "1o" in hidden else 0,
                             "correlation": 3, "interactions": 2, "radialMLP": [16, 16, 16], "readoutWidth": 16,
                             "averageNeighbours": 14.5, "scale": 1.3, "shift": 0.1},
            "tensor_product_paths": paths,
            "parameters": [{"name": k, "shape": list(v.shape), "values": [float(x) for x in v.flatten()]} for k, v in P.items()],
            "energies": [float(e) for e in energies],
            "forces": [forces[ptr[i]:ptr[i + 1]].tolist() for i in range(len(fr))],
        })
    doc = {
        "description": "scripts/mace_parity.py: mace-torch ScaleShiftMACE with random weights; energies (eV) and forces (eV/Å)",
        "mace_torch": mace.__version__, "e3nn": e3nn.__version__, "torch": torch.__version__,
        "silu_normalisation": normalize2mom(torch.nn.functional.silu).cst,
        "self_energies": dict(zip([str(z) for z in SPECIES], E0)),
        "frames": [{"source": src, "index": i, "atomic_numbers": a.numbers.tolist(), "positions": a.positions.tolist(),
                    **({"cell": a.cell.array.tolist()} if a.pbc.any() else {})}
                   for src, i, a in fr],
        "models": models,
        "math": reference_math(),
    }
    os.makedirs(os.path.dirname(args.output), exist_ok=True)
    with open(args.output, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
    print(f"wrote {args.output} ({os.path.getsize(args.output) // 1024} KiB)")


if __name__ == "__main__":
    sys.exit(main())
