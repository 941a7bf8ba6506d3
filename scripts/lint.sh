#!/usr/bin/env bash
# clang-tidy (rules in .clang-tidy) over the library and app sources of a configured build.
# Usage: scripts/lint.sh [build-dir]   (default: build-openmpi)
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-build-openmpi}"
[ -f "$dir/compile_commands.json" ] || { echo "lint: configure $dir first (scripts/build.sh)" >&2; exit 2; }
files=$(git ls-files 'libcomm/src/*.cpp' 'libgrid/src/*.cpp' 'solvers/*.cpp' 'driver/src/*.cpp' 'apps/*.cpp' 'python/src/*.cpp')
# One clang-tidy per file, as many at once as there are cores (xargs fails if any finds a problem).
echo "$files" | xargs -n 1 -P "$(nproc 2>/dev/null || echo 2)" clang-tidy -p "$dir" --quiet \
  2> >(grep -v "warnings generated" >&2)
echo "clang-tidy: $(echo "$files" | wc -w) files clean"
