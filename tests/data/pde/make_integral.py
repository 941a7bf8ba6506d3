#!/usr/bin/env python3
"""Writes integral_16x12.h5: py-pde's right-hand side and Euler frames of an equation with an
integral over the grid in it (Allen-Cahn with the mean of its reaction term subtracted, which
conserves the integral of c), on a 2-D grid [0, 8] x [0, 6] of 16 x 12 cells, zero-flux sides.

Not run by the test suite: it needs py-pde 0.36 and numba (python3-numba), e.g.
  PYTHONPATH=/path/to/py-pde /usr/bin/python3 tests/data/pde/make_integral.py OUT.h5
"""
import sys

import h5py
import numpy as np
import pde

out = sys.argv[1] if len(sys.argv) > 1 else "integral_16x12.h5"
equation = "laplace(c) - c**3 + c + integral(c**3 - c)/area"
shape = (16, 12)
bounds = [[0.0, 8.0], [0.0, 6.0]]
area = 48.0
dt, t_end, frames = 0.01, 2.0, 2

grid = pde.CartesianGrid(bounds, shape, periodic=False)
rng = np.random.default_rng(2028)
c = pde.ScalarField(grid, rng.uniform(-0.5, 0.7, shape), label="c")
eq = pde.PDE({"c": equation}, bc="auto_periodic_neumann", consts={"area": area})
rate = eq.evolution_rate(c.copy())

storage = pde.MemoryStorage()
solver = pde.ExplicitSolver(eq, scheme="euler", adaptive=False)
controller = pde.Controller(solver, t_range=t_end, tracker=storage.tracker(t_end / frames))
controller.run(c.copy(), dt=dt)

with h5py.File(out, "w") as f:
    f["c"] = np.stack([field.data for field in storage])
    f["rhs0_c"] = rate.data
    f["time"] = np.array(storage.times)
    f["integral_c"] = np.array([field.integral for field in storage])
    f.attrs["equation_c"] = equation
    f.attrs["constant_area"] = area
    f.attrs["boundary"] = "zero-flux (Neumann 0) on every side"
    f.attrs["spacing"] = [0.5, 0.5]
    f.attrs["dt"] = dt
    f.attrs["scheme"] = "euler"
    f.attrs["adaptive"] = 0
    f.attrs["py_pde_version"] = pde.__version__
print(out, "frames at", list(storage.times), "integrals", [field.integral for field in storage])
