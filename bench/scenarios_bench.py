#!/usr/bin/python3
"""The cost of a time step of the two ready scenarios, the Williamson & Rasch sphere (mpdata app)
and the elliptic drop (shallow_water app), against PyMPDATA on the same case, interleaved in one
benchmark run; and tessera's parallel efficiency on 2 cores.

    . scripts/mpi-env.sh
    /usr/bin/python3 bench/scenarios_bench.py --csv --peers DIR      # or TESSERA_PEERS=DIR

DIR holds PyMPDATA 1.7.1's and PyMPDATA-MPI's sources (folders pympdata, pympdata-mpi, numba-mpi,
stubs); without it the PyMPDATA cells read `skipped` (and a line on stderr says why).

Cases (each on the grid below; `--quick` shrinks them for the test suite):
* sphere_upwind: configs/mpdata_sphere.toml with n_iters = 1 (PyMPDATA-MPI's spherical scenario
  allows only that), 256 x 128, 2000 steps;
* sphere_config: the same with the configuration's options (n_iters = 2, nonoscillatory), 500 steps;
* shallow_water_drop: configs/shallow_water_drop.toml (401 x 401, n_iters = 2, infinite gauge,
  nonoscillatory), 50 steps.
The sphere's Courant numbers grow with nlat² at a fixed number of steps per revolution (1700, as
in the configuration and PyMPDATA-MPI's scenario); both codes scale the advector by
multiplier = (32/nlat)², which keeps the 64 x 32 configuration's Courant numbers (0.77 at the
poles) on every grid.

tessera: the app under `mpiexec`, on 1 rank x 1 thread, 2 ranks x 1 thread (--mpi-dims 2,1) and
1 rank x 2 threads (the configuration's thread dimension, 0), one frame at the start and one at
the end (output.interval = steps), --quiet. Its time is the time the run spends stepping, read
from the app's end summary: wall minus output (the summary's `wall` starts after set-up, and its
`output` is the time spent writing frames; what remains is the steps, halo exchanges included).

PyMPDATA: PyMPDATA-MPI's scenario classes (imported from DIR/pympdata-mpi, not copied), on one
process (size 1: its MPIPolar and MPIPeriodic reduce to PyMPDATA's Polar and Periodic), one numba
thread (NUMBA_NUM_THREADS=1, n_threads=1), in a worker process that compiles first: its first step
is the warm-up, reported as pympdata_compile_s. Every repeat then restores the scenario's initial
state (the one tessera starts from) and times advancing it by the same number of steps:
solver.advance(steps) on the sphere; on the drop the scenario's own step loop (three
solver.advance(1) per step with NumPy between them, which is how PyMPDATA-MPI drives it), with
the time inside solver.advance alone in ns_cell_step_pympdata_advance. The drop is PyMPDATA-MPI's
scenario class with its time step, spacings and initial depth set to the configuration's (dt, dx,
dy attributes; h from frame 0 of tessera's output); its sides are periodic, tessera's constant 0,
and both halos hold zeros while the drop stays inside the domain. max_abs_diff_pympdata_tessera
compares PyMPDATA's field with tessera's last frame (first repeat): it says the two computed the
same case.

Repeats alternate the order (tessera first, then PyMPDATA first, ...). ns_cell_step_* are medians
of the repeats' stepping times per cell and step (wall time; the 2-core rows too); the ratios are
medians of the per-repeat ratios: ratio_pympdata_tessera = t_pympdata / t_tessera_1core,
ratio_efficiency_2ranks = t_1core / (2 t_2ranks), ratio_efficiency_2threads likewise. Comment
lines above the table give the command, the load average and every repeat's seconds.
"""
import argparse
import json
import math
import os
import pathlib
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]

COLUMNS = ["scenario", "grid", "steps", "options", "ns_cell_step_tessera_1core",
           "ns_cell_step_tessera_2ranks", "ns_cell_step_tessera_2threads", "ns_cell_step_pympdata",
           "ns_cell_step_pympdata_advance", "ratio_pympdata_tessera", "ratio_efficiency_2ranks",
           "ratio_efficiency_2threads", "pympdata_compile_s", "max_abs_diff_pympdata_tessera"]

LAYOUTS = [("1core", 1, 1), ("2ranks", 2, 1), ("2threads", 1, 2)]


