#!/usr/bin/env python3
"""Writes implicit_16x12.h5 and crank_nicolson_16x12.h5: py-pde's ImplicitSolver (backward Euler
by fixed-point iteration) and CrankNicolsonSolver (explicit_fraction 0.25) on an Allen-Cahn
equation with a Dirichlet and a Neumann side, frames every 0.5 from t = 0 to 1 with dt = 0.05,
and the right-hand side of the start.

Not run by the test suite: it needs py-pde 0.36 and numba (python3-numba), e.g.
  PYTHONPATH=/path/to/py-pde /usr/bin/python3 tests/data/pde/make_fixed_point.py OUT_DIR
"""
import pathlib
import sys

import h5py
import numpy as np
import pde

out_dir = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
equation = "laplace(c) - c**3 + c"
shape = (16, 12)
bc = [[{"value": 0.2}, {"derivative": 0.0}], [{"derivative": 0.0}, {"derivative": 0.0}]]
dt, t_end, interval = 0.05, 1.0, 0.5
grid = pde.CartesianGrid([[0.0, 16.0], [0.0, 12.0]], shape, periodic=False)
rng = np.random.default_rng(2029)
start = pde.ScalarField(grid, rng.uniform(-0.5, 0.5, shape), label="c")
eq = pde.PDE({"c": equation}, bc=bc)
rate = eq.evolution_rate(start.copy())
for name, solver, alpha in [("implicit", pde.ImplicitSolver(eq), None),
                            ("crank_nicolson",
                             pde.CrankNicolsonSolver(eq, explicit_fraction=0.25), 0.25)]:
    storage = pde.MemoryStorage()
    controller = pde.Controller(solver, t_range=(0.0, t_end), tracker=storage.tracker(interval))
    controller.run(start.copy(), dt=dt)
    path = out_dir / f"{name}_16x12.h5"
    with h5py.File(path, "w") as f:
        f["c"] = np.stack([field.data for field in storage])
        f["rhs0_c"] = rate.data
        f["time"] = np.array(storage.times)
        f.attrs["equation_c"] = equation
        f.attrs["spacing"] = [1.0, 1.0]
        f.attrs["dt"] = dt
        f.attrs["scheme"] = name
        if alpha is not None:
            f.attrs["explicit_fraction"] = alpha
        f.attrs["max_iterations"] = 100
        f.attrs["max_error"] = 1e-4
        f.attrs["adaptive"] = 0
        f.attrs["py_pde_version"] = pde.__version__
    print(path, "frames at", list(storage.times), solver.info.get("function_evaluations"))
