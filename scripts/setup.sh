#!/usr/bin/env bash
# Installs the C libraries MetaMLIP links (HDF5, OpenBLAS) when they are missing, and the
# Python packages the report tests use: nbformat to validate the exported notebook, and
# pandas, matplotlib, nbclient and ipykernel to execute it headless; and ASE, which the tests
# of the Python package (python/, an ASE calculator on libmetamlip-c) drive.
# Idempotent: does nothing when pkg-config finds both libraries and python3 imports them all.
set -euo pipefail

need=()
pkg-config --exists hdf5 2>/dev/null || need+=(libhdf5-dev)
pkg-config --exists openblas 2>/dev/null || need+=(libopenblas-dev)
pkg-config --exists zlib 2>/dev/null || need+=(zlib1g-dev)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
# The report tests try python3 on PATH, then the system's /usr/bin/python3 (where apt installs
# python3-nbformat even when a pyenv or venv python3 comes first on PATH).
has_module() {
  local py
  for py in python3 /usr/bin/python3; do
    "$py" -c "import $1" >/dev/null 2>&1 && return 0
  done
  return 1
}
has_nbformat() { has_module nbformat; }
# Executing the notebook (Tests/ReportsTests: notebookExecutes) needs one interpreter with all of these.
has_notebook_runtime() { has_module 'nbformat, nbclient, ipykernel, pandas, matplotlib'; }
# The Python package's test (Tests/MetaMLIPCTests: PythonPackageTests) needs ASE (with numpy).
has_ase() { has_module 'ase, numpy'; }
has_nbformat || need+=(python3-nbformat)
has_notebook_runtime || need+=(python3-nbclient python3-ipykernel python3-pandas python3-matplotlib)
has_ase || need+=(python3-ase)

if [ ${#need[@]} -eq 0 ]; then
  echo "setup: libhdf5-dev, libopenblas-dev, python3-nbformat, the notebook runtime (nbclient, ipykernel, pandas, matplotlib) and python3-ase present"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  cat >&2 <<MSG
setup: missing ${need[*]} and this machine has no apt-get.
Install the HDF5 (1.10 or newer, serial) and OpenBLAS development packages with your
package manager so that 'pkg-config --cflags hdf5 openblas' succeeds, and Python's
nbformat, nbclient, ipykernel, pandas, matplotlib and ase so that
"python3 -c 'import nbformat, nbclient, ipykernel, pandas, matplotlib, ase'" succeeds, e.g.
  Fedora:  dnf install hdf5-devel openblas-devel pkgconf python3-nbformat python3-nbclient python3-ipykernel python3-pandas python3-matplotlib python3-ase
  macOS:   brew install hdf5 openblas pkg-config && python3 -m pip install nbformat nbclient ipykernel pandas matplotlib ase
then run 'make' again.
MSG
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "setup: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" pkg-config >/dev/null
pkg-config --exists hdf5 openblas || { echo "setup: pkg-config still cannot find hdf5/openblas" >&2; exit 1; }
has_nbformat || { echo "setup: python3 still cannot import nbformat" >&2; exit 1; }
has_notebook_runtime || { echo "setup: python3 still cannot import nbclient, ipykernel, pandas and matplotlib" >&2; exit 1; }
has_ase || { echo "setup: python3 still cannot import ase" >&2; exit 1; }
echo "setup: done"
