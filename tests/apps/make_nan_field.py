"""Writes nan.h5: a 24 x 20 field of 0.5 with one NaN at (20, 18), in rank 3's block on 2 x 2 ranks."""
import h5py
import numpy as np

a = np.full((24, 20), 0.5)
a[20, 18] = np.nan
with h5py.File("nan.h5", "w") as f:
    f["c"] = a
