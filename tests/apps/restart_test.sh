#!/usr/bin/env bash
# Restart and interruption, end to end (issue: "a frame written is a frame kept", bit-for-bit
# restart on another layout):
#  1. reference: one uninterrupted run;
#  2. a run to half time on a fixed process grid, then --restart with no layout flags on another
#     rank count and thread count to the end: identical (the stored layout is not inherited);
#  3. SIGTERM to every rank between two scheduled frames: exits non-zero after writing a frame
#     at the step it stopped at, saying how to restart; the restart on another layout completes
#     the run identically;
#  4. SIGKILL mid-run: the file opens and every frame in it equals the reference frame.
# The root attribute `status` says how each file's run stands: finished, stopped (SIGTERM) or,
# after SIGKILL, still running; and SIGTERM sent to mpiexec alone stops the run as well.
# Usage: restart_test.sh MPIEXEC APP CONFIG WORKDIR [fixed|adaptive|semi|semi_adaptive|noise]
# (semi: the semi-implicit scheme with fixed steps of 0.25; semi_adaptive: adaptive; noise: fixed
# Euler steps with additive noise)
set -euo pipefail
mpiexec=$1 app=$2 config=$3 work=$4 mode=${5:-fixed}
rm -rf "$work" && mkdir -p "$work" && cd "$work"
common=(--config "$config" --set grid.shape=[40,32] --set time.dt=0.01 --set output.interval=1.0 --quiet)
[ "$mode" = adaptive ] && common+=(--set time.adaptive=true --set time.tolerance=1e-5)
semi=(--set time.scheme=semi_implicit --set time.dt=0.25)
[ "$mode" = semi ] && common+=("${semi[@]}")
[ "$mode" = semi_adaptive ] && common+=("${semi[@]}" --set time.adaptive=true --set time.tolerance=1e-4)
noise=(--set noise.variance.c=1e-3 --set noise.seed=3) # Euler-Maruyama steps
[ "$mode" = noise ] && common+=("${noise[@]}")
fail() { echo "FAIL: $*"; exit 1; }
status() { /usr/bin/python3 -c "import h5py; v = h5py.File('$1', 'r').attrs.get('status', b''); print(v.decode() if isinstance(v, bytes) else v)"; }
expect_status() { [ "$(status "$1")" = "$2" ] || fail "$1: status $(status "$1"), expected $2"; }
same() { h5diff -q "$1" "$2" /c /c && h5diff -q "$1" "$2" /time /time && h5diff -q "$1" "$2" /step /step \
         || fail "$1 and $2 differ"; }

echo "== 1. reference"
"$mpiexec" -n 1 "$app" "${common[@]}" --set time.t_end=6.0 --output ref.h5
expect_status ref.h5 finished
/usr/bin/python3 "$(dirname "$0")/check_xdmf.py" "$PWD/ref.xdmf"

echo "== 2. half on 2 ranks x 2 threads, a fixed process grid; restart on 4 ranks x 1 thread"
"$mpiexec" -n 2 "$app" "${common[@]}" --set time.t_end=3.0 --output half.h5 --mpi-dims 2,1 \
  --threads 2 --thread-dim 1
attr() { /usr/bin/python3 -c "import h5py; v = h5py.File('$1', 'r').attrs['$2']; print(v.decode() if isinstance(v, bytes) else v)"; }
born=$(attr half.h5 created)
sleep 1.1 # a restart in the same second could not tell the two times apart
# No layout flags: the stored mpi_dims (2 ranks), threads and thread_dim are the first job's, and
# the follow-up job takes its own (automatic process grid, OMP_NUM_THREADS threads). --output
# naming the file continued changes nothing; the summary tells the whole run's steps from this
# job's.
OMP_NUM_THREADS=1 "$mpiexec" -n 4 "$app" --restart half.h5 --output half.h5 --set time.t_end=6.0 \
  --quiet > restart.log 2>&1 || { cat restart.log; fail "the restart failed"; }
same ref.h5 half.h5
grep -Eq "^done: t = 6 after [0-9]+ steps, [0-9]+ of them in this job" restart.log \
  || { cat restart.log; fail "the summary does not say which steps were this job's"; }
