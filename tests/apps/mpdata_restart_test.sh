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

echo "== 1b. two advectees (psi, psi_1): half + restart on 3 ranks x 2 threads"
two=(--config "$(dirname "$config")/mpdata_two_tracers.toml" --set output.interval=5 --quiet) # 100 x 100: both tracers inside
"$mpiexec" -n 1 "$app" "${two[@]}" --set time.n_steps=40 --output two_ref.h5
"$mpiexec" -n 2 "$app" "${two[@]}" --set time.n_steps=20 --output two_half.h5
OMP_NUM_THREADS=2 "$mpiexec" -n 3 "$app" --restart two_half.h5 "${two[@]}" --set time.n_steps=40 --threads 2
same two_ref.h5 two_half.h5
h5diff -q two_ref.h5 two_half.h5 /psi_1 /psi_1 || fail "psi_1 differs after the restart"
echo "restart with two advectees: identical"

echo "== 2. SIGTERM mid-run (between regular frames), restart on 3 ranks"
# No regular frame before the end: the stop writes its own frame at the step it stops at.
long=(--config "$config" --set grid.shape=[40,32] --set output.interval=1000000000 --set time.n_steps=100000000 --quiet)
"$mpiexec" -n 2 "$app" "${long[@]}" --output term.h5 > term.log 2>&1 &
launcher=$!
sleep 3
# Only the app processes (anchored: not mpiexec, whose command line names the app too), as a
# batch system signals them; mpiexec then reports their exit code.
pkill -TERM -f "^$app.*term.h5" || true
set +e; wait $launcher; rc=$?; set -e
cat term.log
[ $rc -ne 0 ] || fail "an interrupted run must exit non-zero"
grep -q "interrupted at step " term.log || fail "no interruption message"
grep -q -- "--restart term.h5" term.log || fail "no restart hint"
stop=$(/usr/bin/python3 -c "import h5py; print(int(h5py.File('term.h5','r')['step'][-1]))")
echo "stopped at step $stop"
[ "$stop" -gt 0 ] || fail "the stop frame is missing"
"$mpiexec" -n 3 "$app" --restart term.h5 "${long[@]}" --set time.n_steps=$((stop + 20))
"$mpiexec" -n 1 "$app" "${long[@]}" --set time.n_steps=$((stop + 20)) --output term_ref.h5
/usr/bin/python3 - <<'PY'
import h5py, numpy as np
with h5py.File("term.h5", "r") as a, h5py.File("term_ref.h5", "r") as b:
    assert a["step"][-1] == b["step"][-1], (a["step"][:], b["step"][:])
    assert np.array_equal(a["psi"][-1], b["psi"][-1]), "the restarted run's last frame differs"
    assert np.array_equal(a["psi"][0], b["psi"][0])
print("SIGTERM between frames + restart: last frame identical")
PY
echo "PASS"
