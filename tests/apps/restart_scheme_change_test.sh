#!/usr/bin/env bash
# A restart that changes time.scheme: the stored configuration holds the earlier scheme's keys
# (time.explicit_fraction of crank_nicolson, time.max_iterations and time.max_error of the
# fixed-point schemes). They are left behind, not refused, and the file's configuration then
# holds the new scheme's keys alone, so later restarts run from it as it stands; given with
# --set for a scheme that does not take them, they are still refused.
# Usage: restart_scheme_change_test.sh MPIEXEC PDE_APP CONFIG WORKDIR
set -euo pipefail
mpiexec=$1 app=$2 config=$3 work=$4
rm -rf "$work" && mkdir -p "$work" && cd "$work"
fail() { echo "FAIL: $*"; exit 1; }
stored() { # the file's stored configuration (read whole: no pipe for grep -q to cut short)
  /usr/bin/python3 -c "import h5py; v = h5py.File('run.h5', 'r').attrs['config']; print(v.decode() if isinstance(v, bytes) else v)"
}
run() { # run LOG ARGS...: 2 ranks, output redirected as in a batch job
  local log=$1; shift
  local rc=0
  "$mpiexec" -n 2 "$app" "$@" > "$log" 2>&1 || rc=$?
  [ "$rc" = 0 ] || { cat "$log"; fail "$log: exit status $rc"; }
}

run start.log --config "$config" --set 'grid.shape=[24,16]' --set time.dt=0.015625 --set time.t_end=0.0625 \
  --set output.interval=0.03125 --set 'time.scheme="crank_nicolson"' --set time.explicit_fraction=0.25 \
  --output run.h5
grep -q "explicit_fraction = 0.25" <<< "$(stored)" || fail "crank_nicolson did not store time.explicit_fraction"

run implicit.log --restart run.h5 --set 'time.scheme="implicit"' --set time.t_end=0.125
grep -q "done: t = 0.125" implicit.log || { cat implicit.log; fail "no summary at t = 0.125"; }
grep -q 'scheme = "implicit"' <<< "$(stored)" || fail "the stored scheme is not implicit"
! grep -q "explicit_fraction" <<< "$(stored)" || fail "crank_nicolson's time.explicit_fraction is still stored"
grep -q "max_iterations = 100" <<< "$(stored)" || fail "implicit's time.max_iterations is not stored"

run euler.log --restart run.h5 --set 'time.scheme="euler"' --set time.t_end=0.1875 --threads 2
grep -q "done: t = 0.1875" euler.log || { cat euler.log; fail "no summary at t = 0.1875"; }
! grep -Eq "max_iterations|max_error" <<< "$(stored)" || fail "the fixed-point keys are still stored"

run again.log --restart run.h5 --set time.t_end=0.25
grep -q "done: t = 0.25" again.log || { cat again.log; fail "no summary at t = 0.25"; }

refused() { # refused LOG KEY ARGS...: a non-zero exit and KEY's refusal printed once
  local log=$1 key=$2; shift 2
  if "$mpiexec" -n 2 "$app" --restart run.h5 "$@" > "$log" 2>&1; then
    cat "$log"; fail "$key for euler was not refused"
  fi
  [ "$(grep -c "$key: only the fixed-point schemes take it" "$log")" = 1 ] \
    || { cat "$log"; fail "the refusal of $key is not printed once"; }
}
# Given for this job, a key the scheme does not take is refused: once, non-zero, file kept; also
# inside a whole [time] table given for this job (it replaces the stored table).
refused refused.log time.max_iterations --set time.t_end=0.5 --set time.max_iterations=5
refused table.log time.max_error \
  --set 'time={scheme="euler", dt=0.015625, t_end=0.5, max_error=1e-3}'
/usr/bin/python3 -c "import h5py, sys; f = h5py.File('run.h5', 'r'); sys.exit(0 if abs(f['time'][-1] - 0.25) < 1e-12 else 1)" \
  || fail "the refused restart changed the file"
echo "PASS: scheme changes across restarts"
