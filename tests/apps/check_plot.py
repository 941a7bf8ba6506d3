"""Tests scripts/plot.py on real output of the apps: small runs, then plot.py from the command
line (files written, frames chosen) and as a module (what the figures show: physical axes with
units, times in the titles, the poles marked), and its GIFs (frames, and the colours of the
colour map without banding).

Usage: check_plot.py CASE MPIEXEC MPDATA CAHN_HILLIARD SHALLOW_WATER PLOT_PY WORKDIR
  CASE sphere: the mpdata app's sphere (map and globe views, GIF)
  CASE plane:  cahn_hilliard with its spacing, shallow_water's fields and times, mpdata in 1-D and 3-D
  CASE errors: what plot.py refuses, and how"""
import importlib.util
import os
import shutil
import subprocess
import sys

import numpy as np
from PIL import Image

CASE, MPIEXEC, MPDATA, CAHN_HILLIARD, SHALLOW_WATER, PLOT, WORK = sys.argv[1:8]
CONFIGS = os.path.join(os.path.dirname(os.path.abspath(PLOT)), "..", "configs")
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def app(exe, ranks, *args):
    cmd = [MPIEXEC, "-n", str(ranks), exe, *args, "--quiet", "--overwrite"]
    done = subprocess.run(cmd, cwd=WORK, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")


def plot(*args, rc=0):
    cmd = ["/usr/bin/python3", PLOT, *args]
    done = subprocess.run(cmd, cwd=WORK, capture_output=True, text=True, timeout=300)
    print(f"$ plot.py {' '.join(args)}\n{done.stdout}{done.stderr}", end="")
    if (done.returncode == 0) != (rc == 0):
        sys.exit(f"plot.py {' '.join(args)} exited with {done.returncode}, expected "
                 f"{'0' if rc == 0 else 'an error'}")
    return done.stdout + done.stderr


def module():
    spec = importlib.util.spec_from_file_location("tessera_plot", PLOT)
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


def figure(m, path, names, views, frames, center=None):
    """plot.py's figure for these choices, drawn (as write_png does) and returned."""
    src = m.OutputFile(path)
    p = m.Plot(src, names, views, center, "viridis", None, frames)
    fig, grid = p.figure(len(frames), range(len(p.rows)))
    for r in range(len(p.rows)):
        for c, k in enumerate(frames):
            p.colorbar(fig, grid[r][c], p.draw(grid[r][c], r, k), r)
    fig.canvas.draw()
    return fig, grid


def png(path, at_least=(200, 200)):
    ok = os.path.exists(path)
    check(ok, f"{path} written")
    if ok:
        with Image.open(path) as im:
            check(im.format == "PNG" and im.size[0] >= at_least[0] and im.size[1] >= at_least[1],
                  f"{path} is a PNG of at least {at_least} ({im.format}, {im.size})")
            colours = len(im.convert("RGB").getcolors(1 << 24))
            check(colours > 20, f"{path} is not blank ({colours} colours)")


def gif_frames(path):
    with Image.open(path) as im:
        check(im.format == "GIF", f"{path} is a GIF")
        frames = []
        for k in range(im.n_frames):
            im.seek(k)
            frames.append(np.asarray(im.convert("RGB")))
        return frames


def colour_map_colours(frame, m):
    """How many of the GIF palette's colour-map colours the frame shows exactly."""
    import matplotlib.pyplot as plt

    lut = (np.asarray(plt.get_cmap("viridis", m.GIF_MAP_COLOURS)(np.arange(m.GIF_MAP_COLOURS))[:, :3])
           * 255 + 0.5).astype(np.uint8)
    seen = {tuple(c) for c in frame.reshape(-1, 3)}
    return sum(tuple(c) in seen for c in lut)


def sphere():
    app(MPDATA, 2, "--config", os.path.join(CONFIGS, "mpdata_sphere.toml"), "--set", "time.n_steps=510",
        "--set", "output.interval=85", "--output", "sphere.h5")
    m = module()
    # Command line: the default view of a sphere's file is the map; frames and times select.
    out = plot("sphere.h5")
    check("map view" in out and "frames [6]" in out, "default: the last frame, as a map")
    png(os.path.join(WORK, "sphere.png"))
    out = plot("sphere.h5", "--frames", "1:4", "--view", "map", "sphere", "--center", "270", "-60",
               "-o", "crossing.png")
    check("frames [1, 2, 3]" in out and "map and sphere view" in out, "--frames 1:4 picks frames 1, 2, 3")
    png(os.path.join(WORK, "crossing.png"), (1000, 500))
    out = plot("sphere.h5", "--times", "170", "420", "-o", "times.png")
    check("frames [2, 5]" in out, "--times picks the frames nearest 170 and 420 (steps 170 and 425)")
    # What the figure shows.
    fig, grid = figure(m, os.path.join(WORK, "sphere.h5"), ["psi"], ["map", "sphere"], [0, 5], (270.0, -60.0))
    ax = grid[0][1]
    check(ax.get_xlabel() == "longitude (degrees east)", f"map x label: {ax.get_xlabel()!r}")
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    check(ticks[0] == "S pole" and ticks[-1] == "N pole",
          f"map: the poles are the latitude ticks' ends {ticks}")
    check(ax.get_xlim() == (0.0, 360.0) and ax.get_ylim() == (-90.0, 90.0), "map spans 0..360 E, 90 S..90 N")
    check(ax.get_title() == "psi, t = 425", f"map title carries the time: {ax.get_title()!r}")
    globe = grid[1][1]
    labels = [t.get_text() for t in globe.texts]
    check("S pole" in labels and "N pole" not in labels,
          f"globe seen from 60 S marks the south pole only: {labels}")
    check(any("seen from 270° E, 60° S" in t for t in labels), "globe names its view point")
    cbar = fig.axes[-1].get_ylabel()
    check(cbar == "advectee, psi (dimensionless)",
          f"colour bar label: the long_name the solver declares, the name, units: {cbar!r}")
    # The values drawn on the map are the file's, longitude across and latitude up.
    image = ax.get_images()[0].get_array()
    import h5py

    with h5py.File(os.path.join(WORK, "sphere.h5"), "r") as f:
        check(np.array_equal(np.asarray(image), f["psi"][5].T), "map shows psi[frame 5] transposed")
    # GIF: every frame, exact colour-map colours (PillowWriter's default quantiser kept 63).
    plot("sphere.h5", "--gif", "sphere.gif", "--view", "map", "sphere")
    frames = gif_frames(os.path.join(WORK, "sphere.gif"))
    check(len(frames) == 7, f"GIF has the 7 frames ({len(frames)})")
    counts = [len({tuple(c) for c in f.reshape(-1, 3)}) for f in frames]
    check(min(counts) > 128, f"GIF frames keep more than 128 colours: {counts}")
    exact = colour_map_colours(frames[-1], m)
    check(exact >= 200,
          f"the last GIF frame shows {exact} of the {m.GIF_MAP_COLOURS} colour-map colours exactly")
    check(len({f.tobytes() for f in frames}) == len(frames), "GIF frames differ from each other")


def plane():
    import h5py

    m = module()
    # cahn_hilliard with a spacing: the axes are lengths, not cell indices.
    app(CAHN_HILLIARD, 2, "--config", os.path.join(CONFIGS, "cahn_hilliard_demo.toml"),
        "--set", "grid.shape=[24,20]", "--set", "grid.spacing=[2.0,1.0]", "--set", "time.t_end=0.4",
        "--set", "time.dt=0.01", "--set", "output.interval=0.2", "--output", "ch.h5")
    plot("ch.h5", "--frames", "0", "1", "-1", "--output", "frames.png")  # the old options
    png(os.path.join(WORK, "frames.png"))
    fig, grid = figure(m, os.path.join(WORK, "ch.h5"), ["c"], ["plane"], [0, 2])
    ax = grid[0][1]
    check((ax.get_xlabel(), ax.get_ylabel()) == ("x (dimensionless)", "y (dimensionless)"),
          f"axis labels with units: {ax.get_xlabel()!r}, {ax.get_ylabel()!r}")
    check(np.allclose(ax.get_xlim(), (0, 20)) and np.allclose(ax.get_ylim(), (0, 48)),
          f"axes span the domain, 20 x 1 across and 24 x 2 up: {ax.get_xlim()}, {ax.get_ylim()}")
    check(ax.get_title() == "c, t = 0.4 (step 40)", f"title carries the time: {ax.get_title()!r}")
    plot("ch.h5", "--gif", "ch.gif")
    check(len(gif_frames(os.path.join(WORK, "ch.gif"))) == 3, "GIF of every frame by default")

    # shallow_water: several fields, times in steps of dt.
    app(SHALLOW_WATER, 2, "--config", os.path.join(CONFIGS, "shallow_water_drop.toml"),
        "--set", "grid.shape=[101,101]", "--set", "grid.spacing=0.2", "--set", "time.n_steps=100",
        "--set", "output.interval=50", "--output", "sw.h5")
    out = plot("sw.h5", "--field", "h", "uh", "--frames", "0", "-1", "-o", "sw.png")
    check("h, uh, frames [0, 2]" in out, "two fields, two frames")
    png(os.path.join(WORK, "sw.png"), (900, 800))
    fig, grid = figure(m, os.path.join(WORK, "sw.h5"), ["h", "uh"], ["plane"], [0, 2])
    titles = [[a.get_title() for a in row] for row in grid]
    check(titles == [["h, t = 0", "h, t = 1 (step 100)"], ["uh, t = 0", "uh, t = 1 (step 100)"]],
          f"rows are fields, columns frames, times physical: {titles}")
    plot("sw.h5", "--field", "h", "vh", "--gif", "sw.gif", "--frames", "all")
    check(len(gif_frames(os.path.join(WORK, "sw.gif"))) == 3, "GIF of two fields, --frames all")

    # mpdata in 1-D (a line along x) and 3-D (the middle slice), with time.dt.
    app(MPDATA, 1, "--config", os.path.join(CONFIGS, "mpdata_box_1d.toml"), "--set", "time.n_steps=50",
        "--set", "output.interval=25", "--set", "time.dt=0.5", "--output", "box.h5")
    fig, grid = figure(m, os.path.join(WORK, "box.h5"), ["psi"], ["plane"], [2])
    ax = grid[0][0]
    check(ax.get_xlabel() == "x (dimensionless)" and ax.get_ylabel() == "advectee, psi (dimensionless)",
          f"1-D: a line over x: {ax.get_xlabel()!r}, {ax.get_ylabel()!r}")
    check(ax.get_title() == "psi, t = 25 (step 50)", f"1-D title: {ax.get_title()!r}")
    plot("box.h5", "-o", "box.png")
    png(os.path.join(WORK, "box.png"))
    app(MPDATA, 1, "--config", os.path.join(CONFIGS, "mpdata_3d.toml"), "--set", "grid.shape=[12,10,8]",
        "--set", "time.n_steps=2", "--set", "initial.center=[6.0,5.0,4.0]",
        "--set", "initial.sigma=[2.0,2.0,2.0]", "--output", "cube.h5")
    fig, grid = figure(m, os.path.join(WORK, "cube.h5"), ["psi"], ["plane"], [0])
    ax = grid[0][0]
    with h5py.File(os.path.join(WORK, "cube.h5"), "r") as f:
        mid = f["x"][4]
    check(ax.get_title() == f"psi, t = 0, x = {mid:g}", f"3-D: the middle slice along x: {ax.get_title()!r}")
    check((ax.get_xlabel(), ax.get_ylabel()) == ("y (dimensionless)", "z (dimensionless)"),
          "3-D: y across, z up")


def errors():
    app(CAHN_HILLIARD, 1, "--config", os.path.join(CONFIGS, "cahn_hilliard_demo.toml"),
        "--set", "grid.shape=[12,10]", "--set", "time.t_end=0.1", "--set", "time.dt=0.01",
        "--set", "output.interval=0.01", "--output", "e.h5")
    import h5py

    with h5py.File(os.path.join(WORK, "e.h5"), "r") as f:
        n = len(f["time"])
    cases = [
        (["e.h5", "--field", "u"], "no dataset 'u' in e.h5; its fields are c"),
        (["e.h5", "--field", "mean_c"], "'mean_c' in e.h5 is not a field"),
        (["e.h5", "--frames", "99"], f"e.h5 has {n} frames; no frame 99"),
        (["e.h5", "--frames=-99"], f"e.h5 has {n} frames; no frame -99"),
        (["e.h5", "--frames", "x"], "--frames: 'x' is not a frame index"),
        (["e.h5", "--frames", "5:2"], f"--frames: the slice '5:2' selects none of the {n} frames"),
        (["e.h5", "--frames", "::0"], "--frames: '::0' has step 0"),
        (["e.h5", "--fps", "0", "--gif", "e.gif"], "--fps and --dpi must be positive"),
        (["e.h5", "--cmap", "nocolours"], "--cmap: unknown colour map 'nocolours'"),
        (["e.h5", "--view", "map"], "--view map: e.h5 is not on the sphere's longitude-latitude grid"),
        (["e.h5", "--frames", "0", "--times", "1"], "give --frames or --times, not both"),
        (["nowhere.h5"], "cannot open nowhere.h5"),
    ]
    for args, message in cases:
        out = plot(*args, rc=1)
        check(message in out and "Traceback" not in out, f"plot.py {' '.join(args)}: {message!r}")


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    {"sphere": sphere, "plane": plane, "errors": errors}[CASE]()
    if failures:
        sys.exit(f"{len(failures)} check(s) failed: " + "; ".join(failures))
    print(f"plot.py {CASE}: every check passed")


if __name__ == "__main__":
    main()
