#!/usr/bin/env bash
# MPDATA restart, end to end: a run stopped half way (by its step count, and by SIGTERM) and
# continued with --restart on another rank/thread layout equals the uninterrupted run bit for bit.
# Usage: mpdata_restart_test.sh MPIEXEC APP CONFIG WORKDIR
set -euo pipefail
mpiexec=$1 app=$2 config=$3 work=$4
rm -rf "$work" && mkdir -p "$work" && cd "$work"
common=(--config "$config" --set grid.shape=[40,32] --set output.interval=5 --quiet)
fail() { echo "FAIL: $*"; exit 1; }
same() { h5diff -q "$1" "$2" /psi /psi && h5diff -q "$1" "$2" /step /step || fail "$1 and $2 differ"; }

echo "== 1. reference, then half + restart on 4 ranks x 2 threads"
"$mpiexec" -n 1 "$app" "${common[@]}" --set time.n_steps=60 --output ref.h5
"$mpiexec" -n 2 "$app" "${common[@]}" --set time.n_steps=30 --output half.h5
OMP_NUM_THREADS=2 "$mpiexec" -n 4 "$app" --restart half.h5 "${common[@]}" --set time.n_steps=60 \
  --threads 2 --thread-dim 1
same ref.h5 half.h5
echo "restart: identical"

echo "== 2. SIGTERM mid-run, restart on 3 ranks"
long=(--config "$config" --set grid.shape=[40,32] --set output.interval=5 --set time.n_steps=100000000 --quiet)
"$mpiexec" -n 2 "$app" "${long[@]}" --output term.h5 > term.log 2>&1 &
launcher=$!
sleep 3
pkill -TERM -f "$app.*term.h5" || true
set +e; wait $launcher; rc=$?; set -e
cat term.log
[ $rc -ne 0 ] || fail "an interrupted run must exit non-zero"
grep -q "interrupted at step " term.log || fail "no interruption message"
grep -q -- "--restart term.h5" term.log || fail "no restart hint"
stop=$(/usr/bin/python3 -c "import h5py; print(int(h5py.File('term.h5','r')['step'][-1]))")
echo "stopped at step $stop"
"$mpiexec" -n 3 "$app" --restart term.h5 "${long[@]}" --set time.n_steps=$((stop + 20))
"$mpiexec" -n 1 "$app" "${long[@]}" --set time.n_steps=$((stop + 20)) --output term_ref.h5
same term_ref.h5 term.h5
echo "SIGTERM + restart: identical"
echo "PASS"
