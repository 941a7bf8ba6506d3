#!/usr/bin/env bash
# Installs the Debian 12 packages tessera needs, and only those that are missing.
# Idempotent: returns in about a second when everything is present.
# Usage: scripts/install-deps.sh [openmpi|mpich|both]   (default: both)
set -euo pipefail

flavour="${1:-both}"
common=(build-essential cmake pkg-config hdf5-tools libeigen3-dev libcli11-dev
        libtomlplusplus-dev libgtest-dev libcairo2-dev clang-format clang-tidy
        python3-numpy python3-h5py-serial python3-matplotlib
        python3-dev pybind11-dev python3-pybind11 python3-mpi4py python3-pytest)
# The Python package (python/, docs/python.md) builds with pybind11 against Debian's python3;
# its tests run pytest under mpiexec and use mpi4py (Debian's is built on Open MPI).
# petsc-dev (built on Open MPI) only for bench/petsc_halo_bench, the DMDA halo comparison.
openmpi=(openmpi-bin libopenmpi-dev libhdf5-openmpi-dev petsc-dev)
mpich=(mpich libmpich-dev libhdf5-mpich-dev)

case "$flavour" in
  openmpi) wanted=("${common[@]}" "${openmpi[@]}") ;;
  mpich)   wanted=("${common[@]}" "${mpich[@]}") ;;
  both)    wanted=("${common[@]}" "${openmpi[@]}" "${mpich[@]}") ;;
  *) echo "usage: $0 [openmpi|mpich|both]" >&2; exit 2 ;;
esac

missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
