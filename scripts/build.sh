#!/usr/bin/env bash
# Installs missing dependencies, configures and builds tessera.
# Usage: scripts/build.sh [openmpi|mpich] [--sanitize] [--debug]
# Build directory: build-<flavour>[-asan]  (printed on the last line).
# Environment: TESSERA_CMAKE_ARGS (more -D options), TESSERA_BUILD_TARGETS (only these targets).
set -euo pipefail
cd "$(dirname "$0")/.."

flavour=openmpi
sanitize=OFF
build_type=Release
for arg in "$@"; do
  case "$arg" in
    openmpi|mpich) flavour=$arg ;;
    --sanitize) sanitize=ON ;;
    --debug) build_type=Debug ;;
    *) echo "usage: $0 [openmpi|mpich] [--sanitize] [--debug]" >&2; exit 2 ;;
  esac
done

scripts/install-deps.sh "$flavour"
dir="build-$flavour"
[ "$sanitize" = ON ] && dir="$dir-asan"
jobs=$(nproc 2>/dev/null || echo 2)
mkdir -p "$dir"
# A cache that holds another MPI (a directory configured before TESSERA_MPI pinning worked) would
# be refused by the configure step: start that directory's configuration afresh.
if [ -f "$dir/CMakeCache.txt" ] && grep -q "^TESSERA_MPI_FLAVOUR:INTERNAL=" "$dir/CMakeCache.txt" \
   && ! grep -q "^TESSERA_MPI_FLAVOUR:INTERNAL=$flavour\$" "$dir/CMakeCache.txt"; then
  echo "build.sh: $dir was configured for another MPI; configuring it afresh" >&2
  rm -f "$dir/CMakeCache.txt"
fi
# shellcheck disable=SC2086 # word splitting of the lists is wanted
cmake -S . -B "$dir" -DTESSERA_MPI="$flavour" -DTESSERA_SANITIZE="$sanitize" \
      -DCMAKE_BUILD_TYPE="$build_type" ${TESSERA_CMAKE_ARGS:-} >"$dir/configure.log" 2>&1 \
  || { cat "$dir/configure.log"; exit 1; }
# shellcheck disable=SC2086
cmake --build "$dir" -j"$jobs" ${TESSERA_BUILD_TARGETS:+--target $TESSERA_BUILD_TARGETS}
echo "$dir"