[ "$(attr half.h5 threads)" = "[1]" ] || fail "the restart ran $(attr half.h5 threads) threads, not OMP_NUM_THREADS=1"
[ "$(attr half.h5 created)" = "$born" ] || fail "the restart changed 'created' ($born -> $(attr half.h5 created))"
[ "$(attr half.h5 history | grep -c 'frames appended')" = 1 ] || fail "history: $(attr half.h5 history)"
[ "$(attr half.h5 mpi_dims)" != "$(attr ref.h5 mpi_dims)" ] || fail "mpi_dims is not the last run's"
echo "restart: identical on its own layout; created kept, history and layout attributes of the last run"

echo "== 3. SIGTERM inside an output interval"
# The stop comes between scheduled frames, writes its own frame at the step it stopped at, and the
# restart finishes that interval exactly as the uninterrupted run does. The reference must end
# where the interrupted run ends a segment too:
#  - fixed steps are counted from the segment's start and do not depend on where it ends: one
#    output interval longer than the run, and both runs end 2 time units after the stop;
#  - an adaptive trial step is clipped at its segment's end (py-pde's min(dt_opt, t_end - t)), and
#    the controller goes on from the clipped step even when it is rejected. A reference ending at
#    t_stop + 2 would clip a trial step of more than 2 taken shortly before the stop (the
#    controller grows the step 4-fold while the error is small: trials of 2 to 8 occur), which the
#    interrupted run, with its end far away, did not clip: the two runs part before the stop
#    (seen: a rejected trial step of 2.66 at step 73367, 5 steps before a stop at 73372). So
#    frames come every 20 time units, and both runs end at the end of the interval the stop came
#    in, a segment end of the interrupted run as well.
case "$mode" in *adaptive) adaptive_steps=1 ;; *) adaptive_steps=0 ;; esac
if [ "$adaptive_steps" = 1 ]; then interval=20.0; else interval=1e6; fi
mid=(--config "$config" --set grid.shape=[40,32] --set time.dt=0.01 --set output.interval=$interval --set time.t_end=1e6 --quiet)
[ "$mode" = adaptive ] && mid+=(--set time.adaptive=true --set time.tolerance=1e-5)
[ "$mode" = semi ] && mid+=("${semi[@]}")
[ "$mode" = semi_adaptive ] && mid+=("${semi[@]}" --set time.adaptive=true --set time.tolerance=1e-4)
[ "$mode" = noise ] && mid+=("${noise[@]}")
# A stop in the chunk of steps that reaches a scheduled frame comes at that frame instead (about
# one stop in eight for adaptive steps): the run is then repeated, up to twice, so that the stop
# frame inside an interval is what is tested.
for attempt in 1 2 3; do
  rm -f term.h5 term.xdmf term.xdmf.h5 term.log
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
  # The stop's time, the end of its interval (computed as the driver does: t_start + k·interval)
  # and whether the stop came inside it.
  stop=$(/usr/bin/python3 - "$interval" <<'PY'
import math, sys, h5py
interval = float(sys.argv[1])
with h5py.File("term.h5", "r") as f:
    t = f["time"][:]
t_stop = float(t[-1])
k = math.floor(t_stop / interval) + 1
assert (k - 1) * interval <= t_stop < k * interval, (t_stop, k, interval)
# Frames before the stop: the scheduled ones, 0, interval, ..., (k - 1)·interval.
assert list(t[:-1]) == [0.0 + j * interval for j in range(t.shape[0] - 1)], t
inside = t_stop != (k - 1) * interval
assert t.shape[0] == (k + 1 if inside else k), (t, k)
print(repr(t_stop), repr(0.0 + k * interval), int(inside), t.shape[0])
PY
  )
  read -r t_stop k_end inside frames <<< "$stop"
  [ "$inside" = 1 ] && break
  echo "(attempt $attempt: the stop came at the scheduled frame t = $t_stop)"
done
echo "stopped at t = $t_stop"
expect_status term.h5 stopped
if [ "$adaptive_steps" = 1 ]; then
  t_end=$k_end
  t_end_dt=$(/usr/bin/python3 -c "print(repr(min($t_stop + 2.0, $k_end)))")
else
  t_end=$(/usr/bin/python3 -c "print(repr($t_stop + 2.0))")
  t_end_dt=$t_end
