"""tessera from Python: grids, fields and halo exchanges over MPI ranks and OpenMP threads, and
the run driver's models (Cahn-Hilliard, MPDATA, ...) driven frame by frame.

    import tessera
    sim = tessera.Simulation("cahn_hilliard", {"grid": {"shape": [128, 128]},
                                               "time": {"t_end": 10.0}})
    for frame in sim.frames():
        print(frame.time, frame.fields["c"].mean())

Importing tessera initialises MPI (MPI_THREAD_MULTIPLE) unless mpi4py (or anyone) did so first;
tessera then finalises it at exit, and only then. Run scripts as ``mpiexec -n 4 python3 x.py``.
Communicators are mpi4py ones (``comm=MPI.COMM_WORLD.Split(...)``); None means MPI_COMM_WORLD.
docs/python.md has the whole API.
"""

import atexit as _atexit
import gc as _gc

from ._errors import (ConfigError, Error, IOError, MPIError, NumericalError,  # noqa: A004
                      RunConfigError, RunError, RunIOError, RunNumericalError, RunUsageError,
                      UsageError)
from . import _tessera
from . import _boundary
from ._tessera import (Decomposition, Field, MultigridResult, has_dataset, hdf5_version,
                       initialized_by_tessera, model_keys, models, mpi_library, rank,
                       read_attribute, read_dataset, read_field, read_text_attribute, size,
                       thread_level)
from ._simulation import Frame, Simulation, run

__version__ = _tessera.__version__
__all__ = [
    "Decomposition", "Field", "HaloPlan", "Multigrid", "MultigridResult", "H5Writer",
    "Simulation", "Frame", "run", "models", "gather", "scatter",
    "model_keys", "read_field", "read_dataset", "has_dataset", "read_attribute",
    "read_text_attribute", "rank", "size", "thread_level", "mpi_library", "hdf5_version",
    "initialized_by_tessera", "Error", "UsageError", "ConfigError", "IOError", "NumericalError",
    "MPIError", "RunError", "RunUsageError", "RunConfigError", "RunIOError", "RunNumericalError",
]

_tessera._init_mpi()


# -- communicators to mpi4py ------------------------------------------------------------------
_borrowed_class = None


def _borrowed_cartcomm():
    global _borrowed_class
    if _borrowed_class is None:
        from mpi4py import MPI

        class BorrowedCartcomm(MPI.Cartcomm):
            """A decomposition's Cartesian communicator, borrowed: it keeps the decomposition
            alive, and Free() is refused (the decomposition frees it)."""

            def Free(self):  # noqa: N802 - mpi4py's name
                raise UsageError("this communicator belongs to a tessera.Decomposition, which "
                                 "frees it; use Dup() for one of your own")

            def Dup(self, *info):  # noqa: N802 - mpi4py's name
                # A copy of one's own: a plain Cartcomm, which Free() frees.
                return MPI.Cartcomm(super().Dup(*info))

        _borrowed_class = BorrowedCartcomm
    return _borrowed_class


def _decomposition_comm(self):
    """The decomposition's Cartesian communicator as an mpi4py Cartcomm (the same handle, not a
    copy: no collective call; it keeps the decomposition alive)."""
    c = _borrowed_cartcomm()()
    self._write_comm(c)
    c._tessera_owner = self
    return c


Decomposition.comm = property(_decomposition_comm)


# -- halo exchange ----------------------------------------------------------------------------
class HaloPlan:
    """Collective: the halo exchange of ``fields`` (all on one decomposition), built once.
    ``boundary``: conditions on the non-periodic sides (a dict as in the [boundary] tables, see
    tessera._boundary), one for all fields or a list with one per field; ``spacing``: the cell
    size per dimension (for Neumann derivatives); ``mode``: 'per_thread' or 'funneled'. Every
    rank must build its plans in the same order. ``exchange()`` fills every ghost cell."""

    def __init__(self, fields, boundary=None, spacing=None, mode="per_thread"):
        fields = list(fields)
        if not fields:
            raise UsageError("tessera.HaloPlan: no fields")
        if mode not in ("per_thread", "funneled"):
            raise UsageError("tessera.HaloPlan: mode must be 'per_thread' or 'funneled', got %r"
                             % (mode,))
        ndim = fields[0].ndim
        if boundary is None:
            conditions = []
        elif isinstance(boundary, (list, tuple)):
            conditions = [_boundary.sides(b, ndim, spacing) for b in boundary]
        else:
            conditions = [_boundary.sides(boundary, ndim, spacing)]
        self.fields = fields
        self._plan = _tessera._HaloPlan(fields, conditions, mode == "funneled")

    def exchange(self):
        """Collective: fills every ghost cell (faces, edges, corners), then the side
        conditions."""
        self._plan.exchange()

    @property
    def messages_per_exchange(self):
        return self._plan.messages_per_exchange


