#!/usr/bin/env python3
"""Independent check of MetaMLIP's composite ANI-1x levels (needs h5py and numpy).

For every task of a suite built from an ANI-1x file whose metadata has "composite"
(e.g. "hf_tz.energy + mp2_tz.corr_energy"), recomputes from the ANI-1x file with h5py:
  - the conformations where both parts are finite (group, index) — must equal the task's;
  - each energy (sum of the parts in Ha, times 27.211386245988 eV/Ha, CODATA 2018) — must
    agree to 1e-9 relative;
  - no forces.
Also lists the composites h5py finds (hf_<b>.energy + <m>_<b>.corr_energy in a group
whose file stores no <m>_<b>.energy) and requires the suite to have exactly those.

    metamlip data build RECIPE.yaml -o suite.h5   # a recipe with the ani1x-hdf5 source
    python3 scripts/ani1x_composite_check.py ../shared/datasets/ani-hdf5/ani1_n5.hdf5 suite.h5

Exit status 0 when everything agrees, 1 otherwise.
"""
import json
import sys

import h5py
import numpy as np

HARTREE = 27.211386245988  # eV, CODATA 2018


def expected_composites(ani):
    """level -> (formula, {(group, index): energy in eV}) straight from the file."""
    stored = {k[: -len(".energy")] for g in ani.values() for k in g if k.endswith(".energy")}
    levels = {}
    for name, group in ani.items():
        for key in group:
            if not key.endswith(".corr_energy"):
                continue
            level = key[: -len(".corr_energy")]
            method, _, basis = level.rpartition("_")
            hf = f"hf_{basis}.energy"
            if not method or level in stored or hf not in group:
                continue
            formula, energies = levels.setdefault(level, (f"{hf} + {key}", {}))
            total = (group[hf][()].astype(np.float64) + group[key][()].astype(np.float64)) * HARTREE
            for i, e in enumerate(total):
                if np.isfinite(group[hf][i]) and np.isfinite(group[key][i]):
                    energies[(f"/{name}", str(i))] = float(e)
    return levels


def main(ani_path, suite_path):
    failures = 0
    with h5py.File(ani_path, "r") as ani, h5py.File(suite_path, "r") as suite:
        expected = expected_composites(ani)
        found = {}
        for task in suite["tasks"].values():
            metadata = json.loads(task.attrs["metadata"])
            if task.attrs["source_format"] != "ani1x-hdf5" or "composite" not in metadata:
                continue
            level = task.attrs["level_of_theory"]
            props = [json.loads(p) for p in task["properties"].asstr()[()]]
            found[level] = (metadata["composite"], {(p["group"], p["index"]): float(e)
                                                    for p, e in zip(props, task["energies"][()])},
                            int(task.attrs["force_count"]))
        if sorted(found) != sorted(expected):
            print(f"levels differ: suite {sorted(found)}, h5py {sorted(expected)}")
            failures += 1
        for level, (formula, energies) in sorted(expected.items()):
            if level not in found:
                continue
            got_formula, got, forces = found[level]
            worst = max((abs(got[k] - e) / abs(e) for k, e in energies.items() if k in got), default=0.0)
            ok = got_formula == formula and set(got) == set(energies) and worst <= 1e-9 and forces == 0
            failures += not ok
            print(f"{'ok ' if ok else 'BAD'} {level:18} {formula:42} {len(got)} of {len(energies)} conformations, "
                  f"max rel. diff {worst:.1e}, forces {forces}")
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
