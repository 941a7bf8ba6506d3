"""mpi4py interop: tessera takes mpi4py communicators (a decomposition or a simulation on a
group of ranks) and hands its own back (a decomposition's Cartesian communicator)."""

import os

import numpy as np
import pytest

import tessera
from conftest import name_for

if os.environ.get("TESSERA_MPI_FLAVOUR", "openmpi") != "openmpi":
    pytest.skip("Debian's mpi4py is built for Open MPI; this tessera uses %s"
                % os.environ["TESSERA_MPI_FLAVOUR"], allow_module_level=True)

MPI = pytest.importorskip("mpi4py.MPI")


def test_the_same_world():
    assert tessera.rank() == MPI.COMM_WORLD.Get_rank()
    assert tessera.size() == MPI.COMM_WORLD.Get_size()
    assert tessera.rank(MPI.COMM_SELF) == 0 and tessera.size(MPI.COMM_SELF) == 1
    assert tessera._tessera._comm_handle(MPI.COMM_WORLD) == MPI.COMM_WORLD.py2f()


def test_a_decomposition_on_a_split_communicator(rank, size):
    group = MPI.COMM_WORLD.Split(rank % 2, rank)
    try:
        d = tessera.Decomposition([8, 6], mpi_dims=[group.Get_size(), 1], comm=group)
        assert d.size == group.Get_size() and d.rank == group.Get_rank()
        f = tessera.Field(d, 1)
        f.interior[...] = rank % 2 + 1.0
        f.exchange_halos()
        assert np.all(f.ghosted == rank % 2 + 1.0)  # only this group's values arrived
        assert f.sum() == (rank % 2 + 1.0) * 48
    finally:
        group.Free()


def test_the_cartesian_communicator_comes_back_as_mpi4py(rank, size):
    d = tessera.Decomposition([8, 8], periodic=[True, False], mpi_dims=[size, 1])
    cart = d.comm
    assert isinstance(cart, MPI.Cartcomm)
    assert cart.Get_topo()[0] == [size, 1]
    assert cart.Get_topo()[1] == [True, False]
    assert cart.Get_rank() == d.rank and cart.Get_coords(d.rank) == d.coords
    assert cart.allreduce(1) == size
    # The same handle as tessera's (not a copy), borrowed: freeing is refused.
    assert MPI.Comm.Compare(cart, d.comm) == MPI.IDENT
    with pytest.raises(tessera.UsageError, match="use Dup\\(\\)"):
        cart.Free()
    mine = cart.Dup()
    assert MPI.Comm.Compare(mine, cart) == MPI.CONGRUENT
    mine.Free()
    # The communicator keeps its decomposition alive.
    del d
    assert cart.allreduce(2) == 2 * size


def test_a_simulation_per_group(work, rank, size):
    # Two groups run two different simulations at once, each collective over its own
    # communicator.
    color = rank % 2
    group = MPI.COMM_WORLD.Split(color, rank)
    try:
        sim = tessera.run(
            "cahn_hilliard",
            {"grid": {"shape": [16, 12]}, "time": {"t_end": 0.2 * (color + 1), "dt": 0.01}},
            output=work / ("group%d_%s" % (color, name_for("sim"))), overwrite=True, comm=group)
        assert sim.decomposition.size == group.Get_size()
        assert sim.step == 20 * (color + 1)
        # An error inside one group is agreed on in that group only.
        with pytest.raises(tessera.RunError, match="unknown key 'grid.shap'"):
            tessera.Simulation("cahn_hilliard", {"grid": {"shap": 1}}, comm=group)
    finally:
        group.Free()


def test_something_else_is_refused():
    with pytest.raises(tessera.UsageError, match="expected an mpi4py communicator"):
        tessera.Decomposition([4, 4], comm="world")
