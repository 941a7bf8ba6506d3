#!/usr/bin/env python3
"""Parses an XDMF sidecar and checks it against its HDF5 file: valid XML, one grid per frame with
the frame's time, and every HDF DataItem naming an existing dataset of the stated dimensions,
every hyperslab inside it. Exit 0 if all holds. Usage: check_xdmf.py FILE.xdmf"""
import os
import sys
import xml.etree.ElementTree as ET

import h5py


def main():
    path = sys.argv[1]
    root = ET.parse(path).getroot()  # raises on malformed XML
    assert root.tag == "Xdmf", "root element is not Xdmf"
    series = root.find("Domain/Grid")
    assert series is not None and series.get("CollectionType") == "Temporal", "no temporal collection"
    frames = series.findall("Grid")
    checked = 0
    for k, grid in enumerate(frames):
        for item in grid.iter("DataItem"):
            if item.get("Format") != "HDF":
                continue
            h5name, dataset = item.text.strip().split(":")
            dims = [int(x) for x in item.get("Dimensions").split()]
            with h5py.File(os.path.join(os.path.dirname(path), h5name), "r") as f:
                assert dataset.lstrip("/") in f, f"{dataset} missing from {h5name}"
                shape = list(f[dataset].shape)
                assert shape == dims, f"{dataset}: xdmf says {dims}, file has {shape}"
                times = f["time"][:]
            assert abs(float(grid.find("Time").get("Value")) - times[k]) <= 1e-6 * max(1.0, abs(times[k])), "time"
            checked += 1
    with h5py.File(path[: -len(".xdmf")] + ".h5", "r") as f:
        assert len(frames) == f["time"].shape[0], f"{len(frames)} grids for {f['time'].shape[0]} frames"
    assert checked > 0, "no HDF data items"
    print(f"{path}: valid, {len(frames)} frames, {checked} data items checked")


if __name__ == "__main__":
    main()
