"""Reads the files of io_roundtrip_writer with h5py and checks every value exactly.
Usage: check_roundtrip.py PREFIX"""
import sys

import h5py
import numpy as np

prefix = sys.argv[1]
for nd, shape in ((2, (13, 7)), (3, (7, 9, 5))):
    with h5py.File(f"{prefix}_{nd}d.h5", "r") as f:
        for name, extra, shift in (("cells", 0, 0.0), ("faces_0", 1, 0.5)):
            full = (shape[0] + extra,) + shape[1:]
            idx = np.indices(full, dtype=float)
            expected = 1000.0 * idx[0] + idx[1] + (idx[2] / 8 if nd == 3 else 0.0) + shift
            data = f[name][:]
            assert data.shape == (2,) + full, (name, data.shape, full)
            assert np.array_equal(data[0], expected), f"{name} frame 0 differs"
            assert np.array_equal(data[1], -expected), f"{name} frame 1 differs"
        assert list(f["time"][:]) == [0.0, 1.0] and list(f["step"][:]) == [0, 1]
print("h5py reads back every value exactly")
