"""Reads the files of io_roundtrip_writer (two frames, then a third appended by a restart) with
h5py and checks every value exactly. Usage: check_roundtrip.py PREFIX"""
import sys

import h5py
import numpy as np

prefix = sys.argv[1]
for shape in ((11,), (13, 7), (7, 9, 5)):
    nd = len(shape)
    fields = [("cells", None, 0.0), ("faces_0", 0, 0.5)]
    if nd > 1:
        fields.append((f"faces_{nd - 1}", nd - 1, 0.25))
    with h5py.File(f"{prefix}_{nd}d.h5", "r") as f:
        for name, staggered, shift in fields:
            full = tuple(n + (1 if d == staggered else 0) for d, n in enumerate(shape))
            idx = np.indices(full, dtype=float)
            expected = 1000.0 * idx[0] + shift
            if nd > 1:
                expected += idx[1]
            if nd > 2:
                expected += idx[2] / 8
            data = f[name][:]
            assert data.shape == (3,) + full, (name, data.shape, full)
            assert np.array_equal(data[0], expected), f"{name} frame 0 differs"
            assert np.array_equal(data[1], -expected), f"{name} frame 1 differs"
            assert np.array_equal(data[2], expected + 1), f"{name} frame 2 (appended) differs"
        assert list(f["time"][:]) == [0.0, 0.5, 1.25] and list(f["step"][:]) == [0, 10, 25]
        cells = f["cells"][:]
        assert list(f["max_cells"][:]) == [cells[k].max() for k in range(3)], "max_cells"
print("h5py reads back every value exactly")
