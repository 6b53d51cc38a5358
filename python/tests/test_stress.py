"""Stress of the metamlip ASE calculator on periodic cells (run by the Swift test
Tests/MetaMLIPCTests/PythonStressTests.swift, which builds the models and the predictions).

    python3 test_stress.py LIBRARY MODEL_A MODEL_B PREDICTED_A PREDICTED_AB PREDICTED_MOLECULES

LIBRARY: libmetamlip-c.so; MODEL_A, MODEL_B: Si model files; PREDICTED_A, PREDICTED_AB:
`metamlip predict` output of MODEL_A, and of the committee MODEL_A --with MODEL_B, on the mlearn
Si cells; PREDICTED_MOLECULES: `metamlip predict` output on molecules (no stress expected).
Checks the calculator's stress against ASE's finite-difference stress
(`calculate_numerical_stress`, ase.calculators.fd) on orthogonal, hexagonal and sheared triclinic cells, against
`metamlip predict`'s MetaMLIP_stress, the committee mean, and the refusals for structures that
are not periodic in all three directions. Exits non-zero (an AssertionError) on the first failed
check; prints the measured differences.
"""
import sys
from pathlib import Path

import numpy as np
from ase.calculators.calculator import PropertyNotImplementedError
from ase.io import read

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the package of this checkout
import metamlip  # noqa: E402

NUMERICAL = 1e-6     # relative to max |σ|: ASE's central difference (d = 1e-6) against the exact strain derivative
SAME_CODE = 1e-12    # eV/Å³: predict and the library evaluate the same Float64 model


def numerical_stress(atoms, d):
    """ASE's central-difference stress of the attached calculator (ase.calculators.fd in ASE ≥ 3.23,
    else the Calculator method)."""
    try:
        from ase.calculators.fd import calculate_numerical_stress
        return calculate_numerical_stress(atoms, eps=d)
    except ImportError:
        return atoms.calc.calculate_numerical_stress(atoms, d=d)


def sheared(atoms):
    """A triclinic copy: cell and positions under a general (non-symmetric) deformation."""
    copy = atoms.copy()
    deformation = np.eye(3) + np.array([[0.02, 0.07, -0.05], [0.03, -0.01, 0.06], [-0.04, 0.05, 0.01]])
    copy.set_cell(atoms.cell.array @ deformation, scale_atoms=True)
    copy.rattle(stdev=0.02, seed=4)
    return copy


def check_numerical(library, model_a, frames):
    calc = metamlip.Calculator(model_a, library=library)
    hexagonal = [a for a in frames if abs(a.cell.array[1, 0]) > 1e-3]
    orthogonal = [a for a in frames if np.abs(a.cell.array - np.diag(np.diag(a.cell.array))).max() < 1e-6]
    assert hexagonal and orthogonal, (len(hexagonal), len(orthogonal))
    chosen = [min(orthogonal, key=len), min(hexagonal, key=len)]
    chosen += [sheared(a) for a in chosen]
    worst = 0.0
    for atoms in chosen:
        atoms = atoms.copy()
        atoms.calc = calc
        stress = atoms.get_stress()
        scale = np.abs(stress).max()
        assert scale > 1e-4, stress  # a stressed cell, not a trivially zero check
        # The virial in results is -σV (3×3, symmetric).
        virial = calc.results["virial"]
        voigt = -np.array([virial[0, 0], virial[1, 1], virial[2, 2], virial[1, 2], virial[0, 2], virial[0, 1]])
        assert np.abs(voigt / atoms.get_volume() - stress).max() < 1e-12 + 1e-9 * scale
        numerical = numerical_stress(atoms, 1e-6)
        error = np.abs(stress - numerical).max() / scale
        worst = max(worst, error)
        assert error < NUMERICAL, (atoms.cell.cellpar(), stress, numerical)
    print(f"{len(chosen)} cells (orthogonal, hexagonal, two sheared triclinic): max |σ − σ_numerical| / max |σ| = {worst:.2e}")


def check_predict(library, model_a, model_b, predicted_a, predicted_ab):
    single, pair = read(predicted_a, index=":"), read(predicted_ab, index=":")
    assert len(single) == len(pair) > 0
    calc = metamlip.Calculator(model_a, library=library)
    committee = metamlip.Calculator([model_a, model_b], library=library)
    member_b = metamlip.Calculator(model_b, library=library)
    worst = worst_pair = worst_mean = 0.0
    for a, ab in zip(single[:12], pair[:12]):
        assert a.pbc.all() and "MetaMLIP_stress" in a.info and "MetaMLIP_stress" in ab.info, a.info.keys()
        atoms = a.copy()
        atoms.calc = calc
        worst = max(worst, np.abs(atoms.get_stress() - np.asarray(a.info["MetaMLIP_stress"])).max())
        first = atoms.get_stress()
        atoms.calc = member_b
        second = atoms.get_stress()
        atoms.calc = committee
        mean = atoms.get_stress()
        worst_pair = max(worst_pair, np.abs(mean - np.asarray(ab.info["MetaMLIP_stress"])).max())
        worst_mean = max(worst_mean, np.abs(mean - (first + second) / 2).max())
    print(f"metamlip predict MetaMLIP_stress vs the calculator: max |dσ| {worst:.2e} (one model), "
          f"{worst_pair:.2e} (committee) eV/A^3; committee vs mean of members {worst_mean:.2e} eV/A^3")
    assert worst < SAME_CODE and worst_pair < SAME_CODE and worst_mean < SAME_CODE, (worst, worst_pair, worst_mean)


def check_refusals(library, model_a, frames, predicted_molecules):
    molecules = read(predicted_molecules, index=":")
    assert molecules and all("MetaMLIP_stress" not in m.info for m in molecules)
    calc = metamlip.Calculator(model_a, library=library)
    slab = frames[0].copy()
    slab.pbc = [True, True, False]
    slab.calc = calc
    slab.get_potential_energy()  # energy and forces of a slab are fine
    try:
        slab.get_stress()
        raise AssertionError("a slab got a stress")
    except PropertyNotImplementedError as error:
        assert "not periodic in all three directions" in str(error), error
    model = metamlip.Model(model_a, library=library)
    try:
        model.evaluate(slab.numbers, slab.positions, cell=slab.cell.array, pbc=slab.pbc, stress=True)
        raise AssertionError("the library gave a slab a stress")
    except metamlip.NotPeriodicError as error:
        assert error.code == 8 and "pbc T T F" in error.message, error.message
    virial = model.evaluate(slab.numbers, slab.positions, cell=slab.cell.array, pbc=slab.pbc, virial=True)["virial"]
    assert virial.shape == (3, 3) and np.isfinite(virial).all()
    print(f"{len(molecules)} molecule frames without MetaMLIP_stress; a slab (pbc T T F) refused a stress, with a virial")


def main(library, model_a, model_b, predicted_a, predicted_ab, predicted_molecules):
    frames = read(predicted_a, index=":")
    check_numerical(library, model_a, frames)
    check_predict(library, model_a, model_b, predicted_a, predicted_ab)
    check_refusals(library, model_a, frames, predicted_molecules)
    print("all checks passed")


if __name__ == "__main__":
    if len(sys.argv) != 7:
        sys.exit(__doc__)
    main(*sys.argv[1:])
