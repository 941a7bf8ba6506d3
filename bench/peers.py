#!/usr/bin/python3
"""tessera against its Python peers on the same work, in the same session, interleaved.

Usage (from the repository root, after `. scripts/mpi-env.sh`):

    /usr/bin/python3 bench/peers.py --peers DIR [--build build-openmpi] [--csv] [--quick]

DIR (or the environment variable TESSERA_PEERS) holds the peers' source trees, as laid out in
docs/performance.md ("Against the Python peers"): py-pde/, pympdata/, numba-mpi/,
pympdata-mpi/ and stubs/. They are put on the workers' PYTHONPATH; nothing of them is part of
this repository. A peer that cannot be imported (no numba, no mpi4py, no directory) is
skipped: one line on stderr and a row with status "skipped: <reason>", never silently.

Workloads, each measured for tessera and its peers in the same run:

* cahn_hilliard: the seed paper's equation, dc/dt = laplace(c**3 - c - laplace(c))
  - 0.01*(c - 0.5), periodic N x N, c ~ U(0.49, 0.51), fixed-step Euler with dt = 0.01.
  tessera: the cahn_hilliard app on configs/cahn_hilliard_paper.toml (gamma = 1, k = 0.01,
  c0 = 0.5, mobility 1) made fixed-step. py-pde: pde.PDE({"c": that string}), the form whose
  output tessera's solver reproduces to round-off (tests/data/cahn_hilliard was written by it;
  pde.CahnHilliardPDE has no reaction term), ExplicitSolver(scheme="euler", backend="numba")
  with one numba thread, and ExplicitMPISolver(decomposition=[2, -1]) on 2 ranks (whose worker
  runs with Open MPI's shared-memory eager limit raised to 64 KiB: py-pde's blocking ghost-cell
  sends deadlock on rows of 512 doubles or more otherwise).
* mpdata: 2-D periodic N x N, Courant numbers (0.5, 0.25) everywhere, a Gaussian at the
  centre (sigma N/10, PyMPDATA-MPI's Cartesian scenario), n_iters = 2 and n_iters = 3 with the
  non-oscillatory limiter. tessera: the mpdata app. PyMPDATA: Solver + Stepper with periodic
  sides and NUMBA_NUM_THREADS numba threads; PyMPDATA-MPI: its CartesianScenario (split along
  dimension 0) on 2 ranks.
* kpz_noise: py-pde's additive noise (Euler-Maruyama), KPZ with noise on N x N, one core:
  tessera's pde app on configs/pde_kpz_noise.toml against py-pde's PDE(..., noise=0.5).
* keller_segel: py-pde's vector operators, the two-field chemotaxis system of
  configs/pde_keller_segel.toml on N x N cells of 0.25, one core: the pde app against py-pde's
  PDE with the same strings.
* pi: the seed paper's Fig. 1 workload on 2 ranks, n_times allreduce calls of a midpoint sum
  over n_intervals = n_times / x: tessera's pi_bench (libcomm), mpi4py and numba-mpi.

What is timed (wall clock, after start-up, the same number of steps on both sides):

* tessera apps: the run summary's wall time minus its output time, i.e. the halo exchanges and
  compute of the steps (plus the app's collective stop-request check every few steps). Not
  timed: process start, configuration, initial condition, the HDF5 frames.
* peers: one call advancing the same number of steps, in a worker process that compiled
  everything first (a warm-up call: the JIT time is the column jit_s_peer, not in t_peer);
  with 2 ranks the slowest rank's time. py-pde's explicit_mpi call includes its scatter of the
  field from rank 0 and gather back (once per call).
* pi: n_times iterations (partial sum + allreduce), the slowest rank's time, per iteration.

Every repetition runs each side once in turn (A B A B ...); t_* are medians over the
repetitions, ratio_peer_tessera = median peer time / median tessera time (> 1: tessera is
faster), ratio_peer_tessera_min/max the extremes of the per-repetition ratios.
"""
import argparse
import csv
import json
import math
import os
import re
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXPRESSION = "laplace(c**3 - c - laplace(c)) - 0.01*(c - 0.5)"
CH_DT = 0.01
COURANT = (0.5, 0.25)
PEER_TREES = ("py-pde", "pympdata", "numba-mpi", "pympdata-mpi", "stubs")
COLUMNS = ["workload", "case", "size", "cores", "peer", "peer_layout", "tessera_layout", "unit",
           "reps", "t_peer", "t_tessera", "ratio_peer_tessera", "ratio_peer_tessera_min",
           "ratio_peer_tessera_max", "jit_s_peer", "status"]
PROTOCOL = "@@peers "  # prefix of the workers' answers on stdout (libraries may print too)


def loadavg():
    try:
        return Path("/proc/loadavg").read_text().strip()
    except OSError:
        return "unknown"


