"""MPI initialised by mpi4py with thread level FUNNELED: run as `python3 funneled_mpi.py DIR`
under mpiexec (Open MPI, Debian's mpi4py). Threads then need parallel.halo_mode = "funneled",
for every plan of a run: the semi-implicit Cahn-Hilliard's multigrid included, whose plans once
ignored the mode and refused with advice to use funneled. Without it, one clear error names the
key. Exits 0 when all holds."""

import sys

import mpi4py

mpi4py.rc.thread_level = "funneled"
from mpi4py import MPI  # noqa: E402  (after the thread level is chosen)

import numpy as np  # noqa: E402

import tessera  # noqa: E402

work = sys.argv[1]
assert MPI.Query_thread() == MPI.THREAD_FUNNELED, MPI.Query_thread()
assert tessera.thread_level() == "funneled", tessera.thread_level()
rank = MPI.COMM_WORLD.Get_rank()


def config(scheme, mode):
    return {
        "grid": {"shape": [32, 24]},
        "time": {"t_end": 4.0, "dt": 0.5 if scheme.startswith("semi") else 0.02, "scheme": scheme},
        "output": {"interval": 2.0},
        "initial": {"type": "random_uniform", "low": -0.1, "high": 0.1, "seed": 5},
        "parallel": {"halo_mode": mode},
    }


for scheme in ("euler", "semi_implicit"):
    results = []
    for threads, mode in ((2, "funneled"), (1, "per_thread")):
        path = "%s/funneled_%s_%d.h5" % (work, scheme, threads)
        sim = tessera.run("cahn_hilliard", config(scheme, mode), output=path, overwrite=True,
                          threads=threads)
        results.append(sim.gather("c"))
    if rank == 0:
        # Every layout gives the same bits, so 2 threads funneled equal 1 thread.
        assert np.array_equal(results[0], results[1]), scheme
        print("%s: 2 threads funneled equal 1 thread" % scheme)

try:
    tessera.Simulation("cahn_hilliard", config("semi_implicit", "per_thread"),
                       output="%s/funneled_refused.h5" % work, overwrite=True, threads=2)
except tessera.RunConfigError as error:
    assert "parallel.halo_mode" in str(error) and '"funneled"' in str(error), str(error)
    print("refused: %s" % error)
else:
    raise AssertionError("per_thread exchanges with 2 threads ran on a FUNNELED MPI")
print("rank %d: ok" % rank)
