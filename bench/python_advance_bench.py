#!/usr/bin/python3
"""The cost of driving a run from Python: tessera.run (Simulation + advance) against the
cahn_hilliard app, the same configuration and steps, interleaved in one benchmark run.

    . scripts/mpi-env.sh
    /usr/bin/python3 bench/python_advance_bench.py --ranks 1 --repeats 5 --csv

Each repeat runs the app (`mpiexec -n R cahn_hilliard --config run.toml`) and the same
configuration through Python (`mpiexec -n R python3 this --python-side run.toml`), alternating
which goes first. The app's time is the wall time its summary reports (frame 0, every step, the
last frame and closing the file); Python's is measured around everything after `import tessera`:
building the Simulation (reading the configuration, decomposing, the initial state and frame 0),
advance() to the end, and finishing the file, so it includes a little more than the app's.
ratio_python_app = t_python / t_app per repeat; the last row holds the medians.
"""
import argparse
import os
import pathlib
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]

CONFIG = """\
[grid]
shape = [{n}, {n}]
periodic = true
[equation]
gamma = 1.0
k = 0.01
c0 = 0.5
[initial]
type = "random_uniform"
low = 0.49
high = 0.51
seed = 1
[time]
t_end = {t_end!r}
dt = {dt!r}
scheme = "euler"
[output]
interval = {t_end!r}
"""


def python_side(config, output):
    """Under mpiexec: one run through the Python API; rank 0 prints its time."""
    import tessera

    t0 = time.perf_counter()
    sim = tessera.Simulation("cahn_hilliard", config_file=config, output=output, overwrite=True)
    sim.advance()  # to the end; finishes the output file
    seconds = time.perf_counter() - t0
    if tessera.rank() == 0:
        print("python_seconds %.6f steps %d" % (seconds, sim.step), flush=True)


def run(cmd, env):
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=3600)
    if r.returncode != 0:
        sys.exit("failed (%d): %s\n%s%s" % (r.returncode, " ".join(cmd), r.stdout, r.stderr))
    return r.stdout


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--build-dir", default=str(ROOT / "build-openmpi"))
    p.add_argument("--mpiexec", default="mpiexec")
    p.add_argument("--ranks", type=int, default=1)
    p.add_argument("--shape", type=int, default=512, help="cells per side")
    p.add_argument("--steps", type=int, default=5000)
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--quick", action="store_true", help="a 64² grid, 20 steps, 1 repeat (tests)")
    p.add_argument("--csv", action="store_true")
    p.add_argument("--python-side", nargs=2, metavar=("CONFIG", "OUTPUT"), help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.python_side:
        python_side(*a.python_side)
        return
    if a.quick:
        a.shape, a.steps, a.repeats = 64, 20, 1
    build = pathlib.Path(a.build_dir).resolve()
    app = build / "apps" / "cahn_hilliard" / "cahn_hilliard"
    env = dict(os.environ, OMP_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join([str(build / "python")] +
                                          ([os.environ["PYTHONPATH"]] if "PYTHONPATH" in os.environ else [])))
    dt = 0.02
    rows = []
    with tempfile.TemporaryDirectory(prefix="python_advance_bench_") as tmp:
        config = pathlib.Path(tmp) / "run.toml"
        config.write_text(CONFIG.format(n=a.shape, t_end=a.steps * dt, dt=dt))
        mpi = [a.mpiexec, "-n", str(a.ranks)]
        app_cmd = mpi + [str(app), "--config", str(config), "--output", str(pathlib.Path(tmp) / "app.h5"),
                         "--overwrite", "--quiet"]
        py_cmd = mpi + [sys.executable, str(pathlib.Path(__file__).resolve()), "--python-side",
                        str(config), str(pathlib.Path(tmp) / "python.h5")]
        for r in range(a.repeats):
            times = {}
            for which in (("app", "python") if r % 2 == 0 else ("python", "app")):
                if which == "app":
                    out = run(app_cmd, env)
                    times["app"] = float(re.search(r"^wall ([0-9.]+) s", out, re.M).group(1))
                    times["app_steps"] = int(re.search(r"after (\d+) steps", out).group(1))
                else:
                    out = run(py_cmd, env)
                    m = re.search(r"python_seconds ([0-9.]+) steps (\d+)", out)
                    times["python"], times["python_steps"] = float(m.group(1)), int(m.group(2))
            if times["app_steps"] != times["python_steps"]:
                sys.exit("the app took %d steps, Python %d" % (times["app_steps"], times["python_steps"]))
            rows.append((r, times["app_steps"], times["app"], times["python"],
                         times["python"] / times["app"]))
    header = "repeat,ranks,shape,steps,t_app_s,t_python_s,ratio_python_app"
    lines = ["%d,%d,%dx%d,%d,%.4f,%.4f,%.4f" % (r, a.ranks, a.shape, a.shape, s, ta, tp, q)
             for r, s, ta, tp, q in rows]
    lines.append("median,%d,%dx%d,%d,%.4f,%.4f,%.4f" % (
        a.ranks, a.shape, a.shape, rows[0][1], statistics.median(x[2] for x in rows),
        statistics.median(x[3] for x in rows), statistics.median(x[4] for x in rows)))
    if a.csv:
        print(header)
        print("\n".join(lines))
    else:
        for line in [header] + lines:
            print("  ".join("%-10s" % f for f in line.split(",")))


if __name__ == "__main__":
    main()