def _exchange_halos(self, boundary=None, spacing=None, mode="per_thread"):
    """Collective: fills this field's ghosts; the plan is built on the first call with these
    arguments and kept."""
    key = (repr(boundary), repr(spacing), mode)
    plans = getattr(self, "_plans", None)
    if plans is None:
        plans = self._plans = {}
    if key not in plans:
        plans[key] = HaloPlan([self], boundary, spacing, mode)
    plans[key].exchange()


Field.exchange_halos = _exchange_halos


def _local_slices(self):
    """Slices of the global array that this rank's interior covers (global[f.local_slices] is
    the interior), one more face along a staggered dimension."""
    lo, hi = self.decomposition.local_box
    extra = [1 if d == self.staggered else 0 for d in range(self.ndim)]
    return tuple(slice(a, b + e) for a, b, e in zip(lo, hi, extra))


Field.local_slices = property(_local_slices)


def _field_array(self, dtype=None, copy=None):
    """np.asarray(field): the interior view (a copy only if another dtype is asked for)."""
    view = self.interior
    return view if dtype is None else view.astype(dtype)


Field.__array__ = _field_array
Field.data = property(lambda self: self.interior,
                      doc="The interior view, as py-pde's field.data (an alias of interior).")


def _field_repr(self):
    return "<tessera.Field %r: local %s of global %s, halo %d>" % (
        self.name, tuple(self.shape), tuple(self.global_shape), self.halo)


Field.__repr__ = _field_repr


def _field_fill_expression(self, expression, spacing=None, constants=None, t=0.0, origin=None):
    """Collective: sets the interior to ``expression`` (a string, as in py-pde's
    ``ScalarField.from_expression``) at each cell centre: ``x``, ``y``, ``z`` are the centres
    along dimensions 0, 1, 2, i.e. origin + (global index + 1/2) * spacing (default origin 0 and
    1 per cell: py-pde's grid bounds [origin, origin + shape * spacing]), ``t`` the time;
    ``constants`` a dict of named numbers; the functions and constants of the pde model's
    equations (docs/pde.md), no fields and no operators. Evaluated cell by cell by the expression
    solver's interpreter: the same bits on every layout. A bad expression is a ConfigError whose
    message points at the fault."""
    ndim = self.ndim
    spacing = [1.0] * ndim if spacing is None else [float(h) for h in spacing]
    origin = [0.0] * ndim if origin is None else [float(x) for x in origin]
    pairs = [(str(k), float(v)) for k, v in (constants or {}).items()]
    _tessera._fill_expression(self, str(expression), spacing, origin, pairs, float(t))


Field.fill_expression = _field_fill_expression


