#!/usr/bin/env python3
"""Draw frames of a tessera output file to a PNG, or a series of frames to an animated GIF.

    scripts/plot.py out.h5                          # last frame of the first field -> out.png
    scripts/plot.py out.h5 --field c --frames 0 5 -1 --output frames.png
    scripts/plot.py out.h5 --frames 0:10:2          # every second frame of the first ten
    scripts/plot.py out.h5 --times 0 100 --field h uh   # frames nearest t = 0 and 100, two fields
    scripts/plot.py out.h5 --gif out.gif            # every frame (or those of --frames/--times)
    scripts/plot.py sphere.h5 --view sphere --center 270 30   # a globe seen from 270 E, 30 N
    scripts/plot.py out.h5 --list                   # the fields, the frames and their times

Axes are the file's coordinates (/x, /y, /z and /<dim>_face, attached to each field as
netCDF dimensions) with their units; titles give the frame's time from /time with its units.
Dimension 0 is vertical, dimension 1 horizontal; a 3-D field is shown as its middle slice along
the last dimension, a 1-D field as a line. A file of the sphere (its stored configuration has
polar sides, or g_factor.type = "sphere": the mpdata app's longitude-latitude grid) is drawn as
a longitude-latitude map with the poles marked (--view map, the default there) or as an
orthographic globe (--view sphere). GIFs use one palette made of the colour map itself plus
greys, so the colours of the field are exact (no banding) and the same in every frame.

Uses Debian's python3-h5py, python3-matplotlib and python3-pil (run with /usr/bin/python3).
"""
import argparse
import math
import os
import sys

import h5py
import numpy as np
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import colors as mcolors  # noqa: E402
from PIL import Image  # noqa: E402

try:
    import tomllib  # Python 3.11
except ModuleNotFoundError:  # pragma: no cover - older Pythons with tomli installed
    import tomli as tomllib

# Colours of the GIF palette: the colour map's, then greys (text, axes, antialiasing): 256.
GIF_MAP_COLOURS = 232
GIF_GREYS = 256 - GIF_MAP_COLOURS


def fail(message):
    sys.exit(f"plot.py: {message}")


def text(value):
    """An HDF5 text attribute (netCDF's fixed-length strings arrive as bytes) as str."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray) and value.shape == ():
        return text(value[()])
    return str(value)


def unit_suffix(units):
    """' (m)' for a unit, ' (dimensionless)' for CF's "1", '' when there is none."""
    if units is None or units == "":
        return ""
    return " (dimensionless)" if units == "1" else f" ({units})"


class Axis:
    """One grid dimension of a field: its name, coordinate values (cell centres or faces) and
    units, from the dimension scale attached to the field; cell indices in files without one."""

    def __init__(self, name, values, units):
        self.name, self.values, self.units = name, np.asarray(values, dtype=float), units

    @property
    def label(self):
        return self.name + unit_suffix(self.units)

    def edges(self):
        """Cell boundaries around the coordinate values (half a spacing beyond the ends)."""
        v = self.values
        if len(v) == 1:
            return np.array([v[0] - 0.5, v[0] + 0.5])
        mid = (v[1:] + v[:-1]) / 2
        return np.concatenate([[2 * v[0] - mid[0]], mid, [2 * v[-1] - mid[-1]]])


