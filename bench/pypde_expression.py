#!/usr/bin/env python3
"""py-pde's cost per step for the paper's expression PDE (context for bench/pde_bench, which
measures tessera): pde.PDE({"c": expression}) on a periodic N x N grid, fixed-dt explicit Euler,
after a warm-up run that compiles it (numba), one numba thread. Needs py-pde's sources on
PYTHONPATH and Debian's python3-numba (see the peers' README):
    NUMBA_NUM_THREADS=1 PYTHONPATH=../shared/peers/py-pde /usr/bin/python3 bench/pypde_expression.py
Prints CSV: grid,ns_per_cell_pypde,compile_s_first_run."""
import sys
import time

import numpy as np
import pde

EXPRESSION = "laplace(c**3 - c - laplace(c)) - 0.01*(c - 0.5)"
sizes = [int(s) for s in sys.argv[1:]] or [256, 512]
print("grid,ns_per_cell_pypde,compile_s_first_run")
for n in sizes:
    grid = pde.CartesianGrid([[0, n], [0, n]], [n, n], periodic=True)
    state = pde.ScalarField.random_uniform(grid, 0.49, 0.51, rng=np.random.default_rng(0))
    eq = pde.PDE({"c": EXPRESSION})
    solver = pde.ExplicitSolver(eq, scheme="euler", backend="numba")
    t0 = time.perf_counter()
    stepper = solver.make_stepper(state, dt=0.01)  # compiles
    stepper(state, 0.0, 0.01)
    first = time.perf_counter() - t0
    steps = max(4, int(3e7 / (n * n)))
    best = float("inf")
    t = 0.01
    for _ in range(3):
        t0 = time.perf_counter()
        t = stepper(state, t, t + 0.01 * steps)
        best = min(best, (time.perf_counter() - t0) / steps)
    print(f"{n}^2,{best * 1e9 / (n * n):.3f},{first:.2f}", flush=True)
