"""Who initialises and finalises MPI: run as `python3 mpi_start.py tessera-first|mpi4py-first|
no-mpi4py` under mpiexec. Exits 0 when tessera initialised MPI exactly when nobody had (with
thread level MULTIPLE) and the process ends cleanly either way."""

import sys

order = sys.argv[1]
if order == "mpi4py-first":
    from mpi4py import MPI  # mpi4py initialises MPI (thread level multiple by default)

    import tessera

    assert not tessera.initialized_by_tessera(), "tessera initialised MPI after mpi4py did"
    assert MPI.Is_initialized()
elif order == "tessera-first":
    import tessera
    from mpi4py import MPI

    assert tessera.initialized_by_tessera(), "tessera did not initialise MPI"
    assert MPI.Query_thread() == MPI.THREAD_MULTIPLE
else:
    import tessera

    assert tessera.initialized_by_tessera(), "tessera did not initialise MPI"
    assert "mpi4py" not in sys.modules
assert tessera.thread_level() == "multiple", tessera.thread_level()
# Something collective, and objects still alive at exit (their MPI handles are released before
# MPI_Finalize, or not at all after it).
d = tessera.Decomposition([8, 8])
f = tessera.Field(d, 1, name="f")
f.interior[...] = 1.0
assert f.sum() == 64.0
w = tessera.H5Writer(d, sys.argv[2], [f], overwrite=True)
w.write_frame(0.0, 0)  # left open: closed at exit, before MPI_Finalize
print("rank %d: ok (%s)" % (tessera.rank(), order))