class OutputFile:
    """What plot.py needs of an output file: its fields, frame times and grid."""

    def __init__(self, path):
        try:
            self.f = h5py.File(path, "r")
        except OSError as e:
            fail(f"cannot open {path}: {e}")
        self.path = path
        f = self.f
        self.fields = [k for k, d in f.items()
                       if isinstance(d, h5py.Dataset) and d.ndim >= 2
                       and text(d.attrs.get("CLASS", b"")) != "DIMENSION_SCALE"]
        if not self.fields:
            fail(f"no field dataset in {path}")
        # Complete frames: the fields are written before /time (docs/output.md, crash safety).
        first = f[self.fields[0]]
        self.n_frames = len(f["time"]) if "time" in f else first.shape[0]
        self.times = f["time"][: self.n_frames] if "time" in f else np.arange(self.n_frames, dtype=float)
        has_units = "time" in f and "units" in f["time"].attrs
        self.time_units = text(f["time"].attrs["units"]) if has_units else None
        self.steps = f["step"][: self.n_frames] if "step" in f else None
        self.config = {}
        if "config" in f.attrs:
            try:
                self.config = tomllib.loads(text(f.attrs["config"]))
            except tomllib.TOMLDecodeError:
                self.config = {}
        self.sphere = self._is_sphere()

    def _is_sphere(self):
        """The mpdata app's sphere: polar sides (on dimension 1) or the sphere's G factor."""
        boundary = self.config.get("boundary", {})
        for side in ("y-", "y+", "all"):
            entry = boundary.get(side)
            kind = entry.get("type") if isinstance(entry, dict) else entry
            if kind == "polar":
                return True
        return self.config.get("g_factor", {}).get("type") == "sphere"

    def dataset(self, name):
        if name not in self.f:
            fail(f"no dataset '{name}' in {self.path}; its fields are {', '.join(self.fields)}")
        if name not in self.fields:
            fail(f"'{name}' in {self.path} is not a field (a dataset [frame, n0, ...]); "
                 f"its fields are {', '.join(self.fields)}")
        return self.f[name]

    def axes(self, ds):
        """The Axis of each grid dimension of field `ds` (dimension 0 first)."""
        out = []
        for d in range(1, ds.ndim):
            n = ds.shape[d]
            scales = list(ds.dims[d].values()) if len(ds.dims[d]) else []
            if scales and scales[0].shape == (n,):
                s = scales[0]
                name = text(s.attrs.get("NAME", s.name.lstrip("/")))
                if name.startswith("This is a netCDF dimension"):
                    name = s.name.lstrip("/")
                units = text(s.attrs["units"]) if "units" in s.attrs else None
                out.append(Axis(name, s[:], units))
            else:  # written before the files had coordinates: cell indices
                out.append(Axis(f"dimension {d - 1} (cell index)", np.arange(n) + 0.5, None))
        return out

    def time_title(self, k):
        t = float(self.times[k])
        title = f"t = {t:g}"
        if self.time_units and self.time_units != "1":
            title += f" {self.time_units}"
        if self.steps is not None and float(self.steps[k]) != t:
            title += f" (step {int(self.steps[k])})"
        return title

    def field_label(self, ds, name):
        units = text(ds.attrs["units"]) if "units" in ds.attrs else None
        long_name = text(ds.attrs.get("long_name", b""))
        label = name
        if long_name and not long_name.startswith("values at") and long_name != name:
            label = f"{long_name}, {name}"
        return label + unit_suffix(units)


def select_frames(spec, times, n, path):
    """Frame indices from --frames tokens (k, -k from the end, a:b[:c] slices, "all")."""
    out = []
    for token in spec:
        token = token.strip()
        if token == "all":
            out.extend(range(n))
        elif ":" in token:
            parts = token.split(":")
            if len(parts) > 3:
                fail(f"--frames: '{token}' is not a slice start:stop[:step]")
            try:
                bounds = [int(p) if p.strip() else None for p in parts]
            except ValueError:
                fail(f"--frames: '{token}' is not a slice of integers start:stop[:step]")
            if len(bounds) == 3 and bounds[2] == 0:
                fail(f"--frames: '{token}' has step 0")
            picked = list(range(n))[slice(*bounds)]
            if not picked:
                fail(f"--frames: the slice '{token}' selects none of the {n} frames of {path}")
            out.extend(picked)
        else:
            try:
                k = int(token)
            except ValueError:
                fail(f"--frames: '{token}' is not a frame index, a slice start:stop[:step] or 'all'")
            k = k if k >= 0 else n + k
            if not 0 <= k < n:
                fail(f"{path} has {n} frames; no frame {token}")
            out.append(k)
    return out


def frames_at_times(targets, times):
    return [int(np.argmin(np.abs(np.asarray(times) - t))) for t in targets]


