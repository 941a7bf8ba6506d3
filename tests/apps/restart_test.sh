#!/usr/bin/env bash
# Restart and interruption, end to end (issue: "a frame written is a frame kept", bit-for-bit
# restart on another layout):
#  1. reference: one uninterrupted run;
#  2. a run to half time, then --restart on another rank/thread layout to the end: identical;
#  3. SIGTERM to every rank between two scheduled frames: exits non-zero after writing a frame
#     at the step it stopped at, saying how to restart; the restart on another layout completes
#     the run identically;
#  4. SIGKILL mid-run: the file opens and every frame in it equals the reference frame.
# Usage: restart_test.sh MPIEXEC APP CONFIG WORKDIR [fixed|adaptive|semi|semi_adaptive]
# (semi: cahn_hilliard's semi-implicit scheme with fixed steps of 0.25; semi_adaptive: adaptive)
set -euo pipefail
mpiexec=$1 app=$2 config=$3 work=$4 mode=${5:-fixed}
rm -rf "$work" && mkdir -p "$work" && cd "$work"
common=(--config "$config" --set grid.shape=[40,32] --set time.dt=0.01 --set output.interval=1.0 --quiet)
[ "$mode" = adaptive ] && common+=(--set time.adaptive=true --set time.tolerance=1e-5)
semi=(--set time.scheme=semi_implicit --set time.dt=0.25)
[ "$mode" = semi ] && common+=("${semi[@]}")
[ "$mode" = semi_adaptive ] && common+=("${semi[@]}" --set time.adaptive=true --set time.tolerance=1e-4)
fail() { echo "FAIL: $*"; exit 1; }
same() { h5diff -q "$1" "$2" /c /c && h5diff -q "$1" "$2" /time /time && h5diff -q "$1" "$2" /step /step \
         || fail "$1 and $2 differ"; }

echo "== 1. reference"
"$mpiexec" -n 1 "$app" "${common[@]}" --set time.t_end=6.0 --output ref.h5
/usr/bin/python3 "$(dirname "$0")/check_xdmf.py" "$PWD/ref.xdmf"

echo "== 2. half, then restart on 4 ranks x 2 threads"
"$mpiexec" -n 2 "$app" "${common[@]}" --set time.t_end=3.0 --output half.h5
OMP_NUM_THREADS=2 "$mpiexec" -n 4 "$app" --restart half.h5 --set time.t_end=6.0 --threads 2 --thread-dim 0 --quiet
same ref.h5 half.h5
echo "restart: identical"

echo "== 3. SIGTERM inside an output interval"
# One output interval longer than the run: the stop comes between scheduled frames, writes its
# own frame at the step it stopped at, and the restart finishes that interval exactly as the
# uninterrupted run does (a fixed-step interval's end time depends on its start and step count).
mid=(--config "$config" --set grid.shape=[40,32] --set time.dt=0.01 --set output.interval=1e6 --set time.t_end=1e6 --quiet)
[ "$mode" = adaptive ] && mid+=(--set time.adaptive=true --set time.tolerance=1e-5)
[ "$mode" = semi ] && mid+=("${semi[@]}")
[ "$mode" = semi_adaptive ] && mid+=("${semi[@]}" --set time.adaptive=true --set time.tolerance=1e-4)
"$mpiexec" -n 2 "$app" "${mid[@]}" --output term.h5 > term.log 2>&1 &
launcher=$!
sleep 3
# Only the app processes (anchored: not mpiexec, whose command line names the app too), as a
# batch system signals them; mpiexec then reports their exit code.
pkill -TERM -f "^$app.*term.h5" || true
set +e; wait $launcher; rc=$?; set -e
cat term.log
[ $rc -ne 0 ] || fail "an interrupted run must exit non-zero"
grep -q "interrupted at t = " term.log || fail "no interruption message"
grep -q -- "--restart term.h5" term.log || fail "no restart hint"
t_stop=$(/usr/bin/python3 -c "import h5py; f = h5py.File('term.h5','r'); assert f['time'].shape == (2,); print(repr(f['time'][-1]))")
echo "stopped at t = $t_stop"
t_end=$(/usr/bin/python3 -c "print(repr($t_stop + 2.0))")
cp term.h5 term_dt.h5
cp term.xdmf term_dt.xdmf 2>/dev/null || true
OMP_NUM_THREADS=2 "$mpiexec" -n 3 "$app" --restart term.h5 --set time.t_end="$t_end" --threads 2 --quiet
"$mpiexec" -n 1 "$app" "${mid[@]}" --set time.t_end="$t_end" --output term_ref.h5
/usr/bin/python3 - <<'PY'
import h5py, numpy as np
with h5py.File("term.h5", "r") as a, h5py.File("term_ref.h5", "r") as b:
    # term.h5 holds the reference's frames with the stop frame (index 1) inserted.
    n = b["c"].shape[0]
    assert a["c"].shape[0] == n + 1, (a["time"][:], b["time"][:])
    assert 0 < a["step"][1] < b["step"][1], (a["step"][:], b["step"][:])
    for name in ("c", "time", "step", "dt"):
        kept = np.delete(a[name][:], 1, axis=0)
        assert np.array_equal(kept, b[name][:]), f"{name} differs"
