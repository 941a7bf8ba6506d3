#!/usr/bin/env bash
# Command-line values are values, never TOML text: --output 'a\tb.h5' writes a file whose name
# holds a backslash and a t (not a TAB), --output '"my"run.h5' one whose name holds the quotes.
# Usage: output_name_test.sh MPIEXEC APP WORKDIR
set -euo pipefail
mpiexec=$1 app=$2 work=$3
rm -rf "$work" && mkdir -p "$work" && cd "$work"
for name in 'a\tb.h5' '"my"run.h5'; do
  "$mpiexec" -n 2 "$app" --set 'grid.shape=[16,16]' --set time.t_end=0.02 --quiet --output "$name" > run.log 2>&1 \
    || { cat run.log; echo "FAIL: the run with --output $name failed"; exit 1; }
  [ -f "$name" ] || { ls; echo "FAIL: no file named $name"; exit 1; }
  # The file, its XDMF sidecar and the sidecar's companion (docs/output.md), nothing else.
  [ "$(find . -maxdepth 1 \( -name '*.h5' -o -name '*.xdmf' \) | wc -l)" = 3 ] \
    && [ -f "${name%.h5}.xdmf" ] && [ -f "${name%.h5}.xdmf.h5" ] \
    || { ls; echo "FAIL: other files were written"; exit 1; }
  rm -f -- "$name" "${name%.h5}.xdmf" "${name%.h5}.xdmf.h5"
  echo "--output $name: written under exactly that name"
done