def cases(quick):
    """The benchmark's cases: name, app, config, grid, steps, options, --set overrides."""
    nlon, nlat, s_up, s_cfg = (64, 32, 100, 50) if quick else (256, 128, 2000, 500)
    n_sw, s_sw = (41, 10) if quick else (401, 50)
    mult = (32.0 / nlat) ** 2
    sphere = ["grid.shape=[%d,%d]" % (nlon, nlat),
              "grid.spacing=[%r,%r]" % (2 * math.pi / nlon, math.pi / nlat),
              "advector.multiplier=[%r,%r]" % (mult, mult)]
    dx = 0.05 * 401 / n_sw  # the configuration's domain on any grid (docs/shallow_water.md)
    return [
        dict(name="sphere_upwind", app="mpdata", config="mpdata_sphere.toml", grid=(nlon, nlat),
             steps=s_up, options=dict(n_iters=1), multiplier=mult,
             sets=sphere + ["options.n_iters=1", "options.nonoscillatory=false"]),
        dict(name="sphere_config", app="mpdata", config="mpdata_sphere.toml", grid=(nlon, nlat),
             steps=s_cfg, options=dict(n_iters=2, nonoscillatory=True), multiplier=mult,
             sets=sphere),
        dict(name="shallow_water_drop", app="shallow_water", config="shallow_water_drop.toml",
             grid=(n_sw, n_sw), steps=s_sw,
             options=dict(n_iters=2, infinite_gauge=True, nonoscillatory=True), dx=dx, dt=0.01,
             sets=["grid.shape=[%d,%d]" % (n_sw, n_sw), "grid.spacing=[%r,%r]" % (dx, dx)]),
    ]


# ---------------------------------------------------------------------------------------------
# PyMPDATA side: a worker process (this file with --pympdata-worker), driven through stdin/stdout


def worker(spec):
    """Builds the case's PyMPDATA-MPI scenario, compiles it with one step, then answers
    {"steps": n, "reference": file} lines with the time of n steps from the initial state (and,
    with "compare", the largest difference from the last frame of tessera's file)."""
    import numpy as np
    from PyMPDATA import Options
    from PyMPDATA.impl.enumerations import OUTER
    import scenarios

    case = json.loads(spec)
    options = Options(**case["options"])
    grid = tuple(case["grid"])
    advance_seconds = [0.0]

    class timed_solver:
        """Forwards to a PyMPDATA Solver and adds up the time spent in advance()."""

        def __init__(self, solver):
            self._solver = solver

        def advance(self, *args, **kwargs):
            t0 = time.perf_counter()
            result = self._solver.advance(*args, **kwargs)
            advance_seconds[0] += time.perf_counter() - t0
            return result

        def __getattr__(self, name):
            return getattr(self._solver, name)

    def build(initial):
        common = dict(mpi_dim=OUTER, mpdata_options=options, n_threads=1, grid=grid, rank=0,
                      size=1)
        if case["app"] == "mpdata":
            s = scenarios.SphericalScenario(courant_field_multiplier=(case["multiplier"],) * 2,
                                            **common)
            return s, lambda n: s.solvers["psi"].advance(n_steps=n), lambda: s["psi"]
        s = scenarios.ShallowWaterScenario(courant_field_multiplier=(1.0, 1.0), **common)
        # the configuration's case: its time step, spacings and initial depth (uh = vh = 0 in both)
        s.dt, s.dx, s.dy = case["dt"], case["dx"], case["dx"]
        s["h"][:] = initial
        s.solvers = {k: timed_solver(v) for k, v in s.solvers.items()}
        return s, s._solver_advance, lambda: s["h"]

    def frames(path):
        import h5py

        with h5py.File(path, "r") as f:
            d = f["psi" if case["app"] == "mpdata" else "h"]
            return d[0], d[-1]

    first, _ = frames(case["reference"])
    s, advance, field = build(first)
    # A new scenario would compile again (its Stepper's functions are not cached across
    # instances): build one, keep its initial state, and restore that before every run.
    initial = {k: np.copy(v.advectee.get()) for k, v in s.solvers.items()}
    t0 = time.perf_counter()
    advance(1)
    print("RESULT " + json.dumps({"compile_s": time.perf_counter() - t0}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        for k, v in s.solvers.items():
            v.advectee.get()[:] = initial[k]
        advance_seconds[0] = 0.0
        t0 = time.perf_counter()
        advance(request["steps"])
        seconds = time.perf_counter() - t0
        answer = {"seconds": seconds,
                  "advance_seconds": advance_seconds[0] if case["app"] != "mpdata" else seconds}
        if request.get("compare"):
            answer["max_abs_diff"] = float(np.max(np.abs(field() - frames(request["reference"])[1])))
        print("RESULT " + json.dumps(answer), flush=True)


class pympdata_worker:
    """The parent's handle on a worker; every failure becomes a reason to skip."""

    def __init__(self, peers, case, reference):
        self.proc = None
        self.skipped = None
        self.compile_s = None
        if peers is None:
            self.skipped = "no peers directory (pass --peers DIR or set TESSERA_PEERS)"
            return
        peers = pathlib.Path(peers)
        needed = [peers / "pympdata" / "PyMPDATA", peers / "pympdata-mpi" / "scenarios",
                  peers / "numba-mpi" / "numba_mpi"]
        missing = [str(p) for p in needed if not p.is_dir()]
        if missing:
            self.skipped = "not found: " + ", ".join(missing)
            return
        path = [str(peers / p) for p in ("pympdata", "numba-mpi", "pympdata-mpi", "stubs")]
        env = dict(os.environ, NUMBA_NUM_THREADS="1", OMP_NUM_THREADS="1",
                   PYTHONPATH=os.pathsep.join(path + [p for p in [os.environ.get("PYTHONPATH")] if p]))
        spec = dict(case, reference=str(reference))
        spec.pop("sets")
        self.stderr = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", str(pathlib.Path(__file__).resolve()), "--pympdata-worker",
             json.dumps(spec)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr,
            text=True, env=env)
        self.compile_s = self._answer().get("compile_s")

    def _answer(self):
        if self.skipped:
            return {}
        for line in self.proc.stdout:
            if line.startswith("RESULT "):
                return json.loads(line[len("RESULT "):])
        self.proc.wait()
        self.stderr.seek(0)
        tail = [l for l in self.stderr.read().splitlines() if l.strip()][-1:] or ["no output"]
        self.skipped = "PyMPDATA worker failed (exit %s): %s" % (self.proc.returncode, tail[0])
        return {}

    def run(self, steps, reference, compare):
        if self.skipped:
            return {}
        self.proc.stdin.write(json.dumps({"steps": steps, "reference": str(reference),
                                          "compare": compare}) + "\n")
        self.proc.stdin.flush()
        return self._answer()

    def close(self):
        if self.proc and self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=60)


