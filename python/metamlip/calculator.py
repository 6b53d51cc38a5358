"""An ASE calculator on libmetamlip-c."""
import numpy as np
from ase.calculators.calculator import Calculator as _ASECalculator, PropertyNotImplementedError, all_changes

from .model import Model


class Calculator(_ASECalculator):
    """ASE calculator for a MetaMLIP model file or a committee of several.

    ``model_paths``: one path or a list of paths (``*.model.json``). ``library``: the path of
    libmetamlip-c (default: ``$METAMLIP_LIBRARY``, else the repository's ``.build/{release,debug}``).

    Results: ``energy`` and ``free_energy`` (eV; the committee mean), ``forces`` (n, 3) eV/Å;
    with several models also ``energy_std`` (eV, sample std of the members' total energies) and
    ``forces_std`` (n, 3) eV/Å, per atom and component. Periodic directions are ASE's ``pbc``;
    a structure without any periodic direction is evaluated as a molecule (its cell is ignored).

    ``stress`` (when asked for, e.g. by ``atoms.get_stress()`` or a cell filter): ASE's
    (1/V) ∂E/∂ε in eV/Å³, Voigt order xx yy zz yz xz xy, the potential part (the committee
    mean), from the model's exact strain derivative (the virial W = -Σ_ij r_ij ⊗ ∂E/∂r_ij over
    neighbour pairs, images included; stress = -W/V), so it equals
    ``calc.calculate_numerical_stress(atoms)`` to its finite-difference error. Only a cell
    periodic in all three directions has one: for any other structure ``get_stress`` raises
    PropertyNotImplementedError saying so. With a stress, ``results`` also holds ``virial``
    (3, 3) eV.
    """

    implemented_properties = ["energy", "free_energy", "forces", "stress"]

    def __init__(self, model_paths, library=None, **kwargs):
        super().__init__(**kwargs)
        self.model = Model(model_paths, library=library)
        if self.model.member_count > 1:
            self.implemented_properties = Calculator.implemented_properties + ["energy_std", "forces_std"]

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        pbc = np.asarray(self.atoms.pbc, dtype=bool)
        periodic = bool(pbc.any())
        stress = "stress" in properties
        if stress and not pbc.all():
            raise PropertyNotImplementedError(
                f"metamlip.Calculator: no stress for a structure that is not periodic in all three directions "
                f"(pbc {pbc.tolist()}): a stress needs a periodic cell volume")
        result = self.model.evaluate(self.atoms.numbers, self.atoms.positions,
                                     cell=self.atoms.cell.array if periodic else None,
                                     pbc=pbc if periodic else None, stress=stress)
        self.results = {"energy": result["energy"], "free_energy": result["energy"], "forces": result["forces"]}
        if stress:
            self.results["stress"] = result["stress"]
            self.results["virial"] = result["virial"]
        if self.model.member_count > 1:
            self.results["energy_std"] = result["energy_std"]
            self.results["forces_std"] = result["forces_std"]