# -- multigrid --------------------------------------------------------------------------------
class Multigrid:
    """Collective: a geometric multigrid for ``alpha u - beta lap(u) = f`` on ``decomposition``
    (libgrid's grid::multigrid, docs/multigrid.md): cell-centred, second-order Laplacian with
    cell sizes ``spacing`` (default 1), periodic dimensions and, on the other sides, ``boundary``
    (a dict as in the [boundary] tables: 'neumann' or 'dirichlet' only). ``cycle``: 'v' or 'f';
    ``solve`` stops at ``relative_tolerance * |f|`` or ``absolute_tolerance`` (2-norms over every
    cell), after at most ``max_cycles``; ``pre_smooth``/``post_smooth``: red-black Gauss-Seidel
    sweeps; ``mode``: 'per_thread' or 'funneled' halo exchanges. Every result is bit for bit the
    same on every layout of the same grid (ranks, threads, thread_dim)."""

    def __init__(self, decomposition, alpha=0.0, beta=1.0, spacing=None, boundary=None,
                 cycle="v", relative_tolerance=1e-10, absolute_tolerance=0.0, max_cycles=100,
                 pre_smooth=2, post_smooth=2, mode="per_thread"):
        if mode not in ("per_thread", "funneled"):
            raise UsageError("tessera.Multigrid: mode must be 'per_thread' or 'funneled', got %r"
                             % (mode,))
        ndim = decomposition.ndim
        spacing = [1.0] * ndim if spacing is None else [float(h) for h in spacing]
        if len(spacing) != ndim:
            raise UsageError("tessera.Multigrid: spacing needs %d values (one per dimension), "
                             "got %d" % (ndim, len(spacing)))
        sides = _boundary.sides(boundary, ndim, spacing) if boundary is not None else []
        self.decomposition = decomposition
        self._mg = _tessera._Multigrid(decomposition, float(alpha), float(beta), spacing, sides,
                                       cycle, float(relative_tolerance),
                                       float(absolute_tolerance), int(max_cycles),
                                       int(pre_smooth), int(post_smooth), mode == "funneled")

    def solve(self, u, f):
        """Collective: solves A u = f from the guess in ``u`` (interior; ghosts are left as they
        were) to the tolerance; returns a MultigridResult (``converged``, ``cycles``,
        ``residual``, ``rhs_norm``, ``initial_residual``, ``history``). Not meeting the tolerance
        is not an error: check ``converged``."""
        return self._mg.solve(u, f)

    def run_cycles(self, u, f, cycles):
        """Collective: exactly ``cycles`` cycles from the guess in ``u``, no norms."""
        self._mg.run_cycles(u, f, cycles)

    def residual_norm(self, u, f):
        """Collective: |f - A u| (2-norm over every cell, the same on every layout)."""
        return self._mg.residual_norm(u, f)

    def set_coefficients(self, alpha, beta):
        """Changes alpha and beta without re-planning the levels (a time stepper's new step)."""
        self._mg.set_coefficients(float(alpha), float(beta))

    @property
    def alpha(self):
        return self._mg.alpha

    @property
    def beta(self):
        return self._mg.beta

    @property
    def relative_tolerance(self):
        """Where ``solve`` stops, relative to |f|; settable."""
        return self._mg.relative_tolerance

    @relative_tolerance.setter
    def relative_tolerance(self, value):
        self._mg.relative_tolerance = float(value)

    @property
    def levels(self):
        """[(global shape, gathered)] finest first; gathered levels are held whole on every
        rank."""
        return self._mg.levels


# -- HDF5 files -------------------------------------------------------------------------------
_open_writers = __import__("weakref").WeakSet()


class H5Writer:
    """Collective: an HDF5 output file in tessera's layout (docs/output.md): one dataset per
    field, growing by a frame per ``write_frame``, /time, /step, per-frame scalars, root
    attributes, and an XDMF sidecar. ``append=True`` opens an existing file to add frames.
    Every method is collective over the decomposition."""

    def __init__(self, decomposition, path, fields, overwrite=False, append=False, spacing=None):
        self.fields = list(fields)
        self._w = _tessera._H5Writer(decomposition, str(path), self.fields, overwrite, append)
        if spacing is not None:
            self._w.spacing(list(spacing))
        _open_writers.add(self)

    def write_frame(self, time, step, scalars=None):
        """Appends one frame of every field, its time and step, and the scalars (a dict)."""
        self._w.write_frame(float(time), int(step), list((scalars or {}).items()))

    def attribute(self, name, value):
        """A root attribute: a string, a float, or a list of integers."""
        if isinstance(value, str):
            self._w.attribute_text(name, value)
        elif isinstance(value, float):
            self._w.attribute_float(name, value)
        else:
            values = [value] if isinstance(value, int) else list(value)
            self._w.attribute_ints(name, [int(v) for v in values])

    @property
    def frames(self):
        return self._w.frames

    def close(self):
        """Closes the file (collective)."""
        self._w.close()
        _open_writers.discard(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def gather(field, root=0):
    """Collective: the global array of ``field`` on rank ``root``, None elsewhere."""
    return field.gather(root)


def scatter(array, field, root=0):
    """Collective: sets ``field``'s interior from the global ``array`` held on rank ``root``."""
    field.scatter(array, root)


def _shutdown():
    # Open files are closed and objects that hold MPI handles are collected while MPI still
    # runs; then MPI is finalised if tessera initialised it.
    from . import _simulation
    _simulation.close_all()
    for w in list(_open_writers):
        w.close()
    _gc.collect()
    _tessera._finalize_mpi()


_atexit.register(_shutdown)