# ---------------------------------------------------------------------------------------------
# tessera side


def find_app(build, name):
    for p in (build / "apps" / name / name, build / name):
        if p.is_file():
            return p
    sys.exit("scenarios_bench: no %s app in %s (pass --build-dir)" % (name, build))


def run_tessera(a, case, app, ranks, threads, out, env):
    """One run of the app; returns the seconds spent stepping (the summary's wall - output)."""
    cmd = [a.mpiexec, "-n", str(ranks), str(app), "--config", str(ROOT / "configs" / case["config"]),
           "--threads", str(threads), "--output", str(out), "--overwrite", "--quiet"]
    if ranks > 1:
        cmd += ["--mpi-dims", "%d,1" % ranks]
    for s in case["sets"] + ["time.n_steps=%d" % case["steps"],
                             "output.interval=%d" % case["steps"]]:
        cmd += ["--set", s]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=1800,
                       env=dict(env, OMP_NUM_THREADS=str(threads)))
    if r.returncode != 0:
        sys.exit("scenarios_bench: failed (%d): %s\n%s%s" % (r.returncode, shlex.join(cmd),
                                                             r.stdout, r.stderr))
    m = re.search(r"^wall ([0-9.]+) s: halo exchange [0-9.]+ s, output ([0-9.]+) s", r.stdout, re.M)
    steps = re.search(r"done: (\d+) steps", r.stdout)
    if not m or not steps or int(steps.group(1)) != case["steps"]:
        sys.exit("scenarios_bench: no summary with %d steps from %s\n%s" % (case["steps"],
                                                                             shlex.join(cmd), r.stdout))
    return float(m.group(1)) - float(m.group(2))


def loadavg():
    try:
        return pathlib.Path("/proc/loadavg").read_text().strip()
    except OSError:
        return "unknown"


def fmt(x, digits=4):
    if x is None:
        return ""
    if isinstance(x, str):
        return x
    return "%.*g" % (digits, x)


