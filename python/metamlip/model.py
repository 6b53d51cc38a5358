"""A loaded model or committee: energies, forces and spreads of single structures."""
import ctypes
import os

import numpy as np

from . import _library


class Model:
    """One MetaMLIP model file, or a committee of several, evaluated by libmetamlip-c.

    ``paths``: a path (str or os.PathLike) or a sequence of them (a committee: mean energy and
    forces, sample standard deviations as spreads). ``library``: the path of libmetamlip-c
    (default: see :func:`metamlip.find_library`).

    One instance may be shared between threads (the library locks each handle); ctypes
    releases the GIL during a call.
    """

    def __init__(self, paths, library=None):
        if isinstance(paths, (str, bytes, os.PathLike)):
            paths = [paths]
        paths = [os.fsdecode(p) for p in paths]
        if not paths:
            raise ValueError("metamlip.Model: no model file given")
        self.paths = paths
        self._lib = _library.load(library)
        handle = ctypes.c_void_p()
        encoded = (ctypes.c_char_p * len(paths))(*[os.fsencode(p) for p in paths])
        _library.check(self._lib, self._lib.metamlip_open_committee(encoded, len(paths), ctypes.byref(handle)))
        self._handle = handle
        count = self._lib.metamlip_element_count(handle)
        elements = (ctypes.c_int * count)()
        _library.check(self._lib, self._lib.metamlip_elements(handle, elements, count))
        #: Atomic numbers every member can evaluate, ascending.
        self.elements = [int(z) for z in elements]
        #: Number of models (1 for a single model).
        self.member_count = self._lib.metamlip_member_count(handle)

    def close(self):
        """Frees the library's handle (also done when the object is collected)."""
        handle, self._handle = getattr(self, "_handle", None), None
        if handle:
            self._lib.metamlip_free(handle)

    def __del__(self):
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def evaluate(self, numbers, positions, cell=None, pbc=None, virial=False, stress=False):
        """Energy, forces and spreads of one structure; with ``virial`` or ``stress``, those too.

        numbers: (n,) atomic numbers; positions: (n, 3) Å; cell: (3, 3) lattice vectors as rows
        in Å, or None for a molecule; pbc: three booleans (default all True with a cell).

        Returns a dict: ``energy`` (eV), ``forces`` (n, 3) eV/Å, ``energy_std`` (eV) and
        ``forces_std`` (n, 3) eV/Å (zero for a single model); with ``virial=True``, ``virial``
        (3, 3) eV: W = -dE/d(strain), the committee mean, defined for any structure (LAMMPS's
        virial; Σ_i r_i ⊗ F_i for a molecule); with ``stress=True`` also ``stress`` (6,) eV/Å³:
        ASE's stress -W/V in Voigt order xx yy zz yz xz xy, only for a cell periodic in all three
        directions (else :class:`metamlip.NotPeriodicError`). Raises :class:`metamlip.InputError` /
        :class:`metamlip.EvaluationError` with the library's message.
        """
        if not self._handle:
            raise ValueError("metamlip.Model: the model was closed")
        z = np.ascontiguousarray(numbers, dtype=np.intc)
        r = np.ascontiguousarray(positions, dtype=np.float64)
        n = z.shape[0] if z.ndim == 1 else -1
        if z.ndim != 1 or r.shape != (n, 3):
            raise ValueError(f"metamlip: numbers must have shape (n,) and positions (n, 3); got {z.shape} and {r.shape}")
        double_p, int_p = ctypes.POINTER(ctypes.c_double), ctypes.POINTER(ctypes.c_int)
        cell_p, pbc_p = None, None
        if cell is not None:
            box = np.ascontiguousarray(cell, dtype=np.float64)
            if box.shape != (3, 3):
                raise ValueError(f"metamlip: cell must have shape (3, 3); got {box.shape}")
            cell_p = box.ctypes.data_as(double_p)
            flags = np.ascontiguousarray([1, 1, 1] if pbc is None else np.asarray(pbc, dtype=bool).astype(np.intc),
                                         dtype=np.intc)
            if flags.shape != (3,):
                raise ValueError(f"metamlip: pbc must hold three flags; got shape {flags.shape}")
            pbc_p = flags.ctypes.data_as(int_p)
        energy, energy_std = ctypes.c_double(), ctypes.c_double()
        forces = np.empty((max(n, 0), 3))
        forces_std = np.empty((max(n, 0), 3))
        arguments = (self._handle, n, z.ctypes.data_as(int_p), r.ctypes.data_as(double_p), cell_p, pbc_p,
                     ctypes.byref(energy), forces.ctypes.data_as(double_p), ctypes.byref(energy_std),
                     forces_std.ctypes.data_as(double_p))
        if not (virial or stress):
            _library.check(self._lib, self._lib.metamlip_evaluate(*arguments))
            return {"energy": energy.value, "forces": forces, "energy_std": energy_std.value, "forces_std": forces_std}
        w, sigma = np.empty((3, 3)), np.empty(6)
        code = self._lib.metamlip_evaluate_stress(*arguments, w.ctypes.data_as(double_p),
                                                  sigma.ctypes.data_as(double_p) if stress else None)
        _library.check(self._lib, code)
        result = {"energy": energy.value, "forces": forces, "energy_std": energy_std.value, "forces_std": forces_std,
                  "virial": w}
        if stress:
            result["stress"] = sigma
        return result
