"""MetaMLIP models in LAMMPS through ``fix external`` in ``pf/callback`` mode (LAMMPS's Python module).

    from lammps import lammps
    from metamlip.lammps import FixExternalDriver

    lmp = lammps()
    lmp.commands_string('''
        units metal
        atom_style atomic
        boundary p p p                       # or f f f for a molecule, or mixed (p p f)
        read_data silicon.data
        fix mlip all external pf/callback 1 1
        fix_modify mlip energy yes virial yes
        fix nve all nve
    ''')
    driver = FixExternalDriver(lmp, "mlip", "model.json", elements=["Si"])  # type 1 is Si, …
    driver.run(1000)             # `run 1000`, then raises the first error the callback met

LAMMPS calls the driver every step (``pf/callback 1 1``) with the positions of its atoms; the
driver reads the box (lattice vectors a = (lx, 0, 0), b = (xy, ly, 0), c = (xz, yz, lz), orthogonal
or triclinic, and its periodicity, again at every call so a changing box is followed), evaluates
the model (libmetamlip-c through :class:`metamlip.Model`) and hands back

* the forces (eV/Å) that ``fix external`` adds to the atoms,
* the potential energy (eV) through ``fix_external_set_energy_global`` (in ``pe`` and
  ``etotal`` with ``fix_modify ID energy yes``),
* the model's virial W = −∂E/∂ε (eV; xx, yy, zz, xy, xz, yz) through
  ``fix_external_set_virial_global`` (in the pressure with ``fix_modify ID virial yes``). W is
  exact for periodic boxes (W = −Σ_ij r_ij ⊗ ∂E/∂r_ij over the neighbour pairs, images
  included; see ``metamlip_evaluate_stress``), and equals Σ_i x_i ⊗ F_i for a box without
  periodic directions. LAMMPS's virial pressure is then P_ab = W_ab / V, i.e. −σ_ab for
  ASE's stress σ of the same structure (``metamlip.Calculator``'s ``stress``).

Directions that are not periodic (``f``, ``s``, ``m``) are non-periodic for the model too; a
box with no periodic direction is evaluated as a molecule.

What is refused, with a :class:`LAMMPSSetupError` when the driver is made:

* units other than ``metal`` (eV, Å, ps, amu: the model's units; no conversion is guessed),
* a type map that does not name every LAMMPS atom type, or an element the model lacks,
* more than one MPI process owning atoms (each process would see only its own atoms; the
  model needs the whole structure): run LAMMPS serially.

An error during the run (e.g. the model cannot evaluate a structure) is recorded, the forces
and energy of that step are set to NaN, LAMMPS is told to stop the run (``force_timeout``),
and :meth:`FixExternalDriver.run` / :meth:`FixExternalDriver.raise_if_failed` raise it; an
exception inside a ctypes callback would otherwise only be printed.
"""
from collections import namedtuple

import numpy as np

from .model import Model

#: Atomic numbers of the element symbols H … Og (index = Z).
_SYMBOLS = ("X H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As Se Br Kr "
            "Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu Gd Tb Dy Ho Er Tm Yb "
            "Lu Hf Ta W Re Os Ir Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U Np Pu Am Cm Bk Cf Es Fm Md No Lr Rf "
            "Db Sg Bh Hs Mt Ds Rg Cn Nh Fl Mc Lv Ts Og").split()


#: One callback's evaluation (``record=``): the step, LAMMPS atom IDs and positions (Å) in its local
#: order, energy (eV), forces ((n, 3) eV/Å), the box as lattice vectors (rows, Å) and its periodicity
#: (three bools), and the virial handed to LAMMPS (xx, yy, zz, xy, xz, yz; eV).
Evaluation = namedtuple("Evaluation", "step tags positions energy forces cell pbc virial")


def box_cell(lmp):
    """The LAMMPS box as lattice vectors (rows, Å: a = (lx, 0, 0), b = (xy, ly, 0), c = (xz, yz, lz))
    and its periodicity (three bools)."""
    boxlo, boxhi, xy, yz, xz, periodicity, _ = lmp.extract_box()
    lx, ly, lz = (boxhi[k] - boxlo[k] for k in range(3))
    cell = np.array([[lx, 0.0, 0.0], [xy, ly, 0.0], [xz, yz, lz]])
    return cell, [bool(p) for p in periodicity]


class LAMMPSSetupError(ValueError):
    """The LAMMPS setup cannot be driven by a MetaMLIP model (units, boundaries, types, MPI)."""


def atomic_number(element):
    """The atomic number of ``element``: a symbol ("C") or a whole number 1…118."""
    if isinstance(element, str):
        if element in _SYMBOLS[1:]:
            return _SYMBOLS.index(element)
        raise LAMMPSSetupError(f"metamlip.lammps: unknown element symbol {element!r}")
    z = int(element)
    if z != element or not 1 <= z <= 118:
        raise LAMMPSSetupError(f"metamlip.lammps: {element!r} is not an atomic number 1…118")
    return z


