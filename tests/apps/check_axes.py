"""The output file names and places a model's grid as the model declares it (driver::output_axes),
read the way users read it, with xarray: the shallow-water file's x and y centred on the origin,
the sphere's lon and lat in radians at the solver's cell centres.

The pde file's x, y are its expressions' (dimension 0 first): du/dt = x + 10 y from u = 0
gives u = t (x + 10 y) at the coordinates xarray shows.

Usage: check_axes.py FILE shallow_water|sphere|pde"""
import sys

import numpy as np
import xarray as xr


def main():
    path, kind = sys.argv[1], sys.argv[2]
    with xr.open_dataset(path, engine="h5netcdf") as ds:
        if kind == "shallow_water":
            field, names = ds["h"], ("x", "y")
            spacing = [float(ds[n][1] - ds[n][0]) for n in names]
            expected = [(np.arange(ds.sizes[n]) - (ds.sizes[n] - 1) / 2) * h
                        for n, h in zip(names, spacing)]
            axes = ("X", "Y")
        elif kind == "sphere":
            field, names = ds["psi"], ("lon", "lat")
            nlon, nlat = ds.sizes["lon"], ds.sizes["lat"]
            expected = [(np.arange(nlon) + 0.5) * 2 * np.pi / nlon,
                        (np.arange(nlat) + 0.5) * np.pi / nlat - np.pi / 2]
            axes = ("X", "Y")
            assert ds["lat"].attrs["units"] == "radians", ds["lat"].attrs
        elif kind == "pde":
            field, names = ds["u"], ("x", "y")
            spacing = [float(ds[n][1] - ds[n][0]) for n in names]
            expected = [(np.arange(ds.sizes[n]) + 0.5) * h for n, h in zip(names, spacing)]
            axes = ("X", "Y")
            last = field.isel(time=-1)
            want = float(ds["time"][-1]) * (ds["x"] + 10 * ds["y"])
            np.testing.assert_allclose(last.values, want.transpose(*names).values, rtol=1e-12)
        else:
            sys.exit(f"unknown kind {kind}")
        assert field.dims == ("time",) + names, field.dims
        for name, want, axis in zip(names, expected, axes):
            np.testing.assert_allclose(ds[name].values, want, rtol=0, atol=1e-12, err_msg=name)
            assert ds[name].attrs["axis"] == axis, (name, ds[name].attrs)
        # Every per-frame series says what it is (the driver's min_/max_ and the model's own).
        series = [n for n, v in ds.data_vars.items() if v.dims == ("time",)]
        assert any(n.startswith("min_") for n in series), series
        for n in series:
            assert ds[n].attrs.get("long_name", n) != n, (n, ds[n].attrs)
    print(f"{path}: dimensions {field.dims}, coordinates as the model places its cells; "
          f"{len(series)} series, each with a long_name")


if __name__ == "__main__":
    main()