fi
cp term.h5 term_dt.h5
cp term.xdmf term_dt.xdmf 2>/dev/null || true
OMP_NUM_THREADS=2 "$mpiexec" -n 3 "$app" --restart term.h5 --set time.t_end="$t_end" --threads 2 --quiet
expect_status term.h5 finished
"$mpiexec" -n 1 "$app" "${mid[@]}" --set time.t_end="$t_end" --output term_ref.h5
/usr/bin/python3 - "$inside" "$frames" <<'PY'
import sys, h5py, numpy as np
inside, stop = sys.argv[1] == "1", int(sys.argv[2]) - 1
with h5py.File("term.h5", "r") as a, h5py.File("term_ref.h5", "r") as b:
    # term.h5 holds the reference's frames with the stop frame (the last one before the restart)
    # inserted when it came inside an interval.
    n = b["c"].shape[0]
    assert a["c"].shape[0] == (n + 1 if inside else n), (a["time"][:], b["time"][:])
    if inside:
        assert b["step"][stop - 1] < a["step"][stop] < b["step"][stop], (a["step"][:], b["step"][:])
    for name in ("c", "time", "step", "dt"):
        kept = np.delete(a[name][:], stop, axis=0) if inside else a[name][:]
        assert np.array_equal(kept, b[name][:]), f"{name} differs"
where = "inside an interval" if inside else "at a scheduled frame"
print(f"SIGTERM {where} + restart on 3 ranks x 2 threads: identical")
PY
# The stop frame continued with another (fixed) step: the steps already taken in its interval
# do not count in the new dt, so the run continues from the frame's own time to t_end.
"$mpiexec" -n 2 "$app" --restart term_dt.h5 --set time.adaptive=false --set time.scheme=euler \
  --set time.dt=0.005 --set time.t_end="$t_end_dt" --quiet
/usr/bin/python3 - "$t_stop" "$t_end_dt" <<'PY'
import math, sys, h5py
t_stop, t_end = float(sys.argv[1]), float(sys.argv[2])
with h5py.File("term_dt.h5", "r") as f:
    t, step = f["time"][:], f["step"][:]
    assert t[-2] == t_stop and t.shape[0] >= 3, t
    assert 0.0 <= t[-1] - t_end < 0.005 + 1e-9, (t, t_end)
    steps = (t_end - t_stop) / 0.005
    assert max(1, math.floor(steps)) <= step[-1] - step[-2] <= max(1, math.ceil(steps) + 1), step
print(f"restart with another dt: from t = {t[-2]!r} to {t[-1]!r} in {step[-1] - step[-2]} steps")
PY

long=(--config "$config" --set grid.shape=[40,32] --set time.dt=0.01 --set output.interval=0.5 --set time.t_end=4000.0 --quiet)
[ "$mode" = adaptive ] && long+=(--set time.adaptive=true --set time.tolerance=1e-5)
[ "$mode" = semi ] && long+=("${semi[@]}")
[ "$mode" = semi_adaptive ] && long+=("${semi[@]}" --set time.adaptive=true --set time.tolerance=1e-4)
[ "$mode" = noise ] && long+=("${noise[@]}")
echo "== 4. SIGKILL"
# Killed after 3 s, or after 6 or 12 when a loaded machine had written only the initial frame by
# then (a kept frame beyond t = 0 is what this section tests).
for delay in 3 6 12; do
  rm -f kill.h5 kill.xdmf kill.xdmf.h5
  "$mpiexec" -n 2 "$app" "${long[@]}" --output kill.h5 > kill.log 2>&1 &
  launcher=$!
  sleep $delay
  pkill -KILL -f "^$app.*kill.h5" || true
  set +e; wait $launcher; set -e
  frames_written=$(/usr/bin/python3 -c "import h5py; print(h5py.File('kill.h5', 'r')['time'].shape[0])")
  [ "$frames_written" -lt 2 ] || break
  echo "(killed after ${delay} s with only the initial frame written: again, later)"
done
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
expect_status kill.h5 running

echo "== 5. SIGTERM to mpiexec alone"
# A batch system may signal the launcher rather than the ranks; mpiexec forwards the signal, but
# its exit status is then its own (Open MPI's 1; MPICH's 130 or 0, seen both), so the file's
# status is what tells a stop.
"$mpiexec" -n 2 "$app" "${long[@]}" --output launcher.h5 > launcher.log 2>&1 &
launcher=$!
sleep 3
kill -TERM $launcher
set +e; wait $launcher; rc=$?; set -e
grep -q -- "--restart launcher.h5" launcher.log || { cat launcher.log; fail "no restart hint"; }
expect_status launcher.h5 stopped
echo "SIGTERM to mpiexec: exit $rc, status stopped"
echo "PASS"
