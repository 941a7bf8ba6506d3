#!/usr/bin/env bash
# Sets everything up, builds, and runs the main job on 4 ranks (README quick start, command 1).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(scripts/build.sh openmpi | tail -n 1)
# shellcheck source=mpi-env.sh
. scripts/mpi-env.sh
export OMP_NUM_THREADS=1
mpiexec -n 4 "$dir/apps/pi/pi"
