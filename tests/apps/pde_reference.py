#!/usr/bin/env python3
"""The pde app given a py-pde reference file's own expression string (its `expression`
attribute), initial field, time step, boundary and end time, against the reference's last frame,
to the tolerance the hand-written solver's tests use.
Usage: pde_reference.py MPIEXEC PDE REFERENCE WORK_DIR RANKS TOLERANCE [pde arguments ...]"""
import os
import pathlib
import subprocess
import sys

import h5py
import numpy as np

mpiexec, pde, reference, work, ranks, tol = sys.argv[1:7]
extra = sys.argv[7:]
work = pathlib.Path(work)
work.mkdir(parents=True, exist_ok=True)
with h5py.File(reference, "r") as f:
    expression = f.attrs["expression"]
    expression = expression.decode() if isinstance(expression, bytes) else str(expression)
    boundary = f.attrs["boundary"]
    boundary = boundary.decode() if isinstance(boundary, bytes) else str(boundary)
    dt = float(f.attrs["dt"])
    times = f["time"][:]
    first, last = f["c"][0], f["c"][-1]
shape = list(first.shape)
out = work / (pathlib.Path(reference).stem + ".h5")
cmd = [mpiexec, "-n", ranks, pde, "--quiet", "--overwrite", "--output", str(out),
       "--set", f"equation.c={expression!r}".replace("'", '"'),
       "--set", "grid.shape=[" + ",".join(map(str, shape)) + "]",
       "--set", "grid.periodic=" + ("true" if boundary == "periodic" else "false"),
       "--set", 'initial.c.type="file"', "--set", f'initial.c.file="{reference}"',
       "--set", "initial.c.frame=0", "--set", f"time.dt={dt!r}",
       "--set", f"time.t_start={times[0]!r}", "--set", f"time.t_end={times[-1]!r}",
       "--set", f"output.interval={times[-1] - times[0]!r}"] + extra
done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                      env=dict(os.environ, OMP_NUM_THREADS="2"))
if done.returncode != 0:
    sys.exit(f"pde failed ({done.returncode}):\n{' '.join(cmd)}\n{done.stdout}")
with h5py.File(out, "r") as f:
    ours, t = f["c"][-1], f["time"][-1]
diff = np.abs(ours - last).max()
moved = np.abs(last - first).max()
print(f"{expression}: t = {t!r} (reference {times[-1]!r}); max |ours - reference| = {diff:.3g} "
      f"(tolerance {tol}); the field moved by {moved:.3g}")
if not (diff <= float(tol) and moved > 1e-3 and abs(t - times[-1]) < 1e-9):
    sys.exit("FAIL")
