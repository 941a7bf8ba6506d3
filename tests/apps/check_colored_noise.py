#!/usr/bin/env python3
"""The pde app's random_colored initial condition against py-pde's recipe done in numpy
(pde.tools.spectral.make_colored_noise): the inverse real FFT of the real FFT of the white noise
(the random_normal kind's, same seed) times 2 pi scale |k|^(exponent/2), |k| from numpy's
fftfreq in cycles per length, the mean mode removed. On 1-D, 2-D (unequal cells) and 3-D
grids; every layout must give the same bits (1 rank, RANKS ranks x 2 threads).
Usage: check_colored_noise.py MPIEXEC PDE WORK_DIR RANKS"""
import os
import pathlib
import subprocess
import sys

import h5py
import numpy as np

mpiexec, pde, work, ranks = sys.argv[1:5]
work = pathlib.Path(work)
work.mkdir(parents=True, exist_ok=True)


def initial(name, shape, spacing, kind, ranks, threads=1):
    """Frame 0 of c from a pde run whose initial condition is `kind` (a dict of keys)."""
    out = work / f"{name}.h5"
    cmd = [mpiexec, "-n", str(ranks), pde, "--quiet", "--overwrite", "--output", str(out),
           "--threads", str(threads),
           "--set", "grid.shape=[" + ",".join(map(str, shape)) + "]",
           "--set", "grid.spacing=[" + ",".join(map(repr, spacing)) + "]",
           "--set", "time.dt=1e-6", "--set", "time.t_end=1e-6", "--set", "output.interval=1e-6"]
    for key, value in kind.items():
        cmd += ["--set", f"initial.c.{key}=" + (f'"{value}"' if isinstance(value, str)
                                               else repr(value))]
    done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          env=dict(os.environ, OMP_NUM_THREADS=str(threads)))
    if done.returncode != 0:
        sys.exit(f"pde failed ({done.returncode}):\n{' '.join(cmd)}\n{done.stdout}")
    with h5py.File(out, "r") as f:
        return f["c"][0]


def colored(white, spacing, exponent, scale):
    """py-pde's make_colored_noise applied to `white`."""
    if exponent == 0:
        return scale * white
    k2s = np.array(0.0)
    for i, (n, dx) in enumerate(zip(white.shape, spacing)):
        k = np.fft.rfftfreq(n, dx) if i == white.ndim - 1 else np.fft.fftfreq(n, dx)
        k2s = np.add.outer(k2s, k**2)
    k2s.flat[0] = 1
    scaling = 2 * np.pi * scale * k2s ** (exponent / 4)
    scaling.flat[0] = 0
    return np.fft.irfftn(np.fft.rfftn(white) * scaling, s=white.shape)


failed = False
cases = [("1d", [64], [0.5], -1.0, 2.0, 5),
         ("2d", [48, 36], [0.5, 0.25], -2.0, 0.7, 6),
         ("3d", [12, 10, 8], [1.0, 2.0, 0.5], 1.5, 0.3, 7),
         ("white", [20, 16], [1.0, 1.0], 0.0, 0.4, 8)]
for name, shape, spacing, exponent, scale, seed in cases:
    white = initial(f"{name}_white", shape, spacing,
                    {"type": "random_normal", "seed": seed}, 1)
    ours = initial(f"{name}_colored", shape, spacing,
                   {"type": "random_colored", "exponent": exponent, "scale": scale, "seed": seed},
                   1)
    other = initial(f"{name}_colored_layout", shape, spacing,
                    {"type": "random_colored", "exponent": exponent, "scale": scale, "seed": seed},
                    ranks, threads=2)
    expected = colored(white, spacing, exponent, scale)
    diff = float(np.abs(ours - expected).max())
    size = float(np.abs(expected).max())
    same = np.array_equal(ours, other)
    print(f"{name}: exponent {exponent}, scale {scale}: max |tessera - numpy| = {diff:.3g} "
          f"(values up to {size:.3g}); mean {ours.mean():.3g}; {ranks} ranks x 2 threads "
          f"{'bit for bit the same' if same else 'DIFFERENT'}")
    failed = failed or not (diff <= 1e-12 * size) or not same or size == 0.0
    if exponent != 0:
        failed = failed or abs(float(ours.mean())) > 1e-12 * size
if failed:
    sys.exit("FAIL")
