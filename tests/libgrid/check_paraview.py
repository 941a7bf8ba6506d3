"""Opens the XDMF sidecars of io_roundtrip_writer's files (1-D, 2-D, 3-D; the cells' sidecar and
one per staggered dimension) with ParaView's three XDMF readers (Xdmf3ReaderS, the default;
Xdmf3ReaderT; the legacy XDMFReader), through pvpython under a virtual X server, and checks what
each delivers against h5py: the time steps, the point arrays of every time step with their
exact ranges, the number of points, and the bounds, which must be the coordinate variables'
(dimension d lies along ParaView's axis ndim - 1 - d: the last dimension along x; a 2-D grid in
the x-y plane). The last time step of each is rendered to a PNG, which must show a coloured
field. Exits 77 (ctest: skipped) with a message only if ParaView's
pvpython is not installed. Usage: check_paraview.py PREFIX"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

import h5py
import numpy as np
from matplotlib import image


def h5_of(sidecar):
    """run.h5 for run.xdmf and run.x_face.xdmf."""
    return os.path.join(os.path.dirname(sidecar), os.path.basename(sidecar).split(".")[0] + ".h5")


def meshes(h5_path):
    """The sidecars the writer must have made: the cells', and one per staggered dimension."""
    stem = h5_path[: -len(".h5")]
    with h5py.File(h5_path, "r") as f:
        faces = {d.values()[0].name.lstrip("/") for ds in f.values() for d in ds.dims if len(d)}
    return [stem + ".xdmf"] + sorted(f"{stem}.{n}.xdmf" for n in faces if n.endswith("_face"))


def expected(sidecar):
    """What every reader must deliver for this sidecar: from the HDF5 file, by h5py."""
    h5_path = h5_of(sidecar)
    mesh = os.path.basename(sidecar).split(".")[1] if sidecar.count(".") > 1 else ""
    mesh = "" if mesh == "xdmf" else mesh
    with h5py.File(h5_path, "r") as f:
        times = [float(t) for t in f["time"][:]]
        fields, grid = [], None
        for name, ds in f.items():
            dims = [d.values()[0].name.lstrip("/") if len(d) else "" for d in ds.dims]
            if ds.ndim < 2 or dims[0] != "time":
                continue  # coordinates and per-frame series
            grid = [d.removesuffix("_face") for d in dims[1:]]
            faces = [d for d in dims[1:] if d.endswith("_face")]
            if (faces[0] if faces else "") == mesh:
                fields.append(name)
        assert fields, f"{sidecar}: no field of {h5_path} belongs to it"
        nd = len(grid)
        bounds = [0.0] * 6  # axes the grid does not have are flat, at 0
        for d, name in enumerate(grid):
            axis = nd - 1 - d  # the last dimension along x
            positions = f[mesh][:] if mesh == name + "_face" else f[name][:]
            bounds[2 * axis:2 * axis + 2] = [positions.min(), positions.max()]
        frames = []
        for k in range(len(times)):
            arrays = {n: [float(f[n][k].min()), float(f[n][k].max())] for n in fields}
            frames.append({"arrays": arrays, "points": int(np.prod(f[fields[0]].shape[1:]))})
    return times, frames, bounds


def not_blank(png):
    pixels = image.imread(png)[:, :, :3]
    background = pixels[0, 0]
    drawn = np.any(np.abs(pixels - background) > 1e-3, axis=2)
    colours = {tuple(p) for p in np.round(pixels[drawn] * 255).astype(int)}
    return drawn.mean() > 0.01 and len(colours) >= 8, drawn.mean(), len(colours)


def run_in_x(command):
    """Runs `command` with an X display: a virtual one of its own (Debian's ParaView renders
    through X only), or the session's if Xvfb is missing."""
    if not shutil.which("Xvfb"):
        if not os.environ.get("DISPLAY"):
            raise SystemExit("no X display and no Xvfb: install xvfb (scripts/install-deps.sh)")
        return subprocess.run(command, capture_output=True, text=True, timeout=240)
    # -displayfd: the server takes a free display number itself and reports it once it is
    # ready, so tests running at once never share or race for one. -noreset, and the pipe kept
    # open: a server that resets (when its last client leaves) reports again, and dies if it
    # cannot.
    read_end, write_end = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write_end), "-noreset", "-screen", "0",
                             "640x480x24", "-nolisten", "tcp"], pass_fds=(write_end,),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_end)
    try:
        display = os.read(read_end, 64).decode().strip()
        if not display:
            raise SystemExit("Xvfb did not start")
        env = dict(os.environ, DISPLAY=":" + display)
        return subprocess.run(command, capture_output=True, text=True, timeout=240, env=env)
    finally:
        xvfb.terminate()
        xvfb.wait()
        os.close(read_end)


def main():
    prefix = os.path.abspath(sys.argv[1])
    pvpython = shutil.which("pvpython")
    if not pvpython:
        print("SKIPPED: ParaView's pvpython is not installed (Debian: apt-get install paraview "
              "python3-paraview xvfb, as scripts/install-deps.sh does)")
        sys.exit(77)
    sidecars = sorted(glob.glob(prefix + "_*d*.xdmf"))
    wanted = sorted(m for nd in (1, 2, 3) for m in meshes(f"{prefix}_{nd}d.h5"))
    assert sidecars == wanted, f"sidecars {sidecars}, expected {wanted}"
    probe = os.path.join(os.path.dirname(os.path.abspath(__file__)), "paraview_probe.py")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "probe.json")
        run = run_in_x([pvpython, "--force-offscreen-rendering", probe, out, tmp] + sidecars)
        if run.returncode != 0 or "unrecognized array type" in run.stderr:
            print(run.stdout, run.stderr)
            raise SystemExit(f"pvpython failed ({run.returncode})")
        with open(out) as f:
            result = json.load(f)
        checked = 0
        for sidecar in sidecars:
            times, frames, bounds = expected(sidecar)
            for reader, got in result[sidecar].items():
                where = f"{os.path.basename(sidecar)}, {reader}"
                assert got["times"] == times, f"{where}: time steps {got['times']}, h5py {times}"
                for k, (g, e) in enumerate(zip(got["frames"], frames)):
                    assert g["arrays"] == e["arrays"], f"{where}, frame {k}: {g['arrays']} != {e['arrays']}"
                    assert not g["cell_arrays"], f"{where}: cell arrays {g['cell_arrays']}"
                    assert g["points"] == e["points"], f"{where}, frame {k}: {g['points']} points"
                    assert np.allclose(g["bounds"], bounds, rtol=0, atol=1e-12), \
                        f"{where}: bounds {g['bounds']}, expected {bounds}"
                ok, share, colours = not_blank(got["png"])
                assert ok, f"{where}: the rendered last frame looks blank ({share:.1%} drawn, {colours} colours)"
                checked += 1
    print(f"ParaView: {checked} (sidecar, reader) pairs deliver every field of every frame as h5py "
          "reads it, on the documented axes; every last frame renders")


main()
