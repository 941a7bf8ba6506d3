#!/usr/bin/env bash
# A run stopped while it wrote a frame leaves parts of it: the fields (written first), /time,
# maybe /step, maybe some series. --restart must continue from the last complete frame, say
# that it dropped the partial one, and end with the file the uninterrupted run writes.
# Each partial state is made from a complete file with h5py (one frame more in some datasets,
# holding garbage), on 2 ranks; for cahn_hilliard (field c, a frame per unit of time) and for
# mpdata (field psi, a frame per 10 steps).
# Usage: partial_frame_test.sh MPIEXEC APP CONFIG WORKDIR [cahn_hilliard|mpdata]
set -euo pipefail
mpiexec=$1 app=$2 config=$3 work=$4 model=${5:-cahn_hilliard}
rm -rf "$work" && mkdir -p "$work" && cd "$work"
fail() { echo "FAIL: $*"; exit 1; }
if [ "$model" = mpdata ]; then
  field=psi
  common=(--config "$config" --set grid.shape=[32,24] --set output.interval=10 --quiet)
  half=(--set time.n_steps=20) whole=(--set time.n_steps=40)
else
  field=c
  common=(--config "$config" --set grid.shape=[32,24] --set time.dt=0.01 --set output.interval=1.0 --quiet)
  half=(--set time.t_end=2.0) whole=(--set time.t_end=4.0)
fi
"$mpiexec" -n 2 "$app" "${common[@]}" "${whole[@]}" --output ref.h5
for parts in "$field" "$field time" "$field time step"; do
  name=partial_$(echo "$parts" | tr ' ' _).h5
  "$mpiexec" -n 2 "$app" "${common[@]}" "${half[@]}" --output "$name"
  /usr/bin/python3 - "$name" $parts <<'PY'
import sys
import h5py
import numpy as np
path, parts = sys.argv[1], sys.argv[2:]
with h5py.File(path, "r+") as f:
    for name in parts:
        d = f[name]
        d.resize(d.shape[0] + 1, axis=0)
        d[-1] = np.full(d.shape[1:], 7.0) if d.ndim > 1 else 7.0
PY
  "$mpiexec" -n 2 "$app" --restart "$name" "${whole[@]}" --progress=none > restart.log 2>&1 \
    || { cat restart.log; fail "restart of $name failed"; }
  grep -q "frame 3 was not completely written (the run stopped while writing it); continuing from frame 2" restart.log \
    || { cat restart.log; fail "restart of $name did not say it dropped the partial frame"; }
  for ds in "$field" time step; do
    h5diff -q ref.h5 "$name" "/$ds" "/$ds" || fail "$name: /$ds differs from the uninterrupted run"
  done
  echo "$parts: continued from the last complete frame, identical"
done