print("SIGTERM inside an interval + restart on 3 ranks x 2 threads: identical")
PY
# The stop frame continued with another (fixed) step: the steps already taken in its interval
# do not count in the new dt, so the run continues from the frame's own time to t_end.
"$mpiexec" -n 2 "$app" --restart term_dt.h5 --set time.adaptive=false --set time.scheme=euler \
  --set time.dt=0.005 --set time.t_end="$t_end" --quiet
/usr/bin/python3 - "$t_end" <<'PY'
import sys, h5py
t_end = float(sys.argv[1])
with h5py.File("term_dt.h5", "r") as f:
    t, step = f["time"][:], f["step"][:]
    assert t.shape[0] == 3, t
    assert 0.0 <= t[-1] - t_end < 0.005 + 1e-9, (t, t_end)
    assert step[-1] - step[1] in (400, 401), step
print(f"restart with another dt: from t = {t[1]!r} to {t[-1]!r} in {step[-1] - step[1]} steps")
PY

long=(--config "$config" --set grid.shape=[40,32] --set time.dt=0.01 --set output.interval=0.5 --set time.t_end=4000.0 --quiet)
[ "$mode" = adaptive ] && long+=(--set time.adaptive=true --set time.tolerance=1e-5)
echo "== 4. SIGKILL"
"$mpiexec" -n 2 "$app" "${long[@]}" --output kill.h5 > kill.log 2>&1 &
launcher=$!
sleep 3
pkill -KILL -f "^$app.*kill.h5" || true
set +e; wait $launcher; set -e
/usr/bin/python3 - <<'PY'
import h5py, numpy as np, subprocess, sys
with h5py.File("kill.h5", "r") as f:
    n = f["c"].shape[0]
    assert n >= 1 and f["time"].shape[0] == n, "frames and times disagree"
    times = f["time"][:]
    c = f["c"][:]
print(f"killed file holds {n} frames up to t = {times[-1]}")
open("kill_frames.txt", "w").write(f"{n} {times[-1]}\n")
PY
read -r frames t_kill < kill_frames.txt
"$mpiexec" -n 1 "$app" "${long[@]}" --set time.t_end="$t_kill" --output kill_ref.h5
/usr/bin/python3 - <<'PY'
import h5py, numpy as np
with h5py.File("kill.h5", "r") as a, h5py.File("kill_ref.h5", "r") as b:
    n = a["c"].shape[0]
    assert np.array_equal(a["c"][:n], b["c"][:n]), "a kept frame differs from the reference"
    assert np.array_equal(a["time"][:n], b["time"][:n])
print("SIGKILL: every kept frame equals the reference")
PY
echo "PASS"
