"""Writes g0.h5: a G factor of ones on the 48 x 24 sphere grid, zero in cell (3, 2)."""
import h5py
import numpy

g = numpy.ones((48, 24))
g[3, 2] = 0.0
with h5py.File("g0.h5", "w") as f:
    f["g"] = g
