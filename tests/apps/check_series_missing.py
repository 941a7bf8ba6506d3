"""Checks that a per-frame series reads NaN for its first frames and finite values after them.

Usage: check_series_missing.py FILE DATASET FRAMES_MISSING FRAMES_IN_ALL
"""
import sys

import h5py
import numpy as np

path, dataset, missing, frames = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
with h5py.File(path, "r") as f:
    values = f[dataset][:]
if len(values) != frames:
    sys.exit(f"/{dataset} has {len(values)} entries, expected {frames}")
if not np.isnan(values[:missing]).all():
    sys.exit(f"/{dataset}: the first {missing} entries should be NaN: {values[:missing]}")
if not np.isfinite(values[missing:]).all():
    sys.exit(f"/{dataset}: the entries from {missing} on should be finite: {values[missing:]}")
print(f"/{dataset}: {missing} NaN entries, then {frames - missing} values")