def plane(ds, k, axes):
    """Frame k of field ds as (data, axes, note): 3-D fields cut in the middle of the last
    dimension."""
    data = ds[k]
    note = ""
    if data.ndim == 3:
        m = data.shape[2] // 2
        note = f", {axes[2].name} = {axes[2].values[m]:g}"
        data, axes = data[:, :, m], axes[:2]
    return data, axes, note


# ---- the views -------------------------------------------------------------------------------

def draw_plane(ax, data, axes, norm, cmap):
    if data.ndim == 1:
        ax.plot(axes[0].values, data)
        ax.set_ylim(norm.vmin, norm.vmax)
        ax.set_xlabel(axes[0].label)
        return None
    ye, xe = axes[0].edges(), axes[1].edges()
    artist = ax.imshow(data, origin="lower", cmap=cmap, norm=norm, interpolation="nearest",
                       extent=(xe[0], xe[-1], ye[0], ye[-1]),
                       aspect="equal" if axes[0].units == axes[1].units else "auto")
    ax.set_xlabel(axes[1].label)
    ax.set_ylabel(axes[0].label)
    return artist


def sphere_grid(shape):
    """Longitudes and latitudes (degrees) of the cell edges of the sphere's nlon x nlat grid:
    cell (i, j) spans longitudes [i, i + 1]·360/nlon and latitudes [j, j + 1]·180/nlat − 90."""
    nlon, nlat = shape
    return np.linspace(0.0, 360.0, nlon + 1), np.linspace(-90.0, 90.0, nlat + 1)


def draw_map(ax, data, norm, cmap):
    """Longitude across, latitude up; the rows next to the poles end on the thick lines marked
    as the poles."""
    lon, lat = sphere_grid(data.shape)
    artist = ax.imshow(data.T, origin="lower", cmap=cmap, norm=norm, interpolation="nearest",
                       extent=(lon[0], lon[-1], lat[0], lat[-1]), aspect="equal")
    for y in (90.0, -90.0):
        ax.axhline(y, color="black", linewidth=3, clip_on=False)
    ax.set_xticks(np.arange(0, 361, 60))
    ax.set_yticks(np.arange(-90, 91, 30),
                  ["S pole", "60 S", "30 S", "0", "30 N", "60 N", "N pole"])
    ax.set_xlim(0, 360)
    ax.set_ylim(-90, 90)
    ax.set_xlabel("longitude (degrees east)")
    ax.set_ylabel("latitude (degrees)")
    return artist


def orthographic(lon, lat, lon0, lat0):
    """Orthographic projection of (lon, lat) (degrees) seen from above (lon0, lat0): x, y on the
    unit disc and cos c (> 0 on the visible hemisphere)."""
    lam, phi = np.radians(lon) - math.radians(lon0), np.radians(lat)
    p0 = math.radians(lat0)
    x = np.cos(phi) * np.sin(lam)
    y = math.cos(p0) * np.sin(phi) - math.sin(p0) * np.cos(phi) * np.cos(lam)
    cos_c = math.sin(p0) * np.sin(phi) + math.cos(p0) * np.cos(phi) * np.cos(lam)
    return x, y, cos_c


