"""MetaMLIP models in LAMMPS through ``fix external`` in ``pf/callback`` mode (LAMMPS's Python module).

    from lammps import lammps
    from metamlip.lammps import FixExternalDriver

    lmp = lammps()
    lmp.commands_string('''
        units metal
        atom_style atomic
        boundary f f f
        read_data molecule.data
        fix mlip all external pf/callback 1 1
        fix_modify mlip energy yes virial yes
        fix nve all nve
    ''')
    driver = FixExternalDriver(lmp, "mlip", "model.json", elements=["H", "C", "N", "O"])  # type 1 is H, …
    driver.run(1000)             # `run 1000`, then raises the first error the callback met

LAMMPS calls the driver every step (``pf/callback 1 1``) with the positions of its atoms; the
driver evaluates the model (libmetamlip-c through :class:`metamlip.Model`) and hands back

* the forces (eV/Å) that ``fix external`` adds to the atoms,
* the potential energy (eV) through ``fix_external_set_energy_global`` (in ``pe`` and
  ``etotal`` with ``fix_modify ID energy yes``),
* the virial W_ab = Σ_i x_ia F_ib (eV; xx, yy, zz, xy, xz, yz) through
  ``fix_external_set_virial_global`` (in the pressure with ``fix_modify ID virial yes``).
  For a structure without periodic directions this sum is the exact virial of the model's
  forces (it does not depend on the origin, since the forces of a translation-invariant
  model sum to zero).

What is refused, with a :class:`LAMMPSSetupError` when the driver is made:

* units other than ``metal`` (eV, Å, ps, amu: the model's units; no conversion is guessed),
* any periodic direction: the virial of a periodic cell needs the model's stress, which
  MetaMLIP does not compute yet (``boundary f f f``, or s/m, for a molecule in a box),
* a type map that does not name every LAMMPS atom type, or an element the model lacks,
* more than one MPI process owning atoms (each process would see only its own atoms; the
  model needs the whole structure): run LAMMPS serially.

An error during the run (e.g. the model cannot evaluate a structure) is recorded, the forces
and energy of that step are set to NaN, LAMMPS is told to stop the run (``force_timeout``),
and :meth:`FixExternalDriver.run` / :meth:`FixExternalDriver.raise_if_failed` raise it; an
exception inside a ctypes callback would otherwise only be printed.
"""
import numpy as np

from .model import Model

#: Atomic numbers of the element symbols H … Og (index = Z).
_SYMBOLS = ("X H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As Se Br Kr "
            "Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu Gd Tb Dy Ho Er Tm Yb "
            "Lu Hf Ta W Re Os Ir Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U Np Pu Am Cm Bk Cf Es Fm Md No Lr Rf "
            "Db Sg Bh Hs Mt Ds Rg Cn Nh Fl Mc Lv Ts Og").split()


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
    ``virial`` (six values, eV), ``tags`` and ``positions`` hold what the last call saw;
    ``calls`` counts the calls. ``record`` (a list, or None) receives ``(step, tags,
    positions, energy, forces)`` copies per call when given.
    """

    def __init__(self, lmp, fix_id, model, elements, library=None, record=None):
        self.lmp = lmp
        self.fix_id = fix_id
        self.model = model if isinstance(model, Model) else Model(model, library=library)
        self.record = record
        self.error = None
        self.calls = 0
        self.energy, self.forces, self.virial = None, None, None
        self.tags, self.positions = None, None
        self._check_setup(elements)
        lmp.set_fix_external_callback(fix_id, self._callback, None)

    def _check_setup(self, elements):
        lmp = self.lmp
        units = lmp.extract_global("units")
        units = units.decode() if isinstance(units, bytes) else units
        if units != "metal":
            raise LAMMPSSetupError(f"metamlip.lammps: LAMMPS uses 'units {units}'; MetaMLIP models are in eV and Å: "
                                   "use 'units metal'")
        periodicity = list(lmp.extract_box()[5])
        if any(periodicity):
            flags = " ".join("p" if p else "f" for p in periodicity)
            raise LAMMPSSetupError(
                f"metamlip.lammps: the box is periodic ('boundary {flags}'); MetaMLIP models have no stress yet, so "
                "the virial and pressure of a periodic cell cannot be given: use 'boundary f f f' (a molecule or "
                "cluster in a box) until MetaMLIP computes stress")
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
            result = self.model.evaluate(self._number_of_type[types], positions)
            forces, energy = result["forces"], result["energy"]
            f[:nlocal, :] = forces
            virial = positions.T @ forces  # W_ab = Σ_i x_ia F_ib
            self.energy, self.forces, self.positions = energy, forces, positions
            self.tags = np.array(tag, dtype=np.int64).reshape(-1)[:nlocal]
            self.virial = [virial[0, 0], virial[1, 1], virial[2, 2], virial[0, 1], virial[0, 2], virial[1, 2]]
            self.lmp.fix_external_set_energy_global(self.fix_id, energy)
            self.lmp.fix_external_set_virial_global(self.fix_id, self.virial)
            self.calls += 1
            if self.record is not None:
                self.record.append((int(step), self.tags.copy(), positions, energy, forces.copy()))
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
