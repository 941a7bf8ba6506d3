#!/usr/bin/env bash
# --progress auto on a terminal of its own (the app started without mpiexec, under `script`, which
# gives it a pseudo-terminal): a bar redrawn on stderr (carriage returns), ended by a newline
# before the summary; under mpiexec on the same terminal: lines on stdout (the launcher's
# forwarding pty is no interactive terminal). And a bar forced on rank 0 ends its line before
# the error that rank 0 prints for another rank.
# Usage: progress_tty_test.sh MPIEXEC CAHN_HILLIARD PDE WORKDIR
set -uo pipefail
mpiexec=$1 app=$2 pde=$3 work=$4
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
small=(--set 'grid.shape=[64,64]' --set time.t_end=20 --set time.dt=0.01 --set output.interval=2)
quote() { printf '%q ' "$@"; }
cr=$(printf '\r')

script -qec "$(quote "$app" "${small[@]}" --output alone.h5)" /dev/null > alone.log 2>&1
grep -q "$cr\[" alone.log || { cat -A alone.log | head; echo "FAIL: no bar on a terminal of its own"; exit 1; }
grep -q "^done: t = 20 after" alone.log || { cat -A alone.log | tail; echo "FAIL: the summary does not start a line"; exit 1; }

script -qec "$(quote "$mpiexec" -n 2 "$app" "${small[@]}" --output launched.h5)" /dev/null > launched.log 2>&1
grep -q "^done: t = 20 after" launched.log || { cat launched.log; echo "FAIL: the run under mpiexec failed"; exit 1; }
if grep -q "$cr\[" launched.log; then
  cat -A launched.log | head; echo "FAIL: a bar under mpiexec"; exit 1
fi

# dc/dt = c² from c = 0.5 but 10 in one cell of rank 1's block: that cell blows up near t = 0.1
# (the others near t = 2), so rank 1 reports it, while rank 0 has a forced bar open.
/usr/bin/python3 - <<'PY'
import h5py, numpy as np
c = np.full((64, 64), 0.5)
c[40, 10] = 10.0
with h5py.File("spike.h5", "w") as f:
    f["c"] = c
PY
# Rank 0 draws the bar on stderr and prints every agreed error there itself, so its newline and
# the error reach the log in order (the launcher forwards each stream of each rank separately and
# promises no order between them): one try.
"$mpiexec" -n 2 "$pde" --set 'grid.shape=[64,64]' --set 'equation.c="c**2"' --set time.t_end=1 \
  --set time.dt=0.01 --set output.interval=0.01 --mpi-dims 2,1 --set initial.c.type=file \
  --set initial.c.file=spike.h5 --progress bar --output spike_run.h5 --overwrite > error.log 2>&1
grep -q "$cr\[" error.log || { cat -A error.log | head; echo "FAIL: no forced bar"; exit 1; }
grep -q "^error: rank 1: c became NaN or infinite by t = " error.log || {
  cat -A error.log | head; echo "FAIL: rank 1's error does not start its own line"; exit 1; }
echo "PASS: a bar on a terminal of its own, lines under mpiexec, errors on their own line"
