"""Checks of the metamlip Python package against `metamlip predict` (run by the Swift test
Tests/MetaMLIPCTests/PythonPackageTests.swift, which builds the models and the predictions).

    python3 test_calculator.py LIBRARY DATA MODEL_A MODEL_B PREDICTED_A PREDICTED_AB RELAXATION

LIBRARY: libmetamlip-c.so; DATA: extended XYZ with reference labels; MODEL_A, MODEL_B: model
files; PREDICTED_A, PREDICTED_AB: `metamlip predict` output of MODEL_A on DATA, and of the
committee MODEL_A --with MODEL_B; RELAXATION: the trajectory of `metamlip optimize MODEL_A DATA
--optimizer bfgs` (ASE's algorithm and defaults: maxstep 0.2 Å, H0 = 70 eV/Å²). Exits non-zero (an AssertionError) on the first failed check;
prints the measured differences and the cost per call.
"""
import os
import sys
import time
from pathlib import Path

import numpy as np
from ase.io import read
from ase.md.velocitydistribution import MaxwellBoltzmannDistribution, Stationary
from ase.md.verlet import VelocityVerlet
from ase.optimize import BFGS
from ase import units

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the package of this checkout
import metamlip  # noqa: E402

TOLERANCE_ENERGY = 1e-6  # eV: both sides evaluate in Float64 and the file round-trips doubles exactly
TOLERANCE_FORCE = 1e-6   # eV/Å


def check_predictions(library, data, model_a, model_b, predicted_a, predicted_ab):
    references = read(data, index=":")
    single = read(predicted_a, index=":")
    pair = read(predicted_ab, index=":")
    assert len(single) == len(references) == len(pair), (len(single), len(references), len(pair))
    calc = metamlip.Calculator(model_a, library=library)
    committee = metamlip.Calculator([model_a, model_b], library=library)
    assert "energy_std" in committee.implemented_properties and "energy_std" not in calc.implemented_properties
    de = df = dstd = dfstd = 0.0
    for reference, a, ab in zip(references, single, pair):
        # The reference labels are kept (as the SinglePointCalculator's energy and forces).
        assert abs(a.get_potential_energy() - reference.get_potential_energy()) < 1e-9
        assert np.abs(a.get_forces() - reference.get_forces()).max() < 1e-9
        assert np.allclose(a.positions, reference.positions, atol=0, rtol=0)
        atoms = reference.copy()
        atoms.calc = calc
        de = max(de, abs(atoms.get_potential_energy() - a.info["MetaMLIP_energy"]))
        df = max(df, np.abs(atoms.get_forces() - a.arrays["MetaMLIP_forces"]).max())
        atoms.calc = committee
        e = atoms.get_potential_energy()
        de = max(de, abs(e - ab.info["MetaMLIP_energy"]))
        df = max(df, np.abs(atoms.get_forces() - ab.arrays["MetaMLIP_forces"]).max())
        dstd = max(dstd, abs(committee.results["energy_std"] - ab.info["MetaMLIP_energy_std"]))
        dfstd = max(dfstd, np.abs(committee.results["forces_std"] - ab.arrays["MetaMLIP_forces_std"]).max())
        assert committee.results["energy_std"] > 0
    print(f"{len(references)} frames: max |dE| {de:.3g} eV, max |dF| {df:.3g} eV/A, "
          f"max |d energy_std| {dstd:.3g} eV, max |d forces_std| {dfstd:.3g} eV/A (Python vs metamlip predict)")
    assert de < TOLERANCE_ENERGY and dstd < TOLERANCE_ENERGY, (de, dstd)
    assert df < TOLERANCE_FORCE and dfstd < TOLERANCE_FORCE, (df, dfstd)


def check_cost(library, data, model_a):
    atoms = read(data, index="0")
    atoms.calc = metamlip.Calculator(model_a, library=library)
    atoms.get_potential_energy()
    calls = 20
    t0 = time.perf_counter()
    for k in range(calls):
        atoms.positions[0, 0] += 1e-4 * (-1) ** k  # a new structure each call (no cached result)
        atoms.get_forces()
    seconds = (time.perf_counter() - t0) / calls
    print(f"cost per call (energy + forces, {len(atoms)} atoms, library {Path(library).parent.name}): {1000 * seconds:.2f} ms")


