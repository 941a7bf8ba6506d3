"""Compares the last frame of an app's output with a reference file's last frame.
Usage: compare_reference.py OUTPUT REFERENCE DATASET TOLERANCE"""
import sys

import h5py
import numpy as np

out, ref, name, tol = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
with h5py.File(out, "r") as a, h5py.File(ref, "r") as b:
    ours, theirs = a[name][-1], b[name][-1]
    first = b[name][0]
if ours.shape != theirs.shape:
    sys.exit(f"shape {ours.shape} != reference {theirs.shape}")
diff = np.abs(ours - theirs).max()
moved = np.abs(theirs - first).max()
print(f"max |ours - reference| = {diff:.3g} (tolerance {tol:g}); the field moved by {moved:.3g}")
if not diff <= tol or not moved > 1e-3:
    sys.exit("FAIL")