def say(msg):
    print(f"peers: {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Workers: the peers' side, run as `python3 peers.py --worker JSON` (under mpiexec for 2 ranks).
# They import the peers, compile (warm-up), answer "@@peers {...}" and then time one call per
# "run" command read from stdin (rank 0 reads and broadcasts).
# ---------------------------------------------------------------------------------------------

def worker_main(spec):
    comm = None
    if spec.get("mpi"):
        from mpi4py import MPI  # noqa: E402 (a worker needs MPI only on 2 ranks)
        comm = MPI.COMM_WORLD
    root = comm is None or comm.rank == 0

    def answer(obj):
        if root:
            print(PROTOCOL + json.dumps(obj), flush=True)

    def slowest(seconds):
        return seconds if comm is None else comm.allreduce(seconds, op=MPI.MAX)

    def barrier():
        if comm is not None:
            comm.Barrier()

    def next_command():
        line = sys.stdin.readline() if root else None
        if comm is None:
            return json.loads(line or '{"cmd": "quit"}')
        # The other ranks wait without taking a core while tessera is measured.
        if root:
            comm.Ibarrier().Wait()
        else:
            request = comm.Ibarrier()
            while not request.Test():
                time.sleep(0.002)
        return json.loads(comm.bcast(line, root=0) or '{"cmd": "quit"}')

    try:
        make_cases = {"pypde": pypde_cases, "pympdata": pympdata_cases, "pi": pi_cases}
        cases, versions = make_cases[spec["kind"]](spec, comm)
        jit = {}
        for name, case in cases.items():
            barrier()
            t0 = time.perf_counter()
            case["warm_up"]()
            jit[name] = slowest(time.perf_counter() - t0)
            answer({"warmed": name, "jit_s": jit[name]})
    except Exception as e:  # the parent reports it as a skipped peer
        where = traceback.extract_tb(e.__traceback__)[-1]
        error = (f"{type(e).__name__}: {e}".splitlines()[0]
                 + f" ({Path(where.filename).name}:{where.lineno})")
        traceback.print_exc()
        print(f"{PROTOCOL}error {error}", file=sys.stderr, flush=True)
        answer({"error": error})
        if comm is not None and comm.size > 1:
            comm.Abort(1)  # the other ranks may be waiting in a collective
        return 0
    answer({"ready": True, "jit_s": jit, "versions": versions})
    while True:
        command = next_command()
        if command["cmd"] != "run":
            return 0
        barrier()
        t0 = time.perf_counter()
        result = cases[command["case"]]["run"](command)
        seconds = slowest(time.perf_counter() - t0)
        answer({"seconds": seconds, "result": result})


def versions_of(*modules):
    out = {}
    for m in modules:
        out[m.__name__] = str(getattr(m, "__version__", "unknown"))
    return out


def pypde_cases(spec, comm):
    import numba
    import numpy as np
    import pde
    from pde.solvers.explicit_mpi import ExplicitMPISolver

    cases = {}
    dt = spec.get("dt", CH_DT)
    for n in spec["sizes"]:
        length = n * spec.get("spacing", 1.0)
        grid = pde.CartesianGrid([[0, length], [0, length]], [n, n], periodic=True)
        rng = np.random.default_rng(0)
        equations = spec.get("equations", {spec.get("field", "c"): spec.get("equation",
                                                                             EXPRESSION)})
        fields = [pde.ScalarField.random_uniform(grid, *spec.get("ranges", {}).get(f, (0.49, 0.51)),
                                                 label=f, rng=rng) for f in equations]
        state = fields[0] if len(fields) == 1 else pde.FieldCollection(fields)
        equation = pde.PDE(equations, noise=spec.get("noise", 0.0),
                           consts=spec.get("consts", {}))
        if comm is not None:
            solver = ExplicitMPISolver(equation, scheme="euler", backend="numba",
                                       decomposition=[2, -1])
        else:
            solver = pde.ExplicitSolver(equation, scheme="euler", backend="numba")
        holder = {"solver": solver, "state": state, "t": 0.0}

        def warm_up(h=holder):
            h["stepper"] = h["solver"].make_stepper(h["state"], dt=dt)  # compiles
            h["t"] = h["stepper"](h["state"], 0.0, 0.5 * dt)  # one step

        def run(command, h=holder):
            steps = command["steps"]
            # py-pde takes ceil((t_end - t_start) / dt) steps: ask for steps - 0.5 of them.
            h["t"] = h["stepper"](h["state"], h["t"], h["t"] + (steps - 0.5) * dt)
            return None

        cases[str(n)] = {"warm_up": warm_up, "run": run}
    return cases, versions_of(pde, numba, np)


def pympdata_cases(spec, comm):
    import numba
    import numpy as np
    import PyMPDATA
    from PyMPDATA import Options, ScalarField, Solver, Stepper, VectorField
    from PyMPDATA.boundary_conditions import Periodic

    versions = versions_of(PyMPDATA, numba, np)
    if comm is not None:
        import numba_mpi
        from PyMPDATA.impl.enumerations import OUTER
        from scenarios.cartesian import CartesianScenario  # PyMPDATA-MPI's own scenario
        versions.update(versions_of(numba_mpi))
    threads = numba.get_num_threads()
    steppers = {}
    cases = {}
    for n, n_iters, limiter in spec["cases"]:
        options = Options(n_iters=n_iters, nonoscillatory=limiter)
        holder = {}
        if comm is not None:
            def make(h=holder, n=n, options=options):
                h["solver"] = CartesianScenario(
                    mpdata_options=options, n_threads=threads, grid=(n, n), rank=comm.rank,
                    size=comm.size, courant_field_multiplier=COURANT,
                    mpi_dim=OUTER).solvers["psi"]
        else:
            def make(h=holder, n=n, options=options, key=(n_iters, limiter)):
                if key not in steppers:  # one compilation per options, shared by the sizes
                    steppers[key] = Stepper(options=options, n_dims=2, n_threads=threads)
                x, y = np.indices((n, n), dtype=float)
                sigma = n / 10
                psi = np.exp(-((x + 0.5 - n / 2) ** 2 + (y + 0.5 - n / 2) ** 2)
                             / (2 * sigma ** 2))
                sides = (Periodic(), Periodic())
                advectee = ScalarField(data=psi, halo=options.n_halo, boundary_conditions=sides)
                advector = VectorField(data=(np.full((n + 1, n), COURANT[0]),
                                             np.full((n, n + 1), COURANT[1])),
                                       halo=options.n_halo, boundary_conditions=sides)
                h["solver"] = Solver(stepper=steppers[key], advectee=advectee,
                                     advector=advector)

        def warm_up(h=holder, make=make):
            make()
            h["solver"].advance(n_steps=1)

        def run(command, h=holder):
            h["solver"].advance(n_steps=command["steps"])
            return None

        cases[f"{n}:{n_iters}:{int(limiter)}"] = {"warm_up": warm_up, "run": run}
    return cases, versions


def pi_cases(spec, comm):
    import mpi4py
    import numba
    import numpy as np
    from mpi4py import MPI

    variant = spec["variant"]
    if variant == "numba_mpi":
        import numba_mpi

    @numba.njit
    def get_pi_part(n_intervals, rank, size):
        h = 1.0 / n_intervals
        partial_sum = 0.0
        for i in range(rank + 1, n_intervals, size):
            x = h * (i - 0.5)
            partial_sum += 4.0 / (1.0 + x * x)
        return h * partial_sum

    if variant == "numba_mpi":
        @numba.njit
        def pi(n_intervals, n_times):
            value = np.zeros(1)
            part = np.empty(1)
            for _ in range(n_times):
                part[0] = get_pi_part(n_intervals, numba_mpi.rank(), numba_mpi.size())
                numba_mpi.allreduce(part, value, numba_mpi.Operator.SUM)
            return value[0]
        versions = versions_of(numba_mpi, numba, np)
    else:
        def pi(n_intervals, n_times):
            world = MPI.COMM_WORLD
            value = np.zeros(1)
            part = np.empty(1)
            for _ in range(n_times):
                part[0] = get_pi_part(n_intervals, world.rank, world.size)
                world.Allreduce(part, (value, MPI.DOUBLE), op=MPI.SUM)
            return value[0]
        versions = versions_of(mpi4py, numba, np)

    def run(command):
        value = pi(command["n_intervals"], command["n_times"])
        if abs(value - math.pi) / math.pi >= 1e-3:
            raise RuntimeError(f"pi = {value}")
        return value

    return {"pi": {"warm_up": lambda: pi(100, 2), "run": run}}, versions


# ---------------------------------------------------------------------------------------------
# The parent: tessera's runs, the workers, the interleaving and the table.
# ---------------------------------------------------------------------------------------------

class Skip(Exception):
    """A peer that cannot be measured: the reason goes into its rows."""


class Worker:
    """A peer worker process (on 1 or 2 ranks) kept alive across repetitions."""

    def __init__(self, ctx, name, spec, ranks, threads, mpi_settings=None):
        self.name = name
        self.error = None
        self.jit = {}
        self.versions = {}
        self.log = tempfile.NamedTemporaryFile(prefix="peers-worker-", suffix=".log",
                                               dir=ctx.tmp, delete=False)
        command = [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(spec)]
        if ranks > 1 or spec.get("mpi"):
            command = [ctx.mpiexec, "-n", str(ranks)] + command
        env = dict(ctx.peer_env)
        env["NUMBA_NUM_THREADS"] = str(threads)
        env["OMP_NUM_THREADS"] = "1"
        env.update(mpi_settings or {})
        say(f"starting {name} ({ranks} rank(s) x {threads} numba thread(s)); it compiles "
            f"first, which takes a while")
        try:
            # Unbuffered: select() below must see every line that has not been read yet.
            self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=self.log, env=env, cwd=ctx.tmp, bufsize=0)
        except OSError as e:
            self.proc = None
            self.error = f"cannot start: {e}"
            return
        # One answer per compiled case, then "ready": a case that takes longer than this is
        # taken as hung (py-pde's explicit_mpi deadlocks on large rows, see the MPI settings).
        reply = self._read(timeout=1200)
        while reply is not None and "warmed" in reply:
            say(f"{name}: case {reply['warmed']} compiled in {reply['jit_s']:.0f} s")
            reply = self._read(timeout=1200)
        if reply is None:
            return
        if "error" in reply:
            self.error = reply["error"]
            self.close()
            return
        self.jit = reply["jit_s"]
        self.versions = reply["versions"]

    def _read(self, timeout):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self._fail(f"no answer within {timeout} s")
                return None
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if not ready:
                continue
            line = self.proc.stdout.readline().decode(errors="replace")
            if not line:
                self._fail("exited")
                return None
            if line.startswith(PROTOCOL):
                return json.loads(line[len(PROTOCOL):])

    def _fail(self, what):
        self.close()
        log = Path(self.log.name).read_text(errors="replace").strip().splitlines()
        errors = [line[len(PROTOCOL) + 6:] for line in log if line.startswith(PROTOCOL + "error ")]
        last = errors[-1] if errors else (log[-1] if log else "(no output)")
        self.error = f"worker {what}: {last}"

    def run(self, command, timeout):
        if self.error:
            raise Skip(self.error)
        self.proc.stdin.write((json.dumps(command) + "\n").encode())
        self.proc.stdin.flush()
        reply = self._read(timeout)
        if reply is None:
            raise Skip(self.error)
        return reply["seconds"]

    def close(self):
        if self.proc is None:
            return
        try:
            self.proc.stdin.write(b'{"cmd": "quit"}\n')
            self.proc.stdin.flush()
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


