"""ASE databases for ASEDatabaseReaderTests, written by ASE itself (ase.db.connect(...).write).

    python3 make_databases.py XYZ OUTDIR

XYZ: extended XYZ with energies and forces (3BPA frames). Writes into OUTDIR:
  molecules.db  the XYZ frames (SinglePointCalculator energy and forces, as ase.io.read gives them),
                then a periodic Si cell, a slab periodic in x and y, an energy-only row and an
                isolated H atom
  keyvalue.db   two water rows with key_value_pairs dft_energy (and calculator energy and forces)
  no_energy.db  a row without a calculator
  nan_energy.db a row whose energy is NaN (SQLite stores it as NULL)
  nan_forces.db a row whose forces hold a NaN
  short_blob.db a row whose forces blob was cut to 40 bytes (sqlite3 UPDATE)
  not_ase.db    an SQLite file without ASE's tables
  no_columns.db a table 'systems' without ASE's columns
  not_sqlite.db a text file
and prints the ids of the periodic rows as JSON.
"""
import json
import sqlite3
import sys
from pathlib import Path

import numpy as np
from ase import Atoms
from ase.build import bulk, fcc111
from ase.calculators.singlepoint import SinglePointCalculator
from ase.db import connect
from ase.io import read

xyz, out = sys.argv[1], Path(sys.argv[2])
rng = np.random.default_rng(7)

with connect(out / "molecules.db") as db:
    for atoms in read(xyz, index=":"):
        db.write(atoms)
    si = bulk("Si", cubic=True)
    si.calc = SinglePointCalculator(si, energy=-43.4, forces=rng.normal(size=(len(si), 3)))
    si_id = db.write(si)
    slab = fcc111("Al", size=(2, 2, 2), vacuum=5.0)
    slab.pbc = (True, True, False)
    slab.calc = SinglePointCalculator(slab, energy=-27.1, forces=rng.normal(size=(len(slab), 3)))
    slab_id = db.write(slab)
    water = Atoms("OH2", positions=[[0, 0, 0], [0.96, 0, 0], [-0.24, 0.93, 0]])
    water.calc = SinglePointCalculator(water, energy=-14.2)
    water_id = db.write(water)
    hydrogen = Atoms("H")
    hydrogen.calc = SinglePointCalculator(hydrogen, energy=-13.6)
    db.write(hydrogen)

water = Atoms("OH2", positions=[[0, 0, 0], [0.96, 0, 0], [-0.24, 0.93, 0]])
with connect(out / "keyvalue.db") as db:
    for k, stretch in enumerate([0.0, 0.05]):
        labelled = water.copy()
        labelled.positions[1, 0] += stretch
        labelled.calc = SinglePointCalculator(labelled, energy=-14.2 + k, forces=np.full((3, 3), 0.1 * (k + 1)))
        db.write(labelled, dft_energy=-2079.5 - k, note="key-value energy", converged=True)
with connect(out / "no_energy.db") as db:
    good = water.copy()
    good.calc = SinglePointCalculator(good, energy=-14.2)
    db.write(good)
    db.write(water.copy())  # id 2: no calculator
with connect(out / "nan_energy.db") as db:
    bad = water.copy()
    bad.calc = SinglePointCalculator(bad, energy=float("nan"), forces=np.zeros((3, 3)))
    db.write(bad)
with connect(out / "nan_forces.db") as db:
    bad = water.copy()
    forces = np.zeros((3, 3))
    forces[2, 1] = np.nan
    bad.calc = SinglePointCalculator(bad, energy=-14.2, forces=forces)
    db.write(bad)
with connect(out / "short_blob.db") as db:
    bad = water.copy()
    bad.calc = SinglePointCalculator(bad, energy=-14.2, forces=np.ones((3, 3)))
    db.write(bad)
with sqlite3.connect(out / "short_blob.db") as con:
    con.execute("UPDATE systems SET forces = substr(forces, 1, 40) WHERE id = 1")
with sqlite3.connect(out / "not_ase.db") as con:
    con.execute("CREATE TABLE molecules (name TEXT)")
with sqlite3.connect(out / "no_columns.db") as con:
    con.execute("CREATE TABLE systems (id INTEGER PRIMARY KEY, numbers BLOB, positions BLOB)")
(out / "not_sqlite.db").write_text("energy = -1.0\n")
print(json.dumps({"si": si_id, "slab": slab_id, "water": water_id}))
