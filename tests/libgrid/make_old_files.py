"""Writes the two frames of io_roundtrip_writer's files (PREFIX_1d.h5, _2d.h5, _3d.h5) the way
h5_writer laid files out before dimension scales, coordinates and CF attributes existed: the
datasets, chunked and growing along the frame axis, /time, /step, the series max_cells and a
root attribute, nothing else; stored as it stored them (chunks of one frame, allocated early,
no fill values, as parallel HDF5 needs). A restart (io_roundtrip_writer ... append) must then make them
files that check_roundtrip.py, check_netcdf.py and check_paraview.py accept.
Usage: make_old_files.py PREFIX"""
import sys

import h5py
import numpy as np

def create(f, name, data, chunks):
    """A dataset growing along axis 0, stored as the old writer stored it."""
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    dcpl.set_chunk(chunks)
    dcpl.set_alloc_time(h5py.h5d.ALLOC_TIME_EARLY)
    dcpl.set_fill_time(h5py.h5d.FILL_TIME_NEVER)
    space = h5py.h5s.create_simple(data.shape, (h5py.h5s.UNLIMITED,) + data.shape[1:])
    ds = h5py.h5d.create(f.id, name.encode(), h5py.h5t.py_create(data.dtype), space, dcpl=dcpl)
    ds.write(h5py.h5s.ALL, h5py.h5s.ALL, np.ascontiguousarray(data))


prefix = sys.argv[1]
for shape in ((11,), (13, 7), (7, 9, 5)):
    nd = len(shape)
    fields = [("cells", None, 0.0), ("faces_0", 0, 0.5)]
    if nd > 1:
        fields.append((f"faces_{nd - 1}", nd - 1, 0.25))
    with h5py.File(f"{prefix}_{nd}d.h5", "w") as f:
        for name, staggered, shift in fields:
            full = tuple(n + (1 if d == staggered else 0) for d, n in enumerate(shape))
            idx = np.indices(full, dtype=float)
            v = 1000.0 * idx[0] + shift + (idx[1] if nd > 1 else 0) + (idx[2] / 8 if nd > 2 else 0)
            create(f, name, np.stack([v, -v]), (1,) + full)
            if name == "cells":
                maxima = [v.max(), (-v).max()]
        for name, values, dtype in (("time", [0.0, 0.5], "f8"), ("step", [0, 10], "i8"),
                                    ("max_cells", maxima, "f8")):
            create(f, name, np.array(values, dtype=dtype), (64,))
        f.attrs["solver"] = "an older tessera"
print(f"{prefix}_{{1,2,3}}d.h5 written in the old layout")