class Context:
    def __init__(self, args):
        self.args = args
        self.tmp = tempfile.mkdtemp(prefix="tessera-peers-")
        self.mpiexec = args.mpiexec or shutil.which("mpiexec") or "mpiexec"
        self.build = Path(args.build).resolve()
        self.peers = Path(args.peers).resolve() if args.peers else None
        self.peers_missing = None
        if self.peers is None:
            self.peers_missing = "no peers directory given (--peers DIR or TESSERA_PEERS)"
        elif not self.peers.is_dir():
            self.peers_missing = f"peers directory {self.peers} does not exist"
        self.peer_env = dict(os.environ)
        if self.peers is not None:
            paths = [str(self.peers / t) for t in PEER_TREES if (self.peers / t).is_dir()]
            old = os.environ.get("PYTHONPATH")
            self.peer_env["PYTHONPATH"] = os.pathsep.join(paths + ([old] if old else []))
        self.notes = [f"loadavg at start: {loadavg()}"]
        self.versions = {}

    def binary(self, name):
        for candidate in (self.build / "apps" / name / name, self.build / "bench" / name,
                          self.build / name):
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
        sys.exit(f"peers: no tessera binary {name} under {self.build} (give --build DIR: a "
                 f"build tree or a folder holding the apps and benchmarks)")

    def worker(self, name, spec, ranks=1, threads=1, mpi_settings=None):
        if self.peers_missing:
            return None
        w = Worker(self, name, spec, ranks, threads, mpi_settings)
        self.versions.update(w.versions)
        return w


