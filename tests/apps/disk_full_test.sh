#!/usr/bin/env bash
# The disk fills up mid-run (a small tmpfs as the output directory): every rank stops within
# seconds with one message naming the file and the free space, exit status 1 everywhere, and
# the file keeps every frame written before (it opens, frames_complete says how many).
# Needs root to mount a tmpfs; elsewhere it is skipped visibly (exit 77, ctest's SKIP).
# Usage: disk_full_test.sh MPIEXEC APP WORKDIR RANKS
set -euo pipefail
. "$(dirname "$0")/batch_checks.sh"
mpiexec=$1 app=$2 work=$3 ranks=$4
rm -rf "$work" && mkdir -p "$work/small" && cd "$work"
if ! mount -t tmpfs -o size=256k tmpfs small 2>/dev/null; then
  echo "SKIPPED: cannot mount a tmpfs here (needs root)"
  exit 77
fi
trap 'umount "$work/small"' EXIT
set +e
timeout 60 "$mpiexec" -n "$ranks" "$app" --set grid.shape=[64,64] --set time.dt=0.01 \
  --set time.t_end=20.0 --set output.interval=0.5 --progress=none --output small/o.h5 > run.log 2>&1
rc=$?
set -e
expect_one_error "$rc" run.log "error: cannot write frame [0-9]* to small/o.h5; the file system holding it has [0-9]* bytes free, the frame needs about [0-9]*"
/usr/bin/python3 - <<'PY'
import h5py
with h5py.File("small/o.h5", "r") as f:
    frames = int(f.attrs["frames_complete"])
    assert frames >= 2, frames
    assert f["c"].shape[0] >= frames and len(f["time"]) >= frames, (f["c"].shape, len(f["time"]))
    times = list(f["time"][:frames])
    assert all(abs(t - 0.5 * i) < 1e-9 for i, t in enumerate(times)), times
    print("the file keeps %d complete frames" % frames)
PY