def draw_sphere(ax, data, norm, cmap, center):
    lon0, lat0 = center
    lon_e, lat_e = sphere_grid(data.shape)
    LON, LAT = np.meshgrid(lon_e, lat_e)  # corners, (nlat + 1, nlon + 1)
    x, y, _ = orthographic(LON, LAT, lon0, lat0)
    lon_c = (lon_e[1:] + lon_e[:-1]) / 2
    lat_c = (lat_e[1:] + lat_e[:-1]) / 2
    _, _, visible = orthographic(*np.meshgrid(lon_c, lat_c), lon0, lat0)
    values = np.ma.masked_where(visible <= 0, data.T)
    artist = ax.pcolormesh(x, y, values, cmap=cmap, norm=norm, shading="flat")
    # Graticule every 30 degrees, the limb, and the poles where they face the viewer.
    t = np.linspace(0, 2 * np.pi, 361)
    ax.plot(np.cos(t), np.sin(t), color="black", linewidth=1)
    fine = np.linspace(-90, 90, 181)
    for m in range(0, 360, 30):
        gx, gy, gc = orthographic(np.full_like(fine, m), fine, lon0, lat0)
        ax.plot(np.where(gc > 0, gx, np.nan), np.where(gc > 0, gy, np.nan), color="white",
                linewidth=0.5)
    around = np.linspace(0, 360, 361)
    for p in range(-60, 61, 30):
        gx, gy, gc = orthographic(around, np.full_like(around, p), lon0, lat0)
        ax.plot(np.where(gc > 0, gx, np.nan), np.where(gc > 0, gy, np.nan), color="white",
                linewidth=0.5)
    for lat, name in ((90.0, "N"), (-90.0, "S")):
        px, py, pc = orthographic(0.0, lat, lon0, lat0)
        if pc > 0:
            ax.plot([px], [py], marker="o", markersize=6, markerfacecolor="white",
                    markeredgecolor="black")
            ax.annotate(f"{name} pole", (px, py), xytext=(6, 4), textcoords="offset points",
                        fontsize=8, color="black",
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"})
    ax.set_aspect("equal")
    ax.set_xlim(-1.05, 1.05)
    ax.set_ylim(-1.05, 1.05)
    ax.set_axis_off()
    ax.text(0.5, -0.02, f"seen from {lon0:g}° E, {abs(lat0):g}° {'N' if lat0 >= 0 else 'S'}",
            transform=ax.transAxes,
            ha="center", va="top", fontsize=8)
    return artist


# ---- figures ---------------------------------------------------------------------------------

class Row:
    """One row of a figure: a field in one view, with its colour scale."""

    def __init__(self, name, ds, axes, view, norm):
        self.name, self.ds, self.axes, self.view, self.norm = name, ds, axes, view, norm


class Plot:
    """Draws the chosen fields, each in the chosen views (one row per field and view), at the
    chosen frames (one column each)."""

    def __init__(self, src, names, views, center, cmap, value_range, frames):
        self.src = src
        self.cmap = plt.get_cmap(cmap, GIF_MAP_COLOURS)
        self.rows = []
        for name in names:
            ds = src.dataset(name)
            if any(v in ("map", "sphere") for v in views) and ds.ndim != 3:
                fail(f"--view map and sphere draw 2-D fields of the sphere; '{name}' is {ds.ndim - 1}-D")
            if value_range:
                lo, hi = value_range
            else:  # one scale over the frames drawn
                lo = min(float(np.nanmin(ds[k])) for k in frames)
                hi = max(float(np.nanmax(ds[k])) for k in frames)
            if hi <= lo:
                hi = lo + (abs(lo) if lo else 1.0) * 1e-9
            for view in views:
                self.rows.append(Row(name, ds, src.axes(ds), view, mcolors.Normalize(lo, hi)))
        self.center = center
        if "sphere" in views and center is None:
            # Face the first field's largest value at the first frame drawn, from 30 degrees north.
            first = self.rows[0].ds[frames[0]]
            i = np.unravel_index(int(np.nanargmax(first)), first.shape)[0]
            self.center = (round((i + 0.5) * 360.0 / first.shape[0]), 30.0)

    def draw(self, ax, r, k):
        row = self.rows[r]
        data, axes, note = plane(row.ds, k, row.axes)
        if row.view == "map":
            artist = draw_map(ax, data, row.norm, self.cmap)
        elif row.view == "sphere":
            artist = draw_sphere(ax, data, row.norm, self.cmap, self.center)
        else:
            artist = draw_plane(ax, data, axes, row.norm, self.cmap)
            if data.ndim == 1:
                ax.set_ylabel(self.src.field_label(row.ds, row.name))
        ax.set_title(f"{row.name}, {self.src.time_title(k)}{note}")
        return artist

    def figure(self, columns, rows):
        """A figure of `columns` panels for each of `rows` (indices into self.rows)."""
        widths = {"map": 6.4, "sphere": 4.6, "plane": 5.0}
        heights = {"map": 3.6, "sphere": 4.6, "plane": 4.5}
        views = [self.rows[r].view for r in rows]
        fig, grid = plt.subplots(len(rows), columns, squeeze=False,
                                 figsize=(max(widths[v] for v in views) * columns,
                                          sum(heights[v] for v in views)),
                                 gridspec_kw={"height_ratios": [heights[v] for v in views]})
        return fig, grid

    def colorbar(self, fig, ax, artist, r):
        if artist is not None:
            row = self.rows[r]
            bar = fig.colorbar(artist, ax=ax, shrink=0.7 if row.view == "map" else 1.0)
            bar.set_label(self.src.field_label(row.ds, row.name))


def write_png(plot, frames, out, dpi=100.0):
    fig, grid = plot.figure(len(frames), range(len(plot.rows)))
    for r in range(len(plot.rows)):
        for col, k in enumerate(frames):
            ax = grid[r][col]
            plot.colorbar(fig, ax, plot.draw(ax, r, k), r)
    fig.tight_layout()
    fig.savefig(out, dpi=dpi)
    plt.close(fig)


def gif_palette(cmap):
    """The GIF palette, (256, 3) uint8: the colour map's GIF_MAP_COLOURS colours, then
    GIF_GREYS greys."""
    rgb = (np.asarray(cmap(np.arange(GIF_MAP_COLOURS))[:, :3]) * 255 + 0.5).astype(np.uint8)
    greys = np.linspace(0, 255, GIF_GREYS).round().astype(np.uint8)
    return np.concatenate([rgb, np.stack([greys] * 3, axis=1)])


def to_palette(rgb, palette):
    """An RGB frame as a "P" image of `palette`: every colour to its nearest palette entry,
    exactly (Pillow's own quantiser bins colours and so merges neighbouring colour-map
    entries: banding)."""
    packed = (rgb[..., 0].astype(np.int32) << 16) | (rgb[..., 1].astype(np.int32) << 8) | rgb[..., 2]
    colours, inverse = np.unique(packed.reshape(-1), return_inverse=True)
    unique = np.stack([(colours >> 16) & 255, (colours >> 8) & 255, colours & 255], axis=1)
    nearest = np.empty(len(unique), dtype=np.uint8)
    for start in range(0, len(unique), 4096):  # bounded memory for frames of many colours
        block = unique[start:start + 4096, None, :].astype(np.int32) - palette[None, :, :]
        nearest[start:start + 4096] = np.argmin((block * block).sum(axis=2), axis=1)
    image = Image.fromarray(nearest[inverse].reshape(rgb.shape[:2]), mode="P")
    image.putpalette(palette.reshape(-1).tolist())
    return image


def write_gif(plot, frames, out, fps):
    """One GIF frame per selected frame, the rows side by side, every frame quantised to one
    palette made of the colour map and greys (no dithering), so the field's colours are exact."""
    views = [row.view for row in plot.rows]
    widths = {"map": 6.4, "sphere": 4.6, "plane": 5.0}
    heights = {"map": 3.6, "sphere": 4.6, "plane": 4.5}
    fig, grid = plt.subplots(1, len(views), squeeze=False,
                             figsize=(sum(widths[v] for v in views), max(heights[v] for v in views)))
    images = []
    palette = gif_palette(plot.cmap)
    for k in frames:
        for r in range(len(plot.rows)):
            ax = grid[0][r]
            ax.clear()
            artist = plot.draw(ax, r, k)
            if not images:  # colour bars once: the scale does not change
                plot.colorbar(fig, ax, artist, r)
        if not images:
            fig.tight_layout()
        fig.canvas.draw()
        images.append(to_palette(np.asarray(fig.canvas.buffer_rgba())[:, :, :3], palette))
    plt.close(fig)
    images[0].save(out, save_all=True, append_images=images[1:], duration=int(round(1000 / fps)),
                   loop=0, optimize=False)


def list_file(src):
    print(f"{src.path}: {src.n_frames} frame(s); fields: {', '.join(src.fields)}"
          + ("; a longitude-latitude grid of the sphere" if src.sphere else ""))
    for name in src.fields:
        ds = src.f[name]
        axes = src.axes(ds)
        dims = ", ".join(f"{a.name} [{a.values[0]:g} .. {a.values[-1]:g}]{unit_suffix(a.units)}"
                         for a in axes)
        print(f"  {name}{tuple(ds.shape[1:])}: {dims}")
    for k in range(src.n_frames):
        print(f"  frame {k}: {src.time_title(k)}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file")
    p.add_argument("--field", nargs="+", metavar="NAME",
                   help="fields to draw, one row each (default: the first field)")
    p.add_argument("--frames", nargs="+", metavar="K",
                   help="frame indices (negative from the end), slices a:b[:c] (--frames=-3: for a "
                        "negative start) or 'all'; default: the last frame (PNG), every frame (GIF)")
    p.add_argument("--times", nargs="+", type=float, metavar="T",
                   help="the frames nearest these times (instead of --frames)")
    p.add_argument("--output", "-o", help="PNG file (default: <file>.png)")
    p.add_argument("--gif", help="write the frames as an animated GIF to this file instead")
    p.add_argument("--fps", type=float, default=4.0, help="GIF frames per second (default 4)")
    p.add_argument("--view", nargs="+", choices=["auto", "plane", "map", "sphere"], default=["auto"],
                   help="plane: dimension 0 up, dimension 1 across; map: longitude-latitude map; "
                        "sphere: orthographic globe; auto (default): map for a sphere's file, else "
                        "plane; several views: one row each")
    p.add_argument("--center", nargs=2, type=float, metavar=("LON", "LAT"),
                   help="--view sphere: the point (degrees) the globe is seen from "
                        "(default: the longitude of the largest value, 30 N)")
    p.add_argument("--cmap", default="viridis", help="matplotlib colour map (default viridis)")
    p.add_argument("--range", nargs=2, type=float, metavar=("VMIN", "VMAX"),
                   help="colour scale (default: the values of the frames drawn)")
    p.add_argument("--dpi", type=float, default=100.0, help="PNG resolution (default 100 dots per inch)")
    p.add_argument("--list", action="store_true", help="list the fields and frames and exit")
    args = p.parse_args(argv)
    if args.frames and args.times:
        fail("give --frames or --times, not both")
    if args.fps <= 0 or args.dpi <= 0:
        fail("--fps and --dpi must be positive")
    if args.cmap not in plt.colormaps():
        fail(f"--cmap: unknown colour map '{args.cmap}'")

    src = OutputFile(args.file)
    if args.list:
        list_file(src)
        return
    if src.n_frames == 0:
        fail(f"{args.file} holds no complete frame")
    names = args.field or [src.fields[0]]
    if args.times:
        frames = frames_at_times(args.times, src.times)
    elif args.frames:
        frames = select_frames(args.frames, src.times, src.n_frames, args.file)
    else:
        frames = list(range(src.n_frames)) if args.gif else [src.n_frames - 1]
    views = []
    for view in args.view:
        if view == "auto":
            view = "map" if src.sphere and all(src.dataset(n).ndim == 3 for n in names) else "plane"
        elif view in ("map", "sphere") and not src.sphere:
            fail(f"--view {view}: {args.file} is not on the sphere's longitude-latitude grid (its "
                 "stored configuration has no polar sides and no g_factor.type = \"sphere\")")
        if view not in views:
            views.append(view)
    plot = Plot(src, names, views, tuple(args.center) if args.center else None, args.cmap,
                args.range, frames)
    view = " and ".join(views)
    if args.gif:
        write_gif(plot, frames, args.gif, args.fps)
        print(f"wrote {args.gif} ({len(frames)} frames of {', '.join(names)}, {view} view)")
        return
    out = args.output or os.path.splitext(args.file)[0] + ".png"
    write_png(plot, frames, out, args.dpi)
    print(f"wrote {out} ({', '.join(names)}, frames {frames}, {view} view)")


if __name__ == "__main__":
    main()
