#!/usr/bin/env bash
# Installs the C libraries MetaMLIP links (HDF5, OpenBLAS, SQLite) when they are missing, and the
# Python packages the report tests use: nbformat to validate the exported notebook, and
# pandas, matplotlib, nbclient and ipykernel to execute it headless; ASE, which the tests
# of the Python package (python/, an ASE calculator on libmetamlip-c) drive and which writes
# the ASE databases the .db reader tests read; and Debian's LAMMPS Python module
# (python3-lammps, with liblammps-dev for the liblammps.so it loads; Open MPI), which the
# LAMMPS route test (python/metamlip/lammps.py, fix external) drives; and Open MPI (libopenmpi-dev,
# openmpi-bin) for metamlip-mpi and its 2-rank test.
# Idempotent: does nothing when pkg-config finds the libraries and python3 imports them all.
set -euo pipefail

need=()
pkg-config --exists hdf5 2>/dev/null || need+=(libhdf5-dev)
pkg-config --exists openblas 2>/dev/null || need+=(libopenblas-dev)
pkg-config --exists zlib 2>/dev/null || need+=(zlib1g-dev)
pkg-config --exists sqlite3 2>/dev/null || need+=(libsqlite3-dev)
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
# The LAMMPS route test (Tests/MetaMLIPCTests: LAMMPSRouteTests) needs a lammps module whose
# library loads: Debian's python3-lammps opens liblammps.so, which liblammps-dev provides.
has_lammps() {
  local py
  for py in python3 /usr/bin/python3; do
    "$py" -c "from lammps import lammps; lammps(cmdargs=['-log', 'none', '-screen', 'none', '-nocite']).close()" >/dev/null 2>&1 && return 0
  done
  return 1
}
has_nbformat || need+=(python3-nbformat)
has_notebook_runtime || need+=(python3-nbclient python3-ipykernel python3-pandas python3-matplotlib)
has_ase || need+=(python3-ase)
# LAMMPS is optional: installed where apt-get is (Debian's packages), never a reason to stop elsewhere.
if command -v apt-get >/dev/null 2>&1; then has_lammps || need+=(python3-lammps liblammps-dev); fi
# Open MPI is optional too (metamlip-mpi and its 2-rank test are built when pkg-config finds
# ompi-c, see Package.swift): the headers and library, and mpirun.
if command -v apt-get >/dev/null 2>&1; then
  pkg-config --exists ompi-c 2>/dev/null || need+=(libopenmpi-dev)
  command -v mpirun >/dev/null 2>&1 || need+=(openmpi-bin)
fi

if [ ${#need[@]} -eq 0 ]; then
  echo "setup: libhdf5-dev, libopenblas-dev, libsqlite3-dev, python3-nbformat, the notebook runtime (nbclient, ipykernel, pandas, matplotlib), python3-ase, a loadable LAMMPS Python module and Open MPI present"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  cat >&2 <<MSG
setup: missing ${need[*]} and this machine has no apt-get.
Install the HDF5 (1.10 or newer, serial), OpenBLAS and SQLite development packages with your
package manager so that 'pkg-config --cflags hdf5 openblas sqlite3' succeeds, and Python's
nbformat, nbclient, ipykernel, pandas, matplotlib and ase so that
"python3 -c 'import nbformat, nbclient, ipykernel, pandas, matplotlib, ase'" succeeds, e.g.
  Fedora:  dnf install hdf5-devel openblas-devel sqlite-devel pkgconf python3-nbformat python3-nbclient python3-ipykernel python3-pandas python3-matplotlib python3-ase
  macOS:   brew install hdf5 openblas sqlite pkg-config && python3 -m pip install nbformat nbclient ipykernel pandas matplotlib ase
LAMMPS is optional (its test skips without it); see the README, "Using a model in LAMMPS".
Open MPI is optional (without it metamlip-mpi and its test are not built); see the README, "Training on MPI".
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
pkg-config --exists hdf5 openblas sqlite3 || { echo "setup: pkg-config still cannot find hdf5/openblas/sqlite3" >&2; exit 1; }
has_nbformat || { echo "setup: python3 still cannot import nbformat" >&2; exit 1; }
has_notebook_runtime || { echo "setup: python3 still cannot import nbclient, ipykernel, pandas and matplotlib" >&2; exit 1; }
has_ase || { echo "setup: python3 still cannot import ase" >&2; exit 1; }
has_lammps || { echo "setup: python3 still cannot load LAMMPS (from lammps import lammps; lammps())" >&2; exit 1; }
pkg-config --exists ompi-c && command -v mpirun >/dev/null 2>&1 || { echo "setup: pkg-config still cannot find ompi-c, or mpirun is missing (libopenmpi-dev, openmpi-bin)" >&2; exit 1; }
echo "setup: done"
