"""Finding and loading libmetamlip-c, its C signatures, and its errors as Python exceptions."""
import ctypes
import os
import sys
import threading
from pathlib import Path

#: Status codes of include/metamlip.h.
(OK, ERR_NULL_POINTER, ERR_ARGUMENT, ERR_FILE, ERR_MODEL, ERR_ELEMENT, ERR_GEOMETRY, ERR_EVALUATION,
 ERR_NOT_PERIODIC) = range(9)

_SUFFIX = ".dylib" if sys.platform == "darwin" else ".so"
LIBRARY_NAME = "libmetamlip-c" + _SUFFIX


class MetaMLIPError(RuntimeError):
    """A libmetamlip-c call failed; ``code`` is its status (``METAMLIP_ERR_*``), the message is the library's."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


class ModelFileError(MetaMLIPError):
    """A model file is missing, a directory, empty or malformed (METAMLIP_ERR_FILE, METAMLIP_ERR_MODEL)."""


class InputError(MetaMLIPError, ValueError):
    """Bad input: an element the model lacks, non-finite positions or cell, a bad count or pbc flag."""


class NotPeriodicError(InputError):
    """A stress was asked for a structure that is not periodic in all three directions (METAMLIP_ERR_NOT_PERIODIC)."""


class EvaluationError(MetaMLIPError):
    """The model could not evaluate the structure (e.g. a degenerate cell, a non-finite result)."""


def error_for(code, message):
    """The exception for status ``code`` with ``message``."""
    if code in (ERR_FILE, ERR_MODEL):
        return ModelFileError(code, message)
    if code == ERR_NOT_PERIODIC:
        return NotPeriodicError(code, message)
    if code in (ERR_NULL_POINTER, ERR_ARGUMENT, ERR_ELEMENT, ERR_GEOMETRY):
        return InputError(code, message)
    return EvaluationError(code, message)


def _candidates():
    """Where the library is looked for when neither an argument nor $METAMLIP_LIBRARY names it."""
    checkout = Path(__file__).resolve().parents[2]  # the repository, when run from python/metamlip/ of a checkout
    cwd = Path.cwd().resolve()
    roots = ([checkout] if (checkout / "Package.swift").is_file() else []) + [cwd, *cwd.parents]
    seen, result = set(), []
    for root in roots:
        for configuration in ("release", "debug"):
            path = root / ".build" / configuration / LIBRARY_NAME
            if path not in seen:
                seen.add(path)
                result.append(path)
    return result


def find_library(library=None):
    """The path of libmetamlip-c: ``library`` when given, else ``$METAMLIP_LIBRARY``, else the first
    ``.build/{release,debug}/libmetamlip-c.so`` of this checkout or of the current directory or its parents.

    Raises FileNotFoundError naming what was tried."""
    if library is not None:
        path = Path(library)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: libmetamlip-c not found (the library= argument)")
        return path
    env = os.environ.get("METAMLIP_LIBRARY")
    if env:
        path = Path(env)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: libmetamlip-c not found ($METAMLIP_LIBRARY)")
        return path
    tried = _candidates()
    for path in tried:
        if path.is_file():
            return path
    raise FileNotFoundError(
        f"{LIBRARY_NAME} not found; build it with `swift build -c release --product metamlip-c` and pass "
        f"library=… or set METAMLIP_LIBRARY (tried: {', '.join(str(p) for p in tried[:4])}, …)")


_loaded = {}
_lock = threading.Lock()


def load(library=None):
    """The loaded library (one ctypes.CDLL per path) with its function signatures declared."""
    path = find_library(library).resolve()
    with _lock:
        if path not in _loaded:
            lib = ctypes.CDLL(str(path))
            _declare(lib)
            _loaded[path] = lib
        return _loaded[path]


def _declare(lib):
    c_int, c_double, c_void_p, c_char_p = ctypes.c_int, ctypes.c_double, ctypes.c_void_p, ctypes.c_char_p
    int_p, double_p = ctypes.POINTER(c_int), ctypes.POINTER(c_double)
    lib.metamlip_version.argtypes, lib.metamlip_version.restype = [], c_char_p
    lib.metamlip_last_error.argtypes, lib.metamlip_last_error.restype = [], c_char_p
    lib.metamlip_open.argtypes, lib.metamlip_open.restype = [c_char_p, ctypes.POINTER(c_void_p)], c_int
    lib.metamlip_open_committee.argtypes = [ctypes.POINTER(c_char_p), c_int, ctypes.POINTER(c_void_p)]
    lib.metamlip_open_committee.restype = c_int
    lib.metamlip_free.argtypes, lib.metamlip_free.restype = [c_void_p], None
    lib.metamlip_member_count.argtypes, lib.metamlip_member_count.restype = [c_void_p], c_int
    lib.metamlip_element_count.argtypes, lib.metamlip_element_count.restype = [c_void_p], c_int
    lib.metamlip_elements.argtypes, lib.metamlip_elements.restype = [c_void_p, int_p, c_int], c_int
    lib.metamlip_evaluate.argtypes = [c_void_p, c_int, int_p, double_p, double_p, int_p,
                                      double_p, double_p, double_p, double_p]
    lib.metamlip_evaluate.restype = c_int
    lib.metamlip_evaluate_stress.argtypes = [c_void_p, c_int, int_p, double_p, double_p, int_p,
                                             double_p, double_p, double_p, double_p, double_p, double_p]
    lib.metamlip_evaluate_stress.restype = c_int


def check(lib, code):
    """Raises the exception for a failed call (status ``code`` ≠ 0) with the thread's last message."""
    if code != OK:
        message = lib.metamlip_last_error()
        raise error_for(code, message.decode("utf-8", "replace") if message else f"libmetamlip-c error {code}")


def library_version(library=None):
    """The version string of the library, e.g. '0.9.0'."""
    return load(library).metamlip_version().decode()