def check_md_and_bfgs(library, data, model_a, relaxation):
    atoms = read(data, index="0")
    atoms.calc = metamlip.Calculator(model_a, library=library)
    MaxwellBoltzmannDistribution(atoms, temperature_K=300, rng=np.random.default_rng(1))
    Stationary(atoms)
    start = atoms.get_total_energy()
    dynamics = VelocityVerlet(atoms, timestep=0.5 * units.fs)
    totals = []
    dynamics.attach(lambda: totals.append(atoms.get_total_energy()), interval=1)
    dynamics.run(20)
    drift = max(abs(e - start) for e in totals)
    print(f"VelocityVerlet 20 steps of 0.5 fs: max |E_tot - E_tot(0)| {1000 * drift:.3f} meV")
    assert len(totals) == 21 and drift < 0.05, drift

    # ASE's BFGS through the calculator retraces `metamlip optimize --optimizer bfgs` step by step.
    reference = [frame.get_potential_energy() for frame in read(relaxation, index=":")]
    atoms = read(data, index="0")
    atoms.calc = metamlip.Calculator(model_a, library=library)
    optimizer = BFGS(atoms, maxstep=0.2, alpha=70.0, logfile=None)
    energies = []
    optimizer.attach(lambda: energies.append(atoms.get_potential_energy()), interval=1)
    optimizer.run(fmax=1e-3, steps=len(reference) - 1)
    assert len(energies) == len(reference), (len(energies), len(reference))
    deviation = max(abs(a - b) for a, b in zip(energies, reference))
    print(f"BFGS: {len(energies) - 1} steps, E {energies[0]:.6f} -> {energies[-1]:.6f} eV; "
          f"max |E_ASE - E_metamlip optimize| {deviation:.3g} eV")
    assert energies[-1] < energies[0] and deviation < 1e-6, (energies, reference)


def check_errors(library, data, model_a):
    try:
        metamlip.Calculator("/nonexistent/model.json", library=library)
        raise AssertionError("a missing model file was accepted")
    except metamlip.ModelFileError as error:
        assert "/nonexistent/model.json" in str(error) and "does not exist" in str(error), error
    atoms = read(data, index="0")
    atoms.calc = metamlip.Calculator(model_a, library=library)
    atoms.numbers[3] = 17  # chlorine: not in the model
    try:
        atoms.get_potential_energy()
        raise AssertionError("an element the model lacks was accepted")
    except metamlip.InputError as error:
        assert "atom 3" in str(error) and "Cl" in str(error), error
    atoms = read(data, index="0")
    atoms.calc = metamlip.Calculator(model_a, library=library)
    atoms.positions[2, 1] = np.nan
    try:
        atoms.get_forces()
        raise AssertionError("a NaN position was accepted")
    except metamlip.InputError as error:
        assert "atom 2 is not finite" in str(error), error
    # The library is found through $METAMLIP_LIBRARY when no argument names it.
    os.environ["METAMLIP_LIBRARY"] = str(library)
    assert metamlip.find_library() == Path(library)
    assert metamlip.Model(model_a).elements == [1, 6, 7, 8]
    os.environ["METAMLIP_LIBRARY"] = "/nonexistent/libmetamlip-c.so"
    try:
        metamlip.Model(model_a)
        raise AssertionError("a missing library was accepted")
    except FileNotFoundError as error:
        assert "METAMLIP_LIBRARY" in str(error), error
    del os.environ["METAMLIP_LIBRARY"]


def main(arguments):
    library, data, model_a, model_b, predicted_a, predicted_ab, relaxation = arguments
    print(f"libmetamlip-c {metamlip.library_version(library)} from {library}")
    check_predictions(library, data, model_a, model_b, predicted_a, predicted_ab)
    check_cost(library, data, model_a)
    check_md_and_bfgs(library, data, model_a, relaxation)
    check_errors(library, data, model_a)
    print("all checks passed")


if __name__ == "__main__":
    if len(sys.argv) != 8:
        sys.exit(__doc__)
    main(sys.argv[1:])