class FixExternalDriver:
    """Evaluates a MetaMLIP model for the LAMMPS ``fix external`` ``fix_id`` (``pf/callback``).

    ``lmp``: a ``lammps.lammps`` instance whose box and atoms exist (after ``read_data`` or
    ``create_atoms``) and whose fix ``fix_id`` is ``external pf/callback N M`` (use ``1 1``: the
    forces are recomputed and applied every step). ``model``: a model path, a list of paths (a
    committee: mean energy and forces) or a :class:`metamlip.Model`. ``elements``: the element of
    each LAMMPS atom type in type order (type 1 first), symbols or atomic numbers.
    ``library``: the path of libmetamlip-c (see :func:`metamlip.find_library`).

    After each step, ``energy`` (eV), ``forces`` ((n, 3) eV/Å in LAMMPS's local atom order),
    ``virial`` (six values, eV), ``tags``, ``positions``, ``cell`` and ``pbc`` hold what the last
    call saw; ``calls`` counts the calls. ``record`` (a list, or None) receives an
    :data:`Evaluation` per call when given.
    """

    def __init__(self, lmp, fix_id, model, elements, library=None, record=None):
        self.lmp = lmp
        self.fix_id = fix_id
        self.model = model if isinstance(model, Model) else Model(model, library=library)
        self.record = record
        self.error = None
        self.calls = 0
        self.energy, self.forces, self.virial = None, None, None
        self.tags, self.positions, self.cell, self.pbc = None, None, None, None
        self._check_setup(elements)
        lmp.set_fix_external_callback(fix_id, self._callback, None)

    def _check_setup(self, elements):
        lmp = self.lmp
        units = lmp.extract_global("units")
        units = units.decode() if isinstance(units, bytes) else units
        if units != "metal":
            raise LAMMPSSetupError(f"metamlip.lammps: LAMMPS uses 'units {units}'; MetaMLIP models are in eV and Å: "
                                   "use 'units metal'")
        ntypes = int(lmp.extract_global("ntypes"))
        numbers = [atomic_number(e) for e in elements]
        if len(numbers) != ntypes:
            raise LAMMPSSetupError(f"metamlip.lammps: elements= names {len(numbers)} element(s) for {ntypes} LAMMPS "
                                   "atom type(s); give one per type, type 1 first")
        missing = sorted({z for z in numbers if z not in self.model.elements})
        if missing:
            raise LAMMPSSetupError(
                f"metamlip.lammps: the model has no parameters for {', '.join(_SYMBOLS[z] for z in missing)} "
                f"(it knows {', '.join(_SYMBOLS[z] for z in self.model.elements)})")
        # Index by LAMMPS type (1-based); entry 0 is never used.
        self._number_of_type = np.array([0] + numbers, dtype=np.intc)
        nlocal, natoms = int(lmp.extract_setting("nlocal")), int(lmp.get_natoms())
        if nlocal != natoms:
            raise LAMMPSSetupError(
                f"metamlip.lammps: this process owns {nlocal} of {natoms} atoms; the model needs the whole structure "
                "in one process: run LAMMPS serially (one MPI rank)")

    def _callback(self, _caller, step, nlocal, tag, x, f):
        if self.error is not None:
            f[:, :] = np.nan
            return
        try:
            natoms = int(self.lmp.get_natoms())
            if nlocal != natoms:
                raise LAMMPSSetupError(f"step {step}: this process owns {nlocal} of {natoms} atoms; run LAMMPS serially")
            types = np.asarray(self.lmp.numpy.extract_atom("type"))[:nlocal]
            positions = np.array(x[:nlocal], dtype=np.float64)
            cell, pbc = box_cell(self.lmp)
            periodic = any(pbc)
            result = self.model.evaluate(self._number_of_type[types], positions, cell=cell if periodic else None,
                                         pbc=pbc if periodic else None, virial=True)
            forces, energy, w = result["forces"], result["energy"], result["virial"]
            f[:nlocal, :] = forces
            # LAMMPS's order xx yy zz xy xz yz; W is symmetric up to rounding, its off-diagonal pairs are averaged.
            virial = [w[0, 0], w[1, 1], w[2, 2], (w[0, 1] + w[1, 0]) / 2, (w[0, 2] + w[2, 0]) / 2, (w[1, 2] + w[2, 1]) / 2]
            self.energy, self.forces, self.positions, self.cell, self.pbc = energy, forces, positions, cell, pbc
            self.tags = np.array(tag, dtype=np.int64).reshape(-1)[:nlocal]
            self.virial = virial
            self.lmp.fix_external_set_energy_global(self.fix_id, energy)
            self.lmp.fix_external_set_virial_global(self.fix_id, self.virial)
            self.calls += 1
            if self.record is not None:
                self.record.append(Evaluation(int(step), self.tags.copy(), positions, energy, forces.copy(), cell, pbc,
                                              list(virial)))
        except Exception as error:  # noqa: BLE001 — recorded and raised by run()/raise_if_failed()
            self.error = error
            f[:, :] = np.nan
            self.lmp.fix_external_set_energy_global(self.fix_id, float("nan"))
            self.lmp.force_timeout()  # LAMMPS ends the run at its next timeout check

    def raise_if_failed(self):
        """Raises the first error a callback met (as a RuntimeError naming it), if any."""
        if self.error is not None:
            raise RuntimeError(f"metamlip.lammps: the model failed during the LAMMPS run: {self.error}") from self.error

    def run(self, steps):
        """``run steps`` in LAMMPS, then :meth:`raise_if_failed`."""
        self.lmp.command(f"run {int(steps)}")
        self.raise_if_failed()
