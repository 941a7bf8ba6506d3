"""Writes one bad input file into the current directory, for the fault tests.

  g_nan        g_nan.h5: a G factor of ones on the 48 x 24 sphere grid, NaN in cell (40, 20)
               (the last rank's block on 2 and on 4 ranks)
  courant_nan  courant_nan.h5: Courant numbers 0.1 on the faces of a 24 x 20 grid
               (courant_0: 25 x 20, courant_1: 24 x 21), NaN on face (20, 15) of dimension 0
  empty_dt     empties the /dt series of r.h5 (an adaptive run's file)
"""
import sys

import h5py
import numpy

kind = sys.argv[1]
if kind == "g_nan":
    g = numpy.ones((48, 24))
    g[40, 20] = numpy.nan
    with h5py.File("g_nan.h5", "w") as f:
        f["g"] = g
elif kind == "courant_nan":
    c0 = numpy.full((25, 20), 0.1)
    c0[20, 15] = numpy.nan
    with h5py.File("courant_nan.h5", "w") as f:
        f["courant_0"] = c0
        f["courant_1"] = numpy.full((24, 21), 0.1)
elif kind == "empty_dt":
    with h5py.File("r.h5", "r+") as f:
        f["dt"].resize(0, axis=0)
else:
    sys.exit("unknown kind " + kind)
