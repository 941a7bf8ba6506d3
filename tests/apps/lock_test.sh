#!/usr/bin/env bash
# Two jobs and one output file: while job A writes run.h5, job B's --overwrite of it and its
# --restart from it are refused (naming A's process and the lock file), B leaves A's file
# alone, and A finishes normally. A lock left by a job that was killed is taken over.
# Usage: lock_test.sh MPIEXEC APP CONFIG WORKDIR
set -euo pipefail
mpiexec=$1 app=$2 config=$3 work=$4
rm -rf "$work" && mkdir -p "$work" && cd "$work"
fail() { echo "FAIL: $*"; cat a.log 2>/dev/null || true; exit 1; }
common=(--config "$config" --set grid.shape=[32,32] --set time.dt=0.01 --progress=none)
# A: long enough to be running while B tries (stopped with SIGTERM below).
"$mpiexec" -n 2 "$app" "${common[@]}" --set time.t_end=1e6 --set output.interval=1.0 --output run.h5 > a.log 2>&1 &
launcher=$!
for _ in $(seq 100); do [ -e run.h5.lock ] && [ -e run.xdmf ] && break; sleep 0.1; done
[ -e run.h5.lock ] || fail "A holds no lock file"
set +e
"$mpiexec" -n 2 "$app" "${common[@]}" --set time.t_end=1.0 --output run.h5 --overwrite > b1.log 2>&1
rc1=$?
"$mpiexec" -n 2 "$app" --restart run.h5 --set time.t_end=2e6 --progress=none > b2.log 2>&1
rc2=$?
set -e
cat b1.log b2.log
[ "$rc1" = 1 ] && [ "$rc2" = 1 ] || fail "B's exit statuses $rc1, $rc2 (expected 1, 1)"
for log in b1.log b2.log; do
  n=$(grep -c "error: run.h5 is being written by another job (process [0-9]* on .*, lock file run.h5.lock); wait for it to end, or remove the lock file if that job is gone" "$log" || true)
  [ "$n" = 1 ] || fail "$log: the refusal appeared $n times"
done
kill -0 "$launcher" || fail "A stopped while B tried"
pkill -TERM -f "^$app.*--output run.h5\$" || true
wait "$launcher" || true
grep -q "interrupted at " a.log || fail "A did not stop cleanly"
[ ! -e run.h5.lock ] || fail "A left its lock file"
/usr/bin/python3 -c "import h5py; f = h5py.File('run.h5', 'r'); assert f.attrs['frames_complete'] >= 1"
echo "a second writer and a restart were refused while A ran; A ended cleanly"
# A lock left by a process that is gone (a killed job) does not block.
echo "$(hostname) 999999999" > run.h5.lock
"$mpiexec" -n 2 "$app" "${common[@]}" --set time.t_end=0.05 --output run.h5 --overwrite > c.log 2>&1 \
  || { cat c.log; fail "a stale lock blocked the next job"; }
[ ! -e run.h5.lock ] || fail "the next job left the lock file"
echo "a stale lock was taken over"
