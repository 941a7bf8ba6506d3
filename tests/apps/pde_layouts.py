#!/usr/bin/env python3
"""A pde configuration (shrunk to test size) on one rank, and on four ranks in other layouts:
2 x 2 ranks with 2 threads along dimension 0, 4 ranks along dimension 0 with the exchanged ghost
strategy, and 4 ranks with the interpreter. Every state field of every frame, the times and the
steps must be bit-identical to the one-rank run.
Usage: pde_layouts.py MPIEXEC PDE CONFIG WORK_DIR [--set key=value ...]"""
import os
import pathlib
import subprocess
import sys

import h5py
import numpy as np

mpiexec, pde, config, work = sys.argv[1:5]
settings = sys.argv[5:]
work = pathlib.Path(work)
work.mkdir(parents=True, exist_ok=True)
runs = {
    "one_rank": (1, []),
    "2x2_threads": (4, ["--mpi-dims", "2,2", "--threads", "2", "--thread-dim", "0"]),
    "4x1_exchanged": (4, ["--mpi-dims", "4,1", "--set", 'codegen.ghosts="exchanged"']),
    "4_interpreted": (4, ["--set", 'codegen.backend="interpreted"']),
}
env = dict(os.environ, OMP_NUM_THREADS="2")
outputs = {}
for name, (ranks, extra) in runs.items():
    out = work / f"{name}.h5"
    cmd = [mpiexec, "-n", str(ranks), pde, "--config", config, "--quiet", "--overwrite",
           "--output", str(out)] + settings + extra
    done = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if done.returncode != 0:
        sys.exit(f"{name} failed ({done.returncode}):\n{' '.join(cmd)}\n{done.stdout}")
    outputs[name] = out


def fields(path):
    with h5py.File(path, "r") as f:
        names = sorted(n for n in f if isinstance(f[n], h5py.Dataset) and f[n].ndim >= 3)
        return {n: f[n][...] for n in names + ["time", "step"]}


reference = fields(outputs["one_rank"])
frames = reference["time"].shape[0]
moved = max(np.abs(reference[n][-1] - reference[n][0]).max()
            for n in reference if n not in ("time", "step"))
if frames < 2 or not moved > 1e-6:
    sys.exit(f"the reference run must move: {frames} frames, largest change {moved}")
for name, path in outputs.items():
    got = fields(path)
    for n, want in reference.items():
        if got[n].shape != want.shape or got[n].tobytes() != want.tobytes():
            sys.exit(f"{name}: {n} differs from the one-rank run")
print(f"{len(outputs)} layouts, {frames} frames of {sorted(n for n in reference if n not in ('time', 'step'))}: "
      f"bit-identical (largest change {moved:.3g})")
