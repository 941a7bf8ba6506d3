#!/usr/bin/python3
"""The seed paper's Cahn-Hilliard run with reactions (its Listing 7, written for py-pde's
explicit_mpi solver with decomposition=[2, -1]) through tessera from Python.

    . scripts/mpi-env.sh
    PYTHONPATH=build-openmpi/python mpiexec -n 2 /usr/bin/python3 examples/python/cahn_hilliard.py

Options shrink the run (--shape 64 --t-end 4 in the test suite); --py-pde also runs py-pde's
explicit_mpi solver from the same initial state when py-pde is importable, and prints both wall
times and the largest difference between the final fields.
"""
import argparse
import time

import numpy as np

import tessera

parser = argparse.ArgumentParser()
parser.add_argument("--shape", type=int, default=512)
parser.add_argument("--t-end", type=float, default=400.0)
parser.add_argument("--py-pde", action="store_true")
args = parser.parse_args()

# -- docs/python.md: begin ---------------------------------------------------------------------
config = {
    "grid": {"shape": [args.shape, args.shape], "periodic": True},  # UnitGrid: spacing 1
    "equation": {"gamma": 1.0, "k": 0.01, "c0": 0.5},  # dc/dt = ∇²(c³ - c - ∇²c) - k(c - c0)
    "initial": {"type": "random_uniform", "low": 0.49, "high": 0.51},
    "time": {"t_end": args.t_end, "dt": 0.02, "scheme": "euler"},
    "output": {"file": "cahn_hilliard_python.h5", "interval": args.t_end / 10},
}
sim = tessera.Simulation("cahn_hilliard", config, mpi_dims=[2, -1], overwrite=True)
c0 = sim.gather("c")  # the initial state, on rank 0 (for py-pde below)
wall = time.perf_counter()
for frame in sim.frames():  # frame 0, then one per output interval
    block = frame.fields["c"]  # this rank's block at this frame (a NumPy copy)
    lowest = sim.state["c"].min()  # collective: the smallest value on any rank
    if tessera.rank() == 0:
        print("t = %6.2f  step %6d  min c = %.6f  (rank 0 holds %s cells)"
              % (frame.time, frame.step, lowest, block.shape))
wall = time.perf_counter() - wall
c_tessera = sim.gather("c")
if tessera.rank() == 0:
    print("tessera: %d steps on %s ranks in %.2f s; output %s"
          % (sim.step, sim.decomposition.mpi_dims, wall, sim.output))
# -- docs/python.md: end -----------------------------------------------------------------------

if args.py_pde:
    try:
        if "Open MPI" not in tessera.mpi_library():
            raise ImportError("py-pde's MPI solver needs mpi4py's MPI (Open MPI on Debian)")
        import numba_mpi  # noqa: F401 - what py-pde's MPI solver needs (with mpi4py, psutil)
        import pde
    except ImportError as e:
        if tessera.rank() == 0:
            print("py-pde is not available (%s): time comparison skipped" % e)
    else:
        # The same equation, grid and initial state with py-pde's explicit_mpi solver, advanced
        # segment by segment to the same frame times, as py-pde's controller does between
        # tracker calls (so both take the same fixed steps).
        grid = pde.UnitGrid([args.shape, args.shape], periodic=True)
        eq = pde.PDE({"c": "laplace(c**3 - c - laplace(c)) - 0.01 * (c - 0.5)"})
        state = pde.ScalarField(grid, c0 if tessera.rank() == 0 else 0.0)
        from pde.solvers import ExplicitMPISolver

        solver = ExplicitMPISolver(eq, scheme="euler", decomposition=[2, -1])
        stepper = solver.make_stepper(state, dt=0.02)
        stepper(state.copy(), 0.0, 0.02)  # compiles the numba kernels; not timed
        wall_pde = time.perf_counter()
        t = 0.0
        for k in range(1, 11):
            t = stepper(state, t, k * args.t_end / 10)
        wall_pde = time.perf_counter() - wall_pde
        if tessera.rank() == 0:
            print("py-pde:  the same run in %.2f s (after compiling): tessera/py-pde time %.3f, "
                  "t = %.2f and %.2f, largest difference %.2e"
                  % (wall_pde, wall / wall_pde, sim.time, t, np.max(np.abs(state.data - c_tessera))))