def run_tessera(ctx, command, ranks, threads):
    env = dict(os.environ)
    env["OMP_NUM_THREADS"] = str(threads)
    full = [ctx.mpiexec, "-n", str(ranks)] + command
    p = subprocess.run(full, capture_output=True, text=True, env=env, cwd=ctx.tmp, timeout=1800)
    if p.returncode != 0:
        sys.exit(f"peers: tessera failed ({p.returncode}): {' '.join(full)}\n{p.stdout}\n"
                 f"{p.stderr}")
    return p.stdout


SUMMARY = re.compile(r"^wall ([0-9.]+) s: halo exchange ([0-9.]+) s, output ([0-9.]+) s, "
                     r"compute ([0-9.]+) s", re.M)


def app_seconds(ctx, app, config, settings, steps, ranks, threads, steps_pattern):
    """Seconds of the steps (wall minus output) of one app run on ranks x threads (ranks along
    dimension 0), after checking that it took `steps` steps."""
    command = [ctx.binary(app)] + config + [
        "--quiet", "--overwrite", "--output", "peers.h5", "--threads", str(threads),
        "--thread-dim", "0", "--mpi-dims", f"{ranks},1"]
    for s in settings:
        command += ["--set", s]
    out = run_tessera(ctx, command, ranks, threads)
    summary = SUMMARY.search(out)
    done = re.search(steps_pattern, out)
    if not summary or not done:
        sys.exit(f"peers: cannot read the run summary of {app}:\n{out}")
    if int(done.group(1)) != steps:
        sys.exit(f"peers: {app} took {done.group(1)} steps, not {steps}")
    return float(summary.group(1)) - float(summary.group(3))


