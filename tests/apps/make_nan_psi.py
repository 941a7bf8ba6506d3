"""Writes nan_psi.h5: a 24 x 20 field of 1.0 with one NaN at (20, 18), in rank 3's block on 2 x 2 ranks."""
import h5py
import numpy as np

a = np.full((24, 20), 1.0)
a[20, 18] = np.nan
with h5py.File("nan_psi.h5", "w") as f:
    f["psi"] = a
    f["wrong_shape"] = np.ones((20, 24))
