#!/usr/bin/env bash
# Installs the C libraries MetaMLIP links (HDF5, OpenBLAS) when they are missing.
# Idempotent: does nothing when pkg-config already finds both.
set -euo pipefail

need=()
pkg-config --exists hdf5 2>/dev/null || need+=(libhdf5-dev)
pkg-config --exists openblas 2>/dev/null || need+=(libopenblas-dev)
pkg-config --exists zlib 2>/dev/null || need+=(zlib1g-dev)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)

if [ ${#need[@]} -eq 0 ]; then
  echo "setup: libhdf5-dev and libopenblas-dev present"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  cat >&2 <<MSG
setup: missing ${need[*]} and this machine has no apt-get.
Install the HDF5 (1.10 or newer, serial) and OpenBLAS development packages with your
package manager so that 'pkg-config --cflags hdf5 openblas' succeeds, e.g.
  Fedora:  dnf install hdf5-devel openblas-devel pkgconf
  macOS:   brew install hdf5 openblas pkg-config
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
echo "setup: done"