def median_ratio(num, den, factor=1.0):
    r = [n / (factor * d) for n, d in zip(num, den) if n is not None and d]
    return statistics.median(r) if r else None


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--build-dir", default=str(ROOT / "build-openmpi"),
                   help="build directory with apps/mpdata/mpdata and apps/shallow_water/shallow_water "
                        "(or a directory holding the two apps and lib/)")
    p.add_argument("--peers", default=os.environ.get("TESSERA_PEERS"),
                   help="folder with pympdata, pympdata-mpi, numba-mpi, stubs (default: $TESSERA_PEERS)")
    p.add_argument("--mpiexec", default="mpiexec")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--cases", default="", help="comma-separated subset of the case names")
    p.add_argument("--quick", action="store_true", help="tiny grids, few steps, 1 repeat (tests)")
    p.add_argument("--csv", action="store_true")
    p.add_argument("--pympdata-worker", metavar="SPEC", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.pympdata_worker:
        worker(a.pympdata_worker)
        return
    if a.quick:
        a.repeats = 1
    build = pathlib.Path(a.build_dir).resolve()
    env = dict(os.environ)
    if (build / "lib").is_dir():  # a flat directory of apps with their shared libraries
        env["LD_LIBRARY_PATH"] = os.pathsep.join(
            [str(build / "lib")] + [p for p in [env.get("LD_LIBRARY_PATH")] if p])
    chosen = [c for c in cases(a.quick) if not a.cases or c["name"] in a.cases.split(",")]
    comments = ["# command: " + shlex.join([sys.executable] + sys.argv),
                "# loadavg at start: " + loadavg(),
                "# OMP_WAIT_POLICY=%s; tessera apps from %s; peers: %s" % (
                    os.environ.get("OMP_WAIT_POLICY", "(unset)"), build, a.peers or "(none)")]
    rows = []
    with tempfile.TemporaryDirectory(prefix="scenarios_bench_") as tmp:
        for case in chosen:
            app = find_app(build, case["app"])
            out = {name: pathlib.Path(tmp) / ("%s_%s.h5" % (case["name"], name))
                   for name, _, _ in LAYOUTS}
            t = {name: [] for name, _, _ in LAYOUTS}
            t["py"], t["py_advance"] = [], []
            diff = None
            # the first 1-core run also gives PyMPDATA its initial state and the field to compare
            t["1core"].append(run_tessera(a, case, app, 1, 1, out["1core"], env))
            py = pympdata_worker(a.peers, case, out["1core"])
            for r in range(a.repeats):
                order = ["tessera", "pympdata"] if r % 2 == 0 else ["pympdata", "tessera"]
                for which in order:
                    if which == "tessera":
                        for name, ranks, threads in LAYOUTS:
                            if r == 0 and name == "1core":
                                continue  # measured above, just before
                            t[name].append(run_tessera(a, case, app, ranks, threads, out[name], env))
                    else:
                        ans = py.run(case["steps"], out["1core"], compare=(r == 0))
                        t["py"].append(ans.get("seconds"))
                        t["py_advance"].append(ans.get("advance_seconds"))
                        if "max_abs_diff" in ans:
                            diff = ans["max_abs_diff"]
            py.close()
            if py.skipped:
                print("skipped: PyMPDATA for %s: %s" % (case["name"], py.skipped), file=sys.stderr)
            cells_steps = case["grid"][0] * case["grid"][1] * case["steps"] / 1e9

            def ns(key):
                v = [x for x in t[key] if x is not None]
                return statistics.median(v) / cells_steps if v else None

            skip = "skipped" if py.skipped else None
            rows.append([
                case["name"], "%dx%d" % tuple(case["grid"]), str(case["steps"]),
                ";".join("%s=%s" % (k, str(v).lower()) for k, v in case["options"].items()),
                fmt(ns("1core")), fmt(ns("2ranks")), fmt(ns("2threads")),
                skip or fmt(ns("py")), skip or fmt(ns("py_advance")),
                skip or fmt(median_ratio(t["py"], t["1core"])),
                fmt(median_ratio(t["1core"], t["2ranks"], 2.0)),
                fmt(median_ratio(t["1core"], t["2threads"], 2.0)),
                skip or fmt(py.compile_s, 3), skip or fmt(diff, 2)])
            comments.append("# loadavg after %s: %s" % (case["name"], loadavg()))
            comments.append("# %s seconds per repeat: %s" % (case["name"], "; ".join(
                "%s %s" % (key, " ".join(fmt(x) for x in t[key]))
                for key in ["1core", "2ranks", "2threads", "py", "py_advance"])))
    if a.csv:
        print("\n".join(comments))
        print(",".join(COLUMNS))
        for row in rows:
            print(",".join(row))
    else:
        print("\n".join(comments))
        widths = [max(len(c), *(len(r[i]) for r in rows)) if rows else len(c)
                  for i, c in enumerate(COLUMNS)]
        for line in [COLUMNS] + rows:
            print("  ".join(f.ljust(w) for f, w in zip(line, widths)))


if __name__ == "__main__":
    main()
