"""`metamlip serve` as an i-PI client of ASE's socket server (run by the Swift test
Tests/MetaMLIPCTests/SocketDriverTests.swift).

    python3 test_socket.py METAMLIP LIBRARY MODEL STRUCTURE SOCKET_NAME [SI_MODEL SI_CELL]

Starts `METAMLIP serve MODEL STRUCTURE --unix SOCKET_NAME`, drives it with ASE's
SocketIOCalculator (the i-PI protocol over /tmp/ipi_SOCKET_NAME), compares energies and forces
with the metamlip Python calculator on LIBRARY (the same model in-process) along 20 steps of
VelocityVerlet, and checks that the client stops cleanly. Energies cross the socket in Hartree:
ASE converts with CODATA 2014 and MetaMLIP with CODATA 2018, so total energies agree to
~1e-8 relative (1.5e-4 eV on 3BPA's -17,660 eV), forces to ~1e-7 eV/Å. With SI_MODEL and
SI_CELL (a periodic cell), also serves the periodic cell and compares energy, forces and ASE's
stress (from the virial the client sends) with the in-process calculator as the cell is
strained and the atoms rattled.
"""
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from ase import units
from ase.calculators.socketio import SocketIOCalculator
from ase.io import read
from ase.md.velocitydistribution import MaxwellBoltzmannDistribution
from ase.md.verlet import VelocityVerlet

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import metamlip  # noqa: E402

RELATIVE_ENERGY = 2e-8  # the two CODATA Hartree values differ by 8.3e-9 relative
FORCE = 1e-6            # eV/Å
# Stress relative to its largest component: the Hartree and Bohr of both CODATA sets also
# rescale the cell and positions, which moves σ by its strain derivative (measured 1.8e-8).
RELATIVE_STRESS = 1e-7


def main(executable, library, model, structure, name):
    atoms = read(structure, index=0)
    MaxwellBoltzmannDistribution(atoms, temperature_K=300, rng=np.random.default_rng(0))
    local = metamlip.Calculator(model, library=library)
    client = subprocess.Popen([executable, "serve", model, structure, "--unix", name, "--wait", "30"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    worst_e = worst_f = 0.0
    t0 = time.time()
    with SocketIOCalculator(unixsocket=name, timeout=60) as calc:
        atoms.calc = calc
        dyn = VelocityVerlet(atoms, 0.5 * units.fs)

        def compare():
            nonlocal worst_e, worst_f
            here = atoms.copy()
            here.calc = local
            e, f = atoms.get_potential_energy(), atoms.get_forces()
            worst_e = max(worst_e, abs(e - here.get_potential_energy()) / abs(e))
            worst_f = max(worst_f, np.abs(f - here.get_forces()).max())

        dyn.attach(compare, interval=1)
        totals = []
        dyn.attach(lambda: totals.append(atoms.get_total_energy()), interval=1)
        dyn.run(20)
    output, _ = client.communicate(timeout=60)
    print(f"21 socket evaluations in {time.time() - t0:.1f} s; largest relative energy difference {worst_e:.2e}, "
          f"largest force difference {worst_f:.2e} eV/Å; NVE total energy spread {max(totals) - min(totals):.2e} eV")
    print(output.strip())
    assert client.returncode == 0, client.returncode
    assert "connected to /tmp/ipi_" + name in output and "after 21 force evaluations" in output, output
    assert worst_e < RELATIVE_ENERGY, worst_e
    assert worst_f < FORCE, worst_f
    print("all checks passed")


def periodic(executable, library, model, structure, name):
    atoms = read(structure, index=0)
    assert atoms.pbc.all()
    local = metamlip.Calculator(model, library=library)
    client = subprocess.Popen([executable, "serve", model, structure, "--unix", name, "--wait", "30"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    worst_e = worst_f = worst_s = 0.0
    with SocketIOCalculator(unixsocket=name, timeout=60) as calc:
        atoms.calc = calc
        cell = atoms.cell.array.copy()
        for k, strain in enumerate([0.0, 0.01, -0.02]):
            atoms.set_cell(cell @ (np.eye(3) + strain * np.array([[1, 0.3, 0], [0.3, -0.5, 0.2], [0, 0.2, 0.8]])),
                           scale_atoms=True)
            atoms.rattle(stdev=0.01, seed=k)
            here = atoms.copy()
            here.calc = local
            e, f, sigma = atoms.get_potential_energy(), atoms.get_forces(), atoms.get_stress()
            reference = here.get_stress()
            worst_e = max(worst_e, abs(e - here.get_potential_energy()) / abs(e))
            worst_f = max(worst_f, np.abs(f - here.get_forces()).max())
            worst_s = max(worst_s, np.abs(sigma - reference).max() / np.abs(reference).max())
    output, _ = client.communicate(timeout=60)
    print(f"periodic cell ({len(atoms)} atoms), 3 strained cells over the socket: largest relative energy difference "
          f"{worst_e:.2e}, force difference {worst_f:.2e} eV/Å, relative stress difference {worst_s:.2e}")
    print(output.strip())
    assert client.returncode == 0, client.returncode
    assert "periodic (pbc T T T) with virial" in output, output
    assert worst_e < RELATIVE_ENERGY and worst_f < FORCE and worst_s < RELATIVE_STRESS, (worst_e, worst_f, worst_s)


if __name__ == "__main__":
    if len(sys.argv) == 8:
        periodic(sys.argv[1], sys.argv[2], sys.argv[6], sys.argv[7], sys.argv[5] + "-periodic")
    main(*sys.argv[1:6])