class Side:
    """One contender: measure() returns {subcase: time per unit} for one repetition."""

    def __init__(self, label, layout, measure, jit=None, skip=None):
        self.label, self.layout, self.measure = label, layout, measure
        self.jit, self.skip = jit, skip
        self.times = {}


def peer_side(ctx, label, layout, worker, case, measure):
    """A peer's side, or a skipped one (with the reason) when its worker is missing or failed."""
    if worker is None:
        return Side(label, layout, None, skip=ctx.peers_missing)
    if worker.error:
        return Side(label, layout, None, skip=worker.error)
    return Side(label, layout, measure, jit=worker.jit.get(case))


def interleave(title, sides, reps):
    """Runs every side once per repetition, in turn (A B A B ...); a peer that fails is skipped
    from then on."""
    for side in sides:
        if side.skip:
            say(f"{title}: {side.label} {side.layout} skipped: {side.skip}")
    for rep in range(reps):
        for side in sides:
            if side.skip:
                continue
            try:
                for sub, value in side.measure().items():
                    side.times.setdefault(sub, []).append(value)
            except Skip as e:
                side.skip = str(e)
                say(f"{title}: {side.label} {side.layout} failed, skipped from here: {e}")
        done = [f"{s.label} {s.layout} {next(iter(s.times.values()))[-1]:.4g}"
                for s in sides if s.times and not s.skip]
        say(f"{title}, repetition {rep + 1}/{reps}: " + ", ".join(done))


def rows_for(workload, cores, unit, pairs, case_of, size_of):
    """One row per (peer, tessera side) pair and subcase."""
    rows = []
    for peer, tessera in pairs:
        for sub, t_tessera in tessera.times.items():
            row = {"workload": workload, "case": case_of(sub), "size": size_of(sub),
                   "cores": cores, "peer": peer.label, "peer_layout": peer.layout,
                   "tessera_layout": tessera.layout, "unit": unit,
                   "t_tessera": f"{statistics.median(t_tessera):.4g}"}
            t_peer = peer.times.get(sub, [])[:len(t_tessera)]
            if peer.skip or not t_peer:
                row.update({"reps": len(t_tessera),
                            "status": f"skipped: {peer.skip or 'no measurement'}"})
            else:
                ratios = [p / t for p, t in zip(t_peer, t_tessera)]
                median_peer = statistics.median(t_peer)
                row.update({
                    "reps": len(ratios), "t_peer": f"{median_peer:.4g}",
                    "ratio_peer_tessera": f"{median_peer / statistics.median(t_tessera):.3f}",
                    "ratio_peer_tessera_min": f"{min(ratios):.3f}",
                    "ratio_peer_tessera_max": f"{max(ratios):.3f}",
                    "jit_s_peer": f"{peer.jit:.1f}" if peer.jit is not None else "",
                    "status": "ok"})
            rows.append(row)
    return rows


def steps_for(cells, work):
    """Steps so that one measurement does about `work` cell updates."""
    return max(10, int(round(work / cells)))


def peer_ns(worker, case, steps, cells):
    def measure():
        seconds = worker.run({"cmd": "run", "case": case, "steps": steps}, timeout=1800)
        return {case: seconds / steps / cells * 1e9}
    return measure


# --- the workloads ---------------------------------------------------------------------------

