"""A run with time.stop_when_steady ended at the first frame where the state was steady: every
cell's change since the frame before, per unit time, at most atol + rtol |value| there and not
at any earlier frame; the file says it finished, and when it became steady.

Usage: check_steady.py FILE FIELD ATOL RTOL T_END"""
import sys

import h5py
import numpy as np


def steady(u, t, k, atol, rtol):
    rate = np.abs(u[k] - u[k - 1]) / (t[k] - t[k - 1])
    return bool(np.all(rate <= atol + rtol * np.abs(u[k])))


def main():
    path, name = sys.argv[1], sys.argv[2]
    atol, rtol, t_end = (float(a) for a in sys.argv[3:6])
    with h5py.File(path, "r") as f:
        u, t = f[name][:], f["time"][:]
        status = f.attrs["status"]
        status = status.decode() if isinstance(status, bytes) else status
        assert status == "finished", status
        assert t[-1] < t_end, f"ran to t = {t[-1]}, never steady"
        assert f.attrs["steady_time"] == t[-1], (f.attrs["steady_time"], t[-1])
    assert steady(u, t, len(t) - 1, atol, rtol), "the last frame is not steady"
    earlier = [k for k in range(1, len(t) - 1) if steady(u, t, k, atol, rtol)]
    assert not earlier, f"steady already at t = {t[earlier[0]]}"
    print(f"{path}: steady at t = {t[-1]} (frame {len(t) - 1}), not before")


if __name__ == "__main__":
    main()
