#!/usr/bin/env python3
"""The pde app given a py-pde reference file's own equations (its `expression` attribute for the
field c, or one `equation_<field>` attribute per field), initial fields, time step and end time,
against the reference's last frame of every field, to the tolerance the solver's tests use.
Grid, boundary and spacing settings beyond the shape and periodicity come as pde arguments.
Usage: pde_reference.py MPIEXEC PDE REFERENCE WORK_DIR RANKS TOLERANCE [pde arguments ...]"""
import os
import pathlib
import subprocess
import sys

import h5py
import numpy as np


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


mpiexec, pde, reference, work, ranks, tol = sys.argv[1:7]
extra = sys.argv[7:]
work = pathlib.Path(work)
work.mkdir(parents=True, exist_ok=True)
with h5py.File(reference, "r") as f:
    if "expression" in f.attrs:
        equations = {"c": text(f.attrs["expression"])}
        periodic = text(f.attrs["boundary"]) == "periodic"
    else:
        equations = {key[len("equation_"):]: text(value) for key, value in f.attrs.items()
                     if key.startswith("equation_")}
        periodic = None  # given in the extra arguments
    dt = float(f.attrs["dt"])
    times = f["time"][:]
    first = {name: f[name][0] for name in equations}
    last = {name: f[name][-1] for name in equations}
shape = list(next(iter(first.values())).shape)
out = work / (pathlib.Path(reference).stem + ".h5")
cmd = [mpiexec, "-n", ranks, pde, "--quiet", "--overwrite", "--output", str(out),
       "--set", "grid.shape=[" + ",".join(map(str, shape)) + "]",
       "--set", f"time.dt={dt!r}", "--set", f"time.t_start={times[0]!r}",
       "--set", f"time.t_end={times[-1]!r}", "--set", f"output.interval={times[-1] - times[0]!r}"]
if periodic is not None:
    cmd += ["--set", "grid.periodic=" + ("true" if periodic else "false")]
for name, equation in equations.items():
    cmd += ["--set", f"equation.{name}={equation!r}".replace("'", '"'),
            "--set", f'initial.{name}.type="file"', "--set", f'initial.{name}.file="{reference}"',
            "--set", f"initial.{name}.frame=0"]
done = subprocess.run(cmd + extra, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                      env=dict(os.environ, OMP_NUM_THREADS="2"))
if done.returncode != 0:
    sys.exit(f"pde failed ({done.returncode}):\n{' '.join(cmd + extra)}\n{done.stdout}")
failed = False
with h5py.File(out, "r") as f:
    t = f["time"][-1]
    for name in equations:
        diff = np.abs(f[name][-1] - last[name]).max()
        moved = np.abs(last[name] - first[name]).max()
        print(f"{name}: {equations[name]}: t = {t!r} (reference {times[-1]!r}); "
              f"max |ours - reference| = {diff:.3g} (tolerance {tol}); the field moved by "
              f"{moved:.3g}")
        failed = failed or not (diff <= float(tol) and moved > 1e-3)
if failed or abs(t - times[-1]) >= 1e-9:
    sys.exit("FAIL")