def cahn_hilliard(ctx, cfg):
    config = ["--config", str(REPO / "configs" / "cahn_hilliard_paper.toml")]
    rows = []
    for cores in (1, 2):
        # One core: py-pde with one numba thread against 1 rank. Two cores: py-pde's
        # explicit_mpi on 2 ranks against 2 ranks and against 1 rank x 2 threads.
        layouts = [(1, 1)] if cores == 1 else [(2, 1), (1, 2)]
        name = "py-pde" if cores == 1 else "py-pde explicit_mpi"
        # py-pde's explicit_mpi fills ghost cells by sending to both neighbours with blocking
        # MPI_Send before receiving; on 2 ranks both neighbours are the other rank, so rows above
        # Open MPI's shared-memory eager limit (4 KiB: 512 doubles) deadlock. A 64 KiB limit
        # for its worker lets 512^2 and 1024^2 run (rows of 4 and 8 KiB go eagerly).
        worker = ctx.worker(name, {"kind": "pypde", "sizes": cfg["ch_sizes"], "mpi": cores > 1},
                            ranks=cores, mpi_settings={"OMPI_MCA_btl_vader_eager_limit": "65536"}
                            if cores > 1 else None)
        ctx.notes.append(f"cahn_hilliard, {cores} core(s): loadavg {loadavg()}"
                         + ("; py-pde's workers with OMPI_MCA_btl_vader_eager_limit=65536"
                            if cores > 1 else ""))
        for n in cfg["ch_sizes"]:
            steps = steps_for(n * n, cfg["ch_work"])
            t_end = f"{(steps - 0.5) * CH_DT:.10g}"  # ceil(t_end / dt) = steps, as py-pde's
            settings = [f"grid.shape=[{n},{n}]", "time.adaptive=false", "time.scheme=euler",
                        f"time.dt={CH_DT}", f"time.t_end={t_end}", f"output.interval={t_end}"]
            sides = []
            for ranks, threads in layouts:
                def measure(ranks=ranks, threads=threads, settings=settings, n=n, steps=steps):
                    seconds = app_seconds(ctx, "cahn_hilliard", config, settings, steps, ranks,
                                          threads, r"after (\d+) steps")
                    return {str(n): seconds / steps / (n * n) * 1e9}
                sides.append(Side("tessera", f"{ranks}x{threads}", measure))
            peer = peer_side(ctx, "py-pde", f"{cores}x1", worker, str(n),
                             worker and peer_ns(worker, str(n), steps, n * n))
            interleave(f"cahn_hilliard {n}^2, {cores} core(s), {steps} steps", sides + [peer],
                       cfg["reps"])
            rows += rows_for("cahn_hilliard", cores, "ns/cell/step",
                             [(peer, s) for s in sides], lambda _: "euler_dt0.01",
                             lambda sub: f"{sub}^2")
        if worker is not None:
            worker.close()
    return rows


KPZ_NOISE_DT = 0.05
KELLER_SEGEL_DT = 0.005


def pde_app_against_py_pde(ctx, cfg, workload, config_name, worker_spec, dt, case):
    """The pde app on configs/<config_name> against a py-pde worker (worker_spec) on the same
    equations, periodic N x N for N in cfg[<workload>_sizes], fixed steps of dt, one core; the
    app's steps and py-pde's cover the same interval (steps - 1/2 steps: py-pde rounds up)."""
    config = ["--config", str(REPO / "configs" / config_name)]
    sizes = cfg[workload + "_sizes"]
    worker = ctx.worker("py-pde", dict(worker_spec, kind="pypde", sizes=sizes, dt=dt))
    ctx.notes.append(f"{workload}, 1 core: loadavg {loadavg()}")
    rows = []
    for n in sizes:
        steps = steps_for(n * n, cfg[workload + "_work"])
        t_end = f"{(steps - 0.5) * dt:.10g}"
        settings = [f"grid.shape=[{n},{n}]", f"time.t_end={t_end}", f"output.interval={t_end}"]

        def measure(settings=settings, n=n, steps=steps):
            seconds = app_seconds(ctx, "pde", config, settings, steps, 1, 1, r"after (\d+) steps")
            return {str(n): seconds / steps / (n * n) * 1e9}
        side = Side("tessera", "1x1", measure)
        peer = peer_side(ctx, "py-pde", "1x1", worker, str(n),
                         worker and peer_ns(worker, str(n), steps, n * n))
        interleave(f"{workload} {n}^2, 1 core, {steps} steps", [side, peer], cfg["reps"])
        rows += rows_for(workload, 1, "ns/cell/step", [(peer, side)], lambda _: case,
                         lambda sub: f"{sub}^2")
    if worker is not None:
        worker.close()
    return rows


def keller_segel(ctx, cfg):
    """py-pde's vector operators: configs/pde_keller_segel.toml's chemotaxis system (two fields,
    divergence(c*(1 - c)*gradient(phi))), periodic N x N cells of 0.25, fixed Euler steps of
    0.005, one core. tessera: the pde app; py-pde: PDE with the same two strings and chi = 20,
    ExplicitSolver(scheme="euler", backend="numba"), one numba thread."""
    return pde_app_against_py_pde(ctx, cfg, "keller_segel", "pde_keller_segel.toml", {
        "spacing": 0.25, "consts": {"chi": 20.0},
        "equations": {"c": "laplace(c) - chi*divergence(c*(1 - c)*gradient(phi))",
                      "phi": "laplace(phi) + c - phi"},
        "ranges": {"c": (0.25, 0.35), "phi": (0.49, 0.51)}}, KELLER_SEGEL_DT, "euler_dt0.005")


