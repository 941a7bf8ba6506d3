#!/usr/bin/env bash
# An error the driver does not expect, on several ranks at once while the others wait in a
# halo exchange: the job ends (MPI_Abort) within the time limit, with a non-zero status, and
# the error is printed once, not once per failing rank.
# Usage: abort_once_test.sh MPIEXEC APP WORKDIR RANKS [FAILING_RANKS [THREADS]]
# (FAILING_RANKS a TOML list, none or empty: all; THREADS > 1: the failure is thrown on every
# thread of a failing rank, inside its threaded region)
set -uo pipefail
mpiexec=$1 app=$2 work=$3 ranks=$4 threads=${6:-1}
fault=()
[ -z "${5:-}" ] || fault=(--set "fault.ranks=$5")
if [ "$threads" -gt 1 ]; then
  fault+=(--threads "$threads" --set fault.in_threads=true)
  export OMP_NUM_THREADS=$threads
fi
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
timeout 60 "$mpiexec" -n "$ranks" "$app" ${fault[@]+"${fault[@]}"} --set time.n_steps=4 \
  --output run.h5 > run.log 2>&1
rc=$?
cat run.log
[ "$rc" != 124 ] || { echo "FAIL: the run hung"; exit 1; }
[ "$rc" != 0 ] || { echo "FAIL: exit status 0"; exit 1; }
# With threads the failure comes from inside the threaded region and names its thread.
if [ "$threads" -gt 1 ]; then
  pattern="^error on rank [0-9]*: injected failure on rank [0-9]* in thread [0-9]*$"
else
  pattern="^error on rank [0-9]*: injected failure on rank [0-9]*$"
fi
n=$(grep -c "$pattern" run.log || true)
[ "$n" = 1 ] || { echo "FAIL: the error appeared $n times, expected once"; exit 1; }
echo "PASS: one message, exit status $rc"
