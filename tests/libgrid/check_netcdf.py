"""Checks that the files of io_roundtrip_writer (two frames, a third appended by a restart)
describe themselves to netCDF tools: xarray (engine h5netcdf) returns every field with named
dimensions, the time coordinate and the grid coordinates, with the declared units and long
names; every HDF5 dimension of every dataset has its dimension scale attached (h5py's H5DS);
`ncdump -h` lists the dimensions and variables. With --upgraded, the files were written in the
layout of before and got all this at a restart (make_old_files.py): their history then has
the restart's line only. Usage: check_netcdf.py PREFIX [--upgraded]"""
import re
import shutil
import subprocess
import sys

import h5py
import numpy as np
import xarray as xr

ORIGIN = (-1.5, 0.25, 2.0)  # what io_roundtrip_writer declares
SPACING = (0.5, 0.25, 2.0)
NAMES = {1: ("x",), 2: ("y", "x"), 3: ("z", "y", "x")}


def expected(shape):
    """(name, dimensions, units, long_name) of every variable of a file of this grid shape."""
    nd = len(shape)
    names = NAMES[nd]
    fields = [("cells", ("time",) + names, "kg m-3", "mass density"),
              ("faces_0", ("time", names[0] + "_face") + names[1:], "m s-1",
               "velocity normal to the dimension-0 faces")]
    if nd > 1:
        fields.append((f"faces_{nd - 1}", ("time",) + names[:-1] + (names[-1] + "_face",), "1",
                       f"values at the {names[-1]} faces"))  # the default long_name
    series = [("time", ("time",), "s", "simulated time"), ("step", ("time",), "1", "step number"),
              ("max_cells", ("time",), "kg m-3", "largest mass density")]
    coords = [(n, (n,), "m", f"{n} coordinate of the cell centres") for n in names]
    coords += [(names[0] + "_face", (names[0] + "_face",), "m", f"{names[0]} coordinate of the cell faces")]
    if nd > 1:
        coords += [(names[-1] + "_face", (names[-1] + "_face",), "m",
                    f"{names[-1]} coordinate of the cell faces")]
    return fields, series, coords


def coordinate_values(shape):
    values = {}
    for d, n in enumerate(shape):
        name = NAMES[len(shape)][d]
        values[name] = ORIGIN[d] + (np.arange(n) + 0.5) * SPACING[d]
        values[name + "_face"] = ORIGIN[d] + np.arange(n + 1) * SPACING[d]
    return values


def check_file(path, shape):
    fields, series, coords = expected(shape)
    values = coordinate_values(shape)
    ds = xr.open_dataset(path, engine="h5netcdf")
    with h5py.File(path, "r") as f:
        for name, dims, units, long_name in fields + series + coords:
            var = ds[name]
            assert var.dims == dims, f"{path}: {name} has dimensions {var.dims}, expected {dims}"
            assert var.attrs.get("units") == units, f"{path}: {name} units {var.attrs.get('units')!r}"
            assert var.attrs.get("long_name") == long_name, f"{path}: {name} long_name {var.attrs.get('long_name')!r}"
            assert np.array_equal(var.values, f[name][:]), f"{path}: xarray's {name} differs from h5py's"
            # every HDF5 dimension has exactly its scale attached (what netCDF reads as dimensions)
            if dims == (name,):  # a coordinate variable: the dimension scale itself
                assert h5py.h5ds.is_scale(f[name].id), f"{path}: {name} is not a dimension scale"
                continue
            for i, dim in enumerate(dims):
                scales = list(f[name].dims[i].values())
                assert [s.name for s in scales] == ["/" + dim], f"{path}: {name} dim {i}: {scales}"
                if name != "max_cells":  # a series: in DIMENSION_LIST only (docs/output.md)
                    assert h5py.h5ds.is_attached(f[name].id, f[dim].id, i), f"{path}: {name} dim {i}"
        # /time's back-references: the fields and /step, not the series
        back = sorted(f[ref].name for ref, _ in f["time"].attrs["REFERENCE_LIST"])
        assert back == sorted("/" + n for n, *_ in fields + [("step",)]), f"{path}: {back}"
        for key, data in f.items():  # nothing undescribed in the file
            assert "units" in data.attrs and "long_name" in data.attrs, f"{path}: /{key} undescribed"
        expected_time = np.array([0.0, 0.5, 1.25])
    assert "time" in ds.coords and np.array_equal(ds["time"].values, expected_time), ds["time"]
    assert ds["time"].attrs["axis"] == "T"
    for name, value in values.items():
        if name in ds.coords:
            assert np.array_equal(ds[name].values, value), f"{path}: coordinate {name} differs"
            assert ds[name].attrs["axis"] == name[0].upper(), f"{path}: axis of {name}"
    for name, *_ in fields:  # the grid coordinates are the fields' coordinates
        for dim in ds[name].dims:
            assert dim in ds[name].coords, f"{path}: {name} has no coordinate {dim}"
    last = ds["cells"].sel(time=1.25)  # selection by coordinate values works
    assert float(last.isel({d: 0 for d in last.dims})) == 1.0
    assert ds.attrs["Conventions"] == "CF-1.8"
    assert ds.attrs["title"].startswith("cells, faces_0"), ds.attrs["title"]
    assert ds.attrs["source"].startswith("tessera "), ds.attrs["source"]
    history = ds.attrs["history"].split("\n")
    if UPGRADED:
        assert len(history) == 1 and "appended" in history[0], history
    else:
        assert len(history) == 2 and "created by" in history[0] and "appended" in history[1], history
    ds.close()

    ncdump = shutil.which("ncdump")
    assert ncdump, "ncdump is missing: scripts/install-deps.sh installs netcdf-bin"
    header = subprocess.run([ncdump, "-h", path], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^\s*time = UNLIMITED ; // \(3 currently\)$", header, re.M), header
    for d, n in enumerate(shape):
        name = NAMES[len(shape)][d]
        assert re.search(rf"^\s*{name} = {n} ;$", header, re.M), f"ncdump: no dimension {name}\n{header}"
    for name, dims, units, long_name in fields + series + coords:
        kind = "int64" if name == "step" else "double"
        assert f"\t{kind} {name}({', '.join(dims)}) ;" in header, f"ncdump: no {name}{dims}\n{header}"
        assert f'\t\t{name}:units = "{units}" ;' in header, f"ncdump: {name} units\n{header}"
    assert ':Conventions = "CF-1.8" ;' in header


prefix = sys.argv[1]
UPGRADED = sys.argv[2:] == ["--upgraded"]
for shape in ((11,), (13, 7), (7, 9, 5)):
    check_file(f"{prefix}_{len(shape)}d.h5", shape)
print("xarray, h5py's dimension scales and ncdump see every variable with its dimensions, "
      "coordinates, units and long name")