def kpz_noise(ctx, cfg):
    """py-pde's additive noise: KPZ (nu = 1, lmbda = 0.5) with noise variance 0.5, fixed Euler
    (Euler-Maruyama) steps of 0.05, periodic N x N of unit cells, one core. tessera: the pde app
    on configs/pde_kpz_noise.toml; py-pde: PDE({"h": the same equation}, noise=0.5),
    ExplicitSolver(scheme="euler", backend="numba"), one numba thread."""
    return pde_app_against_py_pde(ctx, cfg, "kpz_noise", "pde_kpz_noise.toml", {
        "field": "h", "equation": "1.0*laplace(h) + 0.5*gradient_squared(h)", "noise": 0.5},
        KPZ_NOISE_DT, "euler_maruyama_dt0.05")


MPDATA_SCHEMES = (("iters2", 2, False), ("iters3_fct", 3, True))


def mpdata(ctx, cfg):
    rows = []
    cases = [[n, iters, limiter] for n in cfg["mp_sizes"] for _, iters, limiter in MPDATA_SCHEMES]
    for cores in (1, 2):
        # One core: PyMPDATA with one numba thread against 1 rank. Two cores: PyMPDATA with 2
        # numba threads against 1 rank x 2 threads, PyMPDATA-MPI on 2 ranks against 2 ranks.
        if cores == 1:
            plan = [("PyMPDATA", ctx.worker("PyMPDATA", {"kind": "pympdata", "cases": cases}),
                     (1, 1))]
        else:
            plan = [("PyMPDATA", ctx.worker("PyMPDATA, 2 numba threads",
                                            {"kind": "pympdata", "cases": cases}, threads=2),
                     (1, 2)),
                    ("PyMPDATA-MPI", ctx.worker("PyMPDATA-MPI", {"kind": "pympdata",
                                                                 "cases": cases, "mpi": True},
                                                ranks=2),
                     (2, 1))]
        ctx.notes.append(f"mpdata, {cores} core(s): loadavg {loadavg()}")
        for n in cfg["mp_sizes"]:
            for scheme, iters, limiter in MPDATA_SCHEMES:
                steps = steps_for(n * n, cfg["mp_work"] * (1 if iters == 2 else 0.3))
                settings = [f"grid.shape=[{n},{n}]", "grid.periodic=[true,true]",
                            f"options.n_iters={iters}",
                            f"options.nonoscillatory={'true' if limiter else 'false'}",
                            "advector.type=uniform",
                            f"advector.courant=[{COURANT[0]},{COURANT[1]}]",
                            "initial.type=gaussian", f"initial.center=[{n / 2},{n / 2}]",
                            f"initial.sigma=[{n / 10},{n / 10}]", "initial.amplitude=1.0",
                            "initial.background=0.0", f"time.n_steps={steps}",
                            f"output.interval={steps}"]
                key = f"{n}:{iters}:{int(limiter)}"
                pairs = []
                for label, worker, (ranks, threads) in plan:
                    def measure(ranks=ranks, threads=threads, settings=settings, key=key,
                                steps=steps, n=n):
                        seconds = app_seconds(ctx, "mpdata", [], settings, steps, ranks, threads,
                                              r"done: (\d+) steps")
                        return {key: seconds / steps / (n * n) * 1e9}
                    tessera = Side("tessera", f"{ranks}x{threads}", measure)
                    peer = peer_side(ctx, label, f"{ranks}x{threads}", worker, key,
                                     worker and peer_ns(worker, key, steps, n * n))
                    pairs.append((peer, tessera))
                interleave(f"mpdata {n}^2 {scheme}, {cores} core(s), {steps} steps",
                           [s for pair in pairs for s in (pair[1], pair[0])], cfg["reps"])
                rows += rows_for("mpdata", cores, "ns/cell/step", pairs, lambda _, s=scheme: s,
                                 lambda _, n=n: f"{n}^2")
        for _, worker, _ in plan:
            if worker is not None:
                worker.close()
    return rows


