"""Simulations of the run driver's models, driven from Python frame by frame."""

import math
import weakref

from . import _tessera, _toml
from ._errors import UsageError

try:
    import tomllib as _tomllib
except ImportError:  # Python < 3.11
    _tomllib = None

_live = weakref.WeakSet()  # simulations whose output is open (closed before MPI_Finalize)


def _resolve_dims(dims, comm):
    """py-pde's decomposition list: -1 entries share what the fixed entries leave of the ranks."""
    dims = [int(x) for x in dims]
    free = [i for i, x in enumerate(dims) if x == -1]
    if not free:
        return dims
    if len(free) > 1:
        raise UsageError("mpi_dims %s: at most one entry may be -1" % (dims,))
    fixed = 1
    for x in dims:
        if x != -1:
            fixed *= x
    size = _tessera.size(comm)
    if fixed <= 0 or size % fixed != 0:
        raise UsageError("mpi_dims %s: %d ranks are not a multiple of %d" % (dims, size, fixed))
    dims[free[0]] = size // fixed
    return dims


class Frame:
    """One output frame: its index (0 is the initial state), time and step, and this rank's
    interior of every state field at that frame (copies, so frames may be kept)."""

    __slots__ = ("index", "time", "step", "fields")

    def __init__(self, index, time, step, fields):
        self.index = index
        self.time = time
        self.step = step
        self.fields = fields

    def __repr__(self):
        return "Frame(index=%d, time=%r, step=%d, fields=%s)" % (
            self.index, self.time, self.step, sorted(self.fields))


