#!/usr/bin/env bash
# A grid that does not fit under the address-space limit (ulimit -v 4 GiB, as a batch system
# sets it): every rank stops before allocating, with one message naming the need and the limit,
# exit status 1 everywhere, no MPI_Abort, no output file.
# Usage: memory_limit_test.sh MPIEXEC APP WORKDIR RANKS
set -euo pipefail
. "$(dirname "$0")/batch_checks.sh"
mpiexec=$1 app=$2 work=$3 ranks=$4
rm -rf "$work" && mkdir -p "$work" && cd "$work"
set +e
(
  ulimit -v 4194304
  timeout 60 "$mpiexec" -n "$ranks" "$app" --set grid.shape=[30000,30000] --set time.t_end=1 \
    --output big.h5 > run.log 2>&1
)
rc=$?
set -e
expect_one_error "$rc" run.log "error: out of memory ahead: rank 0 needs about [0-9]* MiB for its fields, but its address-space limit (ulimit -v) leaves [0-9]* MiB; use more ranks"
if grep -q "MPI_ABORT" run.log; then
  echo "FAIL: the job was aborted instead of ending cleanly"
  exit 1
fi
[ ! -e big.h5 ] || { echo "FAIL: an output file was created"; exit 1; }
echo "PASS"
