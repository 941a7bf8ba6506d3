#!/usr/bin/env bash
# Installs the Debian 12 packages tessera needs, and only those that are missing.
# Idempotent: returns in about a second when everything is present.
# Usage: scripts/install-deps.sh [openmpi|mpich|both]   (default: both)
set -euo pipefail

flavour="${1:-both}"
common=(build-essential cmake pkg-config hdf5-tools libeigen3-dev libcli11-dev
        libtomlplusplus-dev libgtest-dev libcairo2-dev libfftw3-dev clang-format clang-tidy
        python3-numpy python3-h5py-serial python3-matplotlib python3-pil
        python3-dev pybind11-dev python3-pybind11 python3-mpi4py python3-pytest)
# The Python package (python/, docs/python.md) builds with pybind11 against Debian's python3;
# its tests run pytest under mpiexec and use mpi4py (Debian's is built on Open MPI).
# The output-file tests (tests/libgrid/check_netcdf.py, check_paraview.py): xarray through
# h5netcdf, ncdump, and ParaView's XDMF readers through pvpython on a virtual X server.
readers=(python3-xarray python3-h5netcdf netcdf-bin xvfb paraview python3-paraview)
# petsc-dev (built on Open MPI; it pulls in libpetsc-real-dev) only for the PETSc comparisons
# bench/petsc_halo_bench (DMDA halo exchange) and bench/multigrid_bench (CG + PCMG / PCGAMG).
openmpi=(openmpi-bin libopenmpi-dev libhdf5-openmpi-dev petsc-dev)
mpich=(mpich libmpich-dev libhdf5-mpich-dev)

case "$flavour" in
  openmpi) wanted=("${common[@]}" "${readers[@]}" "${openmpi[@]}") ;;
  mpich)   wanted=("${common[@]}" "${readers[@]}" "${mpich[@]}") ;;
  both)    wanted=("${common[@]}" "${readers[@]}" "${openmpi[@]}" "${mpich[@]}") ;;
  *) echo "usage: $0 [openmpi|mpich|both]" >&2; exit 2 ;;
esac

# ParaView is large (about 1 GB with what it pulls in) and not built for every architecture:
# where apt has no such package, its tests are skipped with a message instead of this script
# failing. Whether apt has it is decided after updating the package lists: lists left from an
# image's build can lack it where the archive has it (seen on a fresh machine).
optional=(paraview python3-paraview)
# (Output captured, not piped into grep -q: under pipefail, grep's early exit would fail
# apt-cache with SIGPIPE, and a present package looked absent.)
unavailable() {
  [[ " ${optional[*]} " == *" $1 "* ]] \
    && [[ "$(apt-cache policy "$1" 2>/dev/null)" != *"Candidate: "[0-9]* ]]
}

missing=()
for p in "${wanted[@]}"; do
  [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" == *"install ok installed"* ]] && continue
  missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
available=()
for p in "${missing[@]}"; do
  if unavailable "$p"; then
    echo "install-deps: apt has no $p here; the ParaView reader tests will be skipped" >&2
    continue
  fi
  available+=("$p")
done
[ ${#available[@]} -eq 0 ] && exit 0
echo "install-deps: installing ${available[*]}"
$sudo apt-get install -y -qq --no-install-recommends "${available[@]}" >/dev/null
