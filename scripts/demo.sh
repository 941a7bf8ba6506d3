#!/usr/bin/env bash
# Sets everything up, builds, and runs the main job (README quick start, command 1): the
# Cahn-Hilliard demo on 4 ranks, writing out/cahn_hilliard_demo.h5 and a PNG of its last frame.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(scripts/build.sh openmpi | tail -n 1)
# shellcheck source=mpi-env.sh
. scripts/mpi-env.sh
export OMP_NUM_THREADS=1
mkdir -p out
mpiexec -n 4 "$dir/apps/cahn_hilliard/cahn_hilliard" --config configs/cahn_hilliard_demo.toml \
        --output out/cahn_hilliard_demo.h5 --overwrite
/usr/bin/python3 scripts/plot.py out/cahn_hilliard_demo.h5 --frames 0 -1 --output out/cahn_hilliard_demo.png
