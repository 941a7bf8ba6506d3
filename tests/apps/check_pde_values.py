"""The values a pde run wrote, against what its configuration asked for.

Usage: check_pde_values.py KIND FILE, with KIND
  expression     u(t=0) = 3 + sin(2 pi x/15) y**2 at the file's coordinates (to 1e-14);
  random_normal  u(t=0) has mean 2 and standard deviation 0.5 (64 x 64 cells: within 5 and 10
                 standard errors);
  mixed_side     the last frame is the steady state 1 + x (to 1e-6), reached before t = 1e5;
  times T0,T1,.. the frames came at exactly these times (check_pde_values.py times FILE TIMES);
  origin         on the grid [-5, 5) x [2, 6) (grid.origin [-5, 2], spacing [0.5, 0.25]): the
                 coordinates are the cell centres, u(t=0) = exp(-x**2) * y (an expression) and
                 v(t=0) a gaussian about the default centre, the grid's middle (0, 4)."""
import sys

import h5py
import numpy as np


def main():
    kind, path = sys.argv[1], sys.argv[2]
    with h5py.File(path, "r") as f:
        if kind == "expression":
            x, y = f["x"][()][:, None], f["y"][()][None, :]
            d = np.abs(f["u"][0] - (3 + np.sin(2 * np.pi * x / 15) * y**2)).max()
            assert d < 1e-14, d
            print("max difference from the formula", d)
        elif kind == "random_normal":
            u = f["u"][0]
            m, s = u.mean(), u.std()
            assert abs(m - 2.0) < 5 * 0.5 / 64, m
            assert abs(s / 0.5 - 1) < 10 / np.sqrt(2 * u.size), s
            print("mean", m, "std", s)
        elif kind == "mixed_side":
            d = np.abs(f["u"][-1] - (1 + f["x"][()])).max()
            assert d < 1e-6, d
            assert f.attrs["steady_time"] < 1e5, f.attrs["steady_time"]
            print("max difference from 1 + x", d)
        elif kind == "origin":
            x, y = f["x"][()], f["y"][()]
            assert np.array_equal(x, -5 + (np.arange(20) + 0.5) * 0.5), x
            assert np.array_equal(y, 2 + (np.arange(16) + 0.5) * 0.25), y
            d = np.abs(f["u"][0] - np.exp(-x[:, None] ** 2) * y[None, :]).max()
            assert d < 1e-14, d
            v = f["v"][0]
            peak = np.unravel_index(np.argmax(v), v.shape)
            assert abs(x[peak[0]]) <= 0.25 and abs(y[peak[1]] - 4) <= 0.125, (x[peak[0]], y[peak[1]])
            assert np.allclose(v, v[::-1, :]) and np.allclose(v, v[:, ::-1]), "not centred"
            print("coordinates from", x[0], y[0], "; expression to", d, "; gaussian centred")
        elif kind == "times":
            expected = [float(t) for t in sys.argv[3].split(",")]
            got = list(f["time"][:])
            assert got == expected, f"frames at {got}, expected {expected}"
            print("frames at", got)
        else:
            sys.exit(f"unknown kind {kind!r}")


if __name__ == "__main__":
    main()
