#!/usr/bin/env python3
"""Writes vector_operators_24x20.h5: py-pde's right-hand side and Euler frames of a system that
uses its vector operators (gradient, divergence, dot, vector_laplace) on a 2-D grid, periodic
along x, with a Dirichlet side and a Neumann side along y, cells of 0.5 x 2.

Not run by the test suite: it needs py-pde 0.36 and numba (python3-numba), e.g.
  PYTHONPATH=/path/to/py-pde /usr/bin/python3 tests/data/pde/make_vector_operators.py OUT.h5
"""
import sys

import h5py
import numpy as np
import pde

out = sys.argv[1] if len(sys.argv) > 1 else "vector_operators_24x20.h5"
equations = {
    "c": "0.1*laplace(c) - divergence(c * gradient(phi)) + 0.01*dot(gradient(c), gradient(phi))",
    "phi": "laplace(phi) + c - phi - 0.05*divergence(vector_laplace(gradient(phi)))",
}
shape = (24, 20)
bounds = [[0.0, 12.0], [0.0, 40.0]]  # spacing 0.5 along x, 2 along y
bc = ["periodic", [{"value": 0.3}, {"derivative": 0.1}]]
dt, t_end, frames = 0.001, 0.2, 2

grid = pde.CartesianGrid(bounds, shape, periodic=[True, False])
rng = np.random.default_rng(2026)
c = pde.ScalarField(grid, rng.uniform(0.4, 0.6, shape), label="c")
phi = pde.ScalarField(grid, rng.uniform(-0.1, 0.1, shape), label="phi")
state = pde.FieldCollection([c, phi])
eq = pde.PDE(equations, bc=bc)
rate = eq.evolution_rate(state.copy())

storage = pde.MemoryStorage()
solver = pde.ExplicitSolver(eq, scheme="euler", adaptive=False)
controller = pde.Controller(solver, t_range=t_end, tracker=storage.tracker(t_end / frames))
controller.run(state.copy(), dt=dt)

with h5py.File(out, "w") as f:
    for k, name in enumerate(["c", "phi"]):
        f[name] = np.stack([field[k].data for field in storage])
        f["rhs0_" + name] = rate[k].data
    f["time"] = np.array(storage.times)
    for name, text in equations.items():
        f.attrs["equation_" + name] = text
    f.attrs["boundary"] = "x periodic; y: value 0.3 at y-, derivative 0.1 at y+ (every operator)"
    f.attrs["spacing"] = [0.5, 2.0]
    f.attrs["dt"] = dt
    f.attrs["scheme"] = "euler"
    f.attrs["adaptive"] = 0
    f.attrs["py_pde_version"] = pde.__version__
print(out, "frames at", list(storage.times))
