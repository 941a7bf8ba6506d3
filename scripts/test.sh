#!/usr/bin/env bash
# Sets everything up, builds and runs the whole test suite (README quick start, command 2).
# Usage: scripts/test.sh [openmpi|mpich] [--sanitize]   (default: openmpi)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(scripts/build.sh "$@" | tail -n 1)
# shellcheck source=mpi-env.sh
. scripts/mpi-env.sh
# Tests declare how many processes they use; -j lets small ones share the 2 cores.
# TESSERA_CTEST_ARGS: more ctest options (e.g. -LE readers).
# shellcheck disable=SC2086
ctest --test-dir "$dir" --output-on-failure -j2 --timeout 300 ${TESSERA_CTEST_ARGS:-}
