"""The values a pde run wrote, against what its configuration asked for.

Usage: check_pde_values.py KIND FILE, with KIND
  expression     u(t=0) = 3 + sin(2 pi x/15) y**2 at the file's coordinates (to 1e-14);
  random_normal  u(t=0) has mean 2 and standard deviation 0.5 (64 x 64 cells: within 5 and 10
                 standard errors);
  mixed_side     the last frame is the steady state 1 + x (to 1e-6), reached before t = 1e5;
  times T0,T1,.. the frames came at exactly these times (check_pde_values.py times FILE TIMES)."""
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
        elif kind == "times":
            expected = [float(t) for t in sys.argv[3].split(",")]
            got = list(f["time"][:])
            assert got == expected, f"frames at {got}, expected {expected}"
            print("frames at", got)
        else:
            sys.exit(f"unknown kind {kind!r}")


if __name__ == "__main__":
    main()
