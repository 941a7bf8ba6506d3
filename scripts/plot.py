#!/usr/bin/env python3
"""Render frames of a tessera output file to PNG, or the whole series to an animated GIF.

    scripts/plot.py out.h5                    # last frame of the first field -> out.png
    scripts/plot.py out.h5 --field c --frames 0 5 -1 --output frames.png
    scripts/plot.py out.h5 --gif out.gif      # every frame

Uses Debian's python3-h5py and python3-matplotlib (run with /usr/bin/python3). 3-D fields are
shown as the middle slice along the last dimension; 1-D fields as line plots.
"""
import argparse
import os
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import animation  # noqa: E402

SERIES = {"time", "step", "mean_c", "min_c", "max_c", "energy", "dt"}


def pick_field(f, name):
    if name:
        if name not in f:
            sys.exit(f"plot.py: no dataset '{name}' in {f.filename}")
        return name
    for key in f:
        if key not in SERIES and f[key].ndim >= 2:
            return key
    sys.exit(f"plot.py: no field dataset in {f.filename}")


def frame_data(ds, k):
    data = ds[k]
    if data.ndim == 3:
        data = data[:, :, data.shape[2] // 2]
    return data


def draw(ax, ds, k, t, name, vmin, vmax):
    data = frame_data(ds, k)
    if data.ndim == 1:
        ax.plot(data)
        ax.set_ylim(vmin, vmax)
        ax.set_xlabel("cell")
        ax.set_ylabel(name)
        artist = None
    else:
        artist = ax.imshow(data, origin="lower", cmap="viridis", vmin=vmin, vmax=vmax)
        ax.set_xlabel("dimension 1")
        ax.set_ylabel("dimension 0")
    ax.set_title(f"{name}, t = {t:g}")
    return artist


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file")
    p.add_argument("--field", help="dataset to show (default: the first field)")
    p.add_argument("--frames", type=int, nargs="*", default=[-1], help="frame indices (negative from the end)")
    p.add_argument("--output", "-o", help="PNG file (default: <file>.png)")
    p.add_argument("--gif", help="write the whole series as an animated GIF to this file")
    args = p.parse_args()

    with h5py.File(args.file, "r") as f:
        name = pick_field(f, args.field)
        ds = f[name]
        times = f["time"][:] if "time" in f else list(range(ds.shape[0]))
        vmin, vmax = float(ds[...].min()), float(ds[...].max())
        if args.gif:
            fig, ax = plt.subplots(figsize=(5, 4.5))
            artist = draw(ax, ds, 0, times[0], name, vmin, vmax)
            if artist is not None:
                fig.colorbar(artist, ax=ax)

            def update(k):
                ax.clear()
                draw(ax, ds, k, times[k], name, vmin, vmax)

            anim = animation.FuncAnimation(fig, update, frames=ds.shape[0])
            anim.save(args.gif, writer=animation.PillowWriter(fps=4))
            print(f"wrote {args.gif} ({ds.shape[0]} frames of {name})")
            return
        frames = [k if k >= 0 else ds.shape[0] + k for k in args.frames]
        for k in frames:
            if not 0 <= k < ds.shape[0]:
                sys.exit(f"plot.py: {args.file}:/{name} has {ds.shape[0]} frames; no frame {k}")
        fig, axes = plt.subplots(1, len(frames), figsize=(5 * len(frames), 4.5), squeeze=False)
        for ax, k in zip(axes[0], frames):
            artist = draw(ax, ds, k, times[k], name, vmin, vmax)
            if artist is not None:
                fig.colorbar(artist, ax=ax)
        out = args.output or os.path.splitext(args.file)[0] + ".png"
        fig.tight_layout()
        fig.savefig(out, dpi=100)
        print(f"wrote {out} ({name}, frames {frames})")


if __name__ == "__main__":
    main()
