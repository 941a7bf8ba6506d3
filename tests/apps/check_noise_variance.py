#!/usr/bin/env python3
"""Checks a pde run of du/dt = -a u with additive noise (py-pde's units) against the stationary
variance of its Euler-Maruyama steps: u' = (1 - a dt) u + sqrt(dt) sqrt(variance / dV) xi has
Var(u) = dt (variance / dV) / (1 - (1 - a dt)^2). The last frame's cells (independent draws, the
start forgotten) must have that variance and mean 0, each to five standard errors.
Usage: check_noise_variance.py FILE A DT VARIANCE CELL_VOLUME"""
import math
import sys

import h5py
import numpy as np

path, a, dt, variance, volume = sys.argv[1], *map(float, sys.argv[2:6])
with h5py.File(path, "r") as f:
    u = f["u"][-1].ravel()
n = u.size
expected = dt * (variance / volume) / (1.0 - (1.0 - a * dt) ** 2)
mean, var = float(u.mean()), float(u.var())
problems = []
if abs(mean) > 5 * math.sqrt(expected / n):
    problems.append(f"mean {mean:.4g}, expected 0 within {5 * math.sqrt(expected / n):.3g}")
if abs(var / expected - 1.0) > 5 * math.sqrt(2.0 / n):
    problems.append(f"variance {var:.5g}, expected {expected:.5g} within "
                    f"{5 * math.sqrt(2.0 / n) * 100:.1f} %")
if problems:
    sys.exit("check_noise_variance: " + "; ".join(problems))
print(f"check_noise_variance: variance {var:.5g} against {expected:.5g} over {n} cells, "
      f"mean {mean:.3g}")