class Simulation:
    """A run of one of tessera's models (``tessera.models()``), collective over ``comm``.

    ``config`` is a dict (the keys of the app's TOML files, ``docs/configuration.md``) or a TOML
    string; ``config_file`` a TOML file instead. ``overrides`` maps dotted keys to values, like
    the apps' ``--set``; ``mpi_dims``, ``threads``, ``thread_dim`` and ``output`` are the apps'
    flags (``mpi_dims`` may hold one -1, as py-pde's ``decomposition``). Construction reads the
    configuration, decomposes the grid, sets the initial state and writes frame 0 to the output
    file (``output.file``, default ``<model>.h5``; an existing file is an error unless
    ``overwrite``). ``restart`` continues an output file from its last frame.

    Every method is collective over ``comm``: call it on every rank. Errors are raised as
    :class:`tessera.RunError` on every rank, with the same message.
    """

    def __init__(self, model, config=None, *, config_file=None, overrides=None, output=None,
                 overwrite=False, restart=None, mpi_dims=None, threads=None, thread_dim=None,
                 comm=None):
        if config is not None and config_file is not None:
            raise UsageError("tessera.Simulation: give config or config_file, not both")
        if isinstance(config, dict):
            text, source = _toml.dumps(config), "the configuration dict"
        elif isinstance(config, str):
            text, source = config, "the configuration text"
        elif config is None:
            text, source = None, ""
        else:
            raise UsageError("tessera.Simulation: config must be a dict or a TOML string, got %s"
                             % type(config).__name__)
        settings = []
        for k, v in (overrides or {}).items():
            settings.append((k, _toml.value(v), "overrides[%r]" % k))
        if mpi_dims is not None:
            settings.append(("parallel.mpi_dims", _toml.value(_resolve_dims(mpi_dims, comm)),
                             "mpi_dims="))
        if thread_dim is not None:
            settings.append(("parallel.thread_dim", _toml.value(thread_dim), "thread_dim="))
        if threads is not None:
            settings.append(("parallel.threads", _toml.value(threads), "threads="))
        if output is not None:
            settings.append(("output.file", _toml.value(str(output)), "output="))
        self._comm = comm  # the mpi4py communicator (if any) must outlive the run
        self._sim = _tessera._Simulation(model, text, source, str(config_file or ""), settings,
                                         None if restart is None else str(restart), overwrite,
                                         comm)
        self._sim.decompose()
        self._sim.start()
        self._done = False
        _live.add(self)

    # -- what the run is --------------------------------------------------------------------
    @property
    def model(self):
        """The model's name."""
        return self._sim.model

    @property
    def config_toml(self):
        """The effective configuration (every key with its value or default) as TOML text: the
        app's ``--print-config``, and the output file's ``config`` attribute."""
        return self._sim.effective_config()

    @property
    def config(self):
        """The effective configuration as a dict."""
        if _tomllib is None:
            raise UsageError("tessera.Simulation.config needs Python 3.11 (tomllib); use config_toml")
        return _tomllib.loads(self.config_toml)

    @property
    def decomposition(self):
        """The decomposition (a tessera.Decomposition sharing the run's)."""
        return self._sim.decomposition()

    @property
    def layout(self):
        """The text map of the decomposition (the apps' ``--dry-run``)."""
        return self._sim.layout_text()

    @property
    def output(self):
        """The output file's path."""
        return self.config["output"]["file"] if "output" in self.config else None

    # -- where it stands ----------------------------------------------------------------------
    @property
    def time(self):
        """The simulated time of the last frame."""
        return self._sim.time

    @property
    def step(self):
        """Steps taken up to the last frame."""
        return self._sim.step

    @property
    def frame(self):
        """The index of the last frame written by this object (0: the initial state)."""
        return self._sim.frame

    @property
    def done(self):
        """True when the run has reached its end (time.t_end or time.n_steps)."""
        return self._done

    @property
    def state(self):
        """The state fields by name, as live tessera.Field objects. Their ``interior`` views
        show the field as it is when taken: take them again after advancing (a model may swap
        storage between steps)."""
        return dict(zip(self._sim.names, self._sim.state()))

    @property
    def fields(self):
        """This rank's interior of each state field at the last frame, as NumPy copies."""
        return {name: f.interior.copy() for name, f in self.state.items()}

    def gather(self, name, root=0):
        """Collective: field ``name`` as a global NumPy array on rank ``root``, None elsewhere."""
        try:
            return self.state[name].gather(root)
        except KeyError:
            raise UsageError("tessera.Simulation: no state field '%s' (%s)"
                             % (name, ", ".join(self._sim.names))) from None

    def evolution_rate(self):
        """Collective: d(state)/dt of the current state at the current time (py-pde's
        ``PDE.evolution_rate``, without noise), as new tessera.Field objects by name. For the
        models that integrate a rate (``cahn_hilliard``, ``pde``); the others raise UsageError."""
        return dict(zip(self._sim.names, self._sim.rates()))

    def current_frame(self):
        """The last frame as a :class:`Frame` (fields copied)."""
        return Frame(self.frame, self.time, self.step, self.fields)

    # -- running ------------------------------------------------------------------------------
    def _next(self):
        if self._done:
            return False
        if self._sim.next_frame():
            return True
        self.finish()
        return False

    def advance(self, t=None, callback=None):
        """Collective: runs frame by frame until the first frame at or after time ``t`` (default:
        the end of the run), calling ``callback(frame)`` after each new frame; returns the time
        reached. Control returns only at frames: ``output.interval`` sets how often."""
        while t is None or self.time < t - 1e-12 * max(1.0, abs(t)):
            if not self._next():
                break
            if callback is not None:
                callback(self.current_frame())
        return self.time

    def frames(self, t=None):
        """Collective: a generator of :class:`Frame`: the current frame, then each new one until
        the first at or after time ``t`` (default: the end of the run)."""
        yield self.current_frame()
        while t is None or self.time < t - 1e-12 * max(1.0, abs(t)):
            if not self._next():
                return
            yield self.current_frame()

    def finish(self):
        """Collective: writes the final attributes and closes the output file (done by itself at
        the end of the run; call it to stop early). The state stays readable."""
        if not self._sim.finished:
            self._sim.finish()
        self._done = True
        _live.discard(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.finish()
        return False

    def __repr__(self):
        return "<tessera.Simulation %s: frame %d, t = %r, step %d%s>" % (
            self.model, self.frame, self.time, self.step, ", done" if self._done else "")


def run(model, config=None, **kwargs):
    """Collective: runs ``model`` to its end (as the command-line app would) and returns the
    finished :class:`Simulation`; keyword arguments as for :class:`Simulation`."""
    sim = Simulation(model, config, **kwargs)
    sim.advance()
    return sim


def close_all():
    """Finishes every open simulation (at exit, before MPI is finalised)."""
    for sim in list(_live):
        sim.finish()
