#!/usr/bin/env bash
# An adaptive scheme's first step above its stability limit starts at the limit (#15): the run
# says so once in a batch log (output redirected), and its result is bit for bit the run started
# with that step, on 1 rank and 2, with threads on and off, in 1-, 2- and 3-D, for adaptive
# Euler and RKF45, for cahn_hilliard's bound and the pde app's estimate.
# Usage: adaptive_first_step_test.sh MPIEXEC CAHN_HILLIARD PDE CONFIG_DIR WORKDIR
set -euo pipefail
mpiexec=$1 ch=$2 pde=$3 cfg=$4 work=$5
rm -rf "$work" && mkdir -p "$work" && cd "$work"

check() { # name app scheme shape t_end [extra args...]
  local name=$1 app=$2 scheme=$3 shape=$4 t_end=$5
  shift 5
  local common=(--set "grid.shape=$shape" --set time.adaptive=true --set "time.scheme=\"$scheme\""
                --set "time.t_end=$t_end" --set "output.interval=$t_end" "$@")
  "$mpiexec" -n 2 "$app" "${common[@]}" --set time.dt=1000 --output "$name-big.h5" > "$name-big.log" 2>&1 \
    || { cat "$name-big.log"; echo "FAIL: $name: the run with time.dt = 1000 failed"; exit 1; }
  local notes
  notes=$(grep -c "time.dt: 1000 is above the adaptive .* stability limit for this grid and initial state; starting with dt = " "$name-big.log" || true)
  [ "$notes" = 1 ] || { cat "$name-big.log"; echo "FAIL: $name: the note appeared $notes times, not once"; exit 1; }
  local first
  first=$(sed -n 's/.*starting with dt = \([0-9.e+-]*\) instead.*/\1/p' "$name-big.log")
  echo "$name: first step $first"
  # The same run started with that step: on 1 rank, and on 2 ranks x 2 threads.
  "$mpiexec" -n 1 "$app" "${common[@]}" --set "time.dt=$first" --quiet --output "$name-1.h5" > "$name-1.log" 2>&1 \
    || { cat "$name-1.log"; echo "FAIL: $name: the run with time.dt = $first failed"; exit 1; }
  if grep -q "note:" "$name-1.log"; then
    cat "$name-1.log"; echo "FAIL: $name: a step at the limit was noted as above it"; exit 1
  fi
  OMP_NUM_THREADS=2 "$mpiexec" -n 2 "$app" "${common[@]}" --set time.dt=1000 --threads 2 --quiet \
    --output "$name-threads.h5" > "$name-threads.log" 2>&1 \
    || { cat "$name-threads.log"; echo "FAIL: $name: the threaded run failed"; exit 1; }
  for other in "$name-1.h5" "$name-threads.h5"; do
    for dataset in /c /time /dt /step; do
      h5diff "$name-big.h5" "$other" "$dataset" "$dataset" > /dev/null \
        || { echo "FAIL: $name: $dataset in $other differs from $name-big.h5's"; exit 1; }
    done
  done
}

check ch_euler_2d "$ch" euler "[24,20]" 2.0
check ch_rkf45_3d "$ch" rkf45 "[12,10,8]" 1.0 --config "$cfg/cahn_hilliard_3d.toml"
check ch_euler_1d "$ch" euler "[40]" 2.0 --set grid.periodic=[true] --set grid.spacing=[0.5]
check pde_rkf45_2d "$pde" rkf45 "[24,20]" 1.0 --config "$cfg/pde_cahn_hilliard.toml"
echo "every adaptive run above its first-step limit started at the limit, on every layout"
