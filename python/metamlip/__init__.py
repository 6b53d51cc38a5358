"""MetaMLIP models in Python: an ASE calculator on the C library libmetamlip-c (ctypes).

    from metamlip import Calculator
    atoms.calc = Calculator("model.json")          # or a list of paths: a committee

Units are ASE's: Å, eV, eV/Å.
"""
from ._library import (EvaluationError, InputError, MetaMLIPError, ModelFileError, NotPeriodicError,
                       find_library, library_version)
from .model import Model

__all__ = ["Calculator", "Model", "MetaMLIPError", "ModelFileError", "InputError", "NotPeriodicError",
           "EvaluationError", "find_library", "library_version"]
__version__ = "0.10.0"


def __getattr__(name):
    # The calculator imports ASE; load it only when it is asked for, so `Model` works without ASE.
    if name == "Calculator":
        from .calculator import Calculator
        return Calculator
    raise AttributeError(f"module 'metamlip' has no attribute {name!r}")
