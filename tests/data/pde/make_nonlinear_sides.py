#!/usr/bin/env python3
"""Writes nonlinear_sides_20x16.h5: py-pde's right-hand side and Euler frames of an equation
whose sides are expressions that read the adjacent cell's value (`value`) and the cell size
(`dx`) besides the coordinates and the time, including py-pde's mixed_expression (Robin) sides,
on a 2-D grid [0, 10] x [-4, 4] of 20 x 16 cells (spacing 0.5).

Not run by the test suite: it needs py-pde 0.36 and numba (python3-numba), e.g.
  PYTHONPATH=/path/to/py-pde /usr/bin/python3 tests/data/pde/make_nonlinear_sides.py OUT.h5
"""
import sys

import h5py
import numpy as np
import pde

out = sys.argv[1] if len(sys.argv) > 1 else "nonlinear_sides_20x16.h5"
equation = "0.5*laplace(c) - 0.1*laplace(c**2) + 0.1*gradient_squared(c)"
sides = {
    "x-": {"type": "mixed_expression", "value": "1 + 0.5*sin(y)*t", "const": "0.3*cos(y) + value**2"},
    "x+": {"type": "derivative_expression", "value": "-0.4*value**3 + dx*y/10"},
    "y-": {"type": "value_expression", "value": "0.4 + 0.1*value*x/10"},
    "y+": {"type": "mixed_expression", "value": "2", "const": "x/10"},
}
shape = (20, 16)
bounds = [[0.0, 10.0], [-4.0, 4.0]]
bc = [[sides["x-"], sides["x+"]], [sides["y-"], sides["y+"]]]
dt, t_start, t_end, frames = 0.001, 0.5, 0.7, 2

grid = pde.CartesianGrid(bounds, shape, periodic=False)
rng = np.random.default_rng(2028)
c = pde.ScalarField(grid, rng.uniform(0.3, 0.7, shape), label="c")
eq = pde.PDE({"c": equation}, bc=bc)
rate = eq.evolution_rate(c.copy(), t=t_start)

storage = pde.MemoryStorage()
solver = pde.ExplicitSolver(eq, scheme="euler", adaptive=False)
controller = pde.Controller(solver, t_range=(t_start, t_end),
                            tracker=storage.tracker((t_end - t_start) / frames))
controller.run(c.copy(), dt=dt)

with h5py.File(out, "w") as f:
    f["c"] = np.stack([field.data for field in storage])
    f["rhs0_c"] = rate.data
    f["time"] = np.array(storage.times)
    f.attrs["equation_c"] = equation
    for side, spec in sides.items():
        f.attrs["side_" + side] = ", ".join(f"{k} = {v}" for k, v in spec.items())
    f.attrs["origin"] = [0.0, -4.0]
    f.attrs["spacing"] = [0.5, 0.5]
    f.attrs["dt"] = dt
    f.attrs["scheme"] = "euler"
    f.attrs["adaptive"] = 0
    f.attrs["py_pde_version"] = pde.__version__
print(out, "frames at", list(storage.times))