def pi(ctx, cfg):
    n_times, x_max = cfg["pi_n_times"], cfg["pi_x_max"]
    ctx.notes.append(f"pi: loadavg {loadavg()}")

    def tessera():
        out = run_tessera(ctx, [ctx.binary("pi_bench"), "--csv", "--repeats", "1", "--n-times",
                                str(n_times), "--x-max", str(x_max)], 2, 1)
        lines = [line for line in out.splitlines() if line and line[0].isdigit()]
        return {int(r[0]): float(r[2]) / n_times * 1e6 for r in csv.reader(lines)}

    sides = [Side("tessera", "2x1", tessera)]
    workers = []
    for variant in ("mpi4py", "numba_mpi"):
        worker = ctx.worker(variant, {"kind": "pi", "variant": variant, "mpi": True}, ranks=2)
        workers.append(worker)

        def measure(worker=worker):
            out = {}
            for x in range(1, x_max + 1):
                command = {"cmd": "run", "case": "pi", "n_intervals": max(1, n_times // x),
                           "n_times": n_times}
                out[x] = worker.run(command, timeout=600) / n_times * 1e6
            return out
        sides.append(peer_side(ctx, variant.replace("_", "-"), "2x1", worker, "pi",
                               worker and measure))
    interleave(f"pi, 2 ranks, {n_times} allreduce calls", sides, cfg["reps"])
    for worker in workers:
        if worker is not None:
            worker.close()
    return rows_for("pi", 2, "us/iteration", [(p, sides[0]) for p in sides[1:]],
                    lambda x: f"x={x}", lambda x: f"n_intervals={max(1, n_times // x)}")


WORKLOADS = {"cahn_hilliard": cahn_hilliard, "mpdata": mpdata, "pi": pi, "kpz_noise": kpz_noise,
             "keller_segel": keller_segel}


def print_table(ctx, rows, as_csv, argv):
    out = sys.stdout
    print(f"# {' '.join(argv)}", file=out)
    print(f"# {time.strftime('%Y-%m-%d %H:%M:%S %Z')} on {os.uname().nodename}, "
          f"{os.cpu_count()} cores; OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '')}",
          file=out)
    print(f"# tessera: {ctx.build}; peers: {ctx.peers or '-'}"
          + "".join(f"; {k} {v}" for k, v in sorted(ctx.versions.items())), file=out)
    ctx.notes.append(f"loadavg at end: {loadavg()}")
    for note in ctx.notes:
        print(f"# {note}", file=out)
    if as_csv:
        writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
        return
    shown = ["workload", "case", "size", "cores", "peer", "peer_layout", "tessera_layout",
             "unit", "t_peer", "t_tessera", "ratio_peer_tessera", "ratio_peer_tessera_min",
             "ratio_peer_tessera_max", "jit_s_peer", "status"]
    table = [shown] + [[str(r.get(c, "")) for c in shown] for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(shown))]
    for line in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip(), file=out)


def main():
    parser = argparse.ArgumentParser(
        description="tessera against py-pde, PyMPDATA(-MPI), mpi4py and numba-mpi on the same "
                    "work in one session (see the module docstring for what is timed)")
    parser.add_argument("--peers", default=os.environ.get("TESSERA_PEERS"),
                        help="folder of the peers' source trees (default: $TESSERA_PEERS); "
                             "without it every peer row says skipped")
    parser.add_argument("--build", default=os.environ.get("TESSERA_BUILD",
                                                          str(REPO / "build-openmpi")),
                        help="tessera build tree, or a folder holding cahn_hilliard, mpdata "
                             "and pi_bench (default: $TESSERA_BUILD, else build-openmpi)")
    parser.add_argument("--mpiexec", default=os.environ.get("MPIEXEC"),
                        help="the mpiexec of the MPI that mpi4py uses (default: mpiexec)")
    parser.add_argument("--csv", action="store_true", help="print CSV")
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes and 2 repetitions (the peers still compile in full)")
    parser.add_argument("--reps", type=int, help="repetitions (default 5, --quick 2)")
    parser.add_argument("--only", action="append", choices=sorted(WORKLOADS),
                        help="run only this workload (repeatable)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker_main(json.loads(args.worker))

    if args.quick:
        cfg = {"ch_sizes": [64], "ch_work": 4e6, "mp_sizes": [64], "mp_work": 1e6,
               "pi_n_times": 2000, "pi_x_max": 2, "kpz_noise_sizes": [64],
               "kpz_noise_work": 1e6, "keller_segel_sizes": [64], "keller_segel_work": 1e6,
               "reps": 2}
    else:
        cfg = {"ch_sizes": [256, 512, 1024], "ch_work": 3e8, "mp_sizes": [512, 1024],
               "mp_work": 1e8, "pi_n_times": 10000, "pi_x_max": 10,
               "kpz_noise_sizes": [256, 512], "kpz_noise_work": 5e7,
               "keller_segel_sizes": [256, 512], "keller_segel_work": 5e7, "reps": 5}
    if args.reps:
        cfg["reps"] = max(1, args.reps)
    ctx = Context(args)
    if ctx.peers_missing:
        say(f"every peer skipped: {ctx.peers_missing}")
    rows = []
    t0 = time.monotonic()
    try:
        for name in args.only or list(WORKLOADS):
            rows += WORKLOADS[name](ctx, cfg)
    finally:
        ctx.notes.append(f"total {time.monotonic() - t0:.0f} s")
        print_table(ctx, rows, args.csv, ["bench/peers.py"] + sys.argv[1:])
        shutil.rmtree(ctx.tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
