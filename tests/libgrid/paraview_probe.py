"""Runs inside ParaView's pvpython (driven by check_paraview.py): opens each XDMF sidecar with
ParaView's three XDMF readers and writes what they deliver as JSON: the time steps, and per time
step the point arrays with their ranges, the bounds and the number of points; it also renders the
last time step of each (sidecar, reader) to a PNG.

Usage: pvpython paraview_probe.py OUT.json PNG_DIR SIDECAR.xdmf...   (absolute paths: the
Xdmf3 readers resolve the HDF5 file against a relative sidecar path wrongly)

Or, for the picture in docs/output.md:
       pvpython paraview_probe.py --picture SIDECAR.xdmf FIELD OUT.png"""
import json
import os
import sys

from paraview.simple import (ColorBy, Delete, GetActiveViewOrCreate, GetAnimationScene,
                             GetColorTransferFunction, Hide, Render, SaveScreenshot, Show,
                             XDMFReader, Xdmf3ReaderS, Xdmf3ReaderT)

READERS = {
    "Xdmf3ReaderS": lambda path: Xdmf3ReaderS(FileName=[path]),  # ParaView's default
    "Xdmf3ReaderT": lambda path: Xdmf3ReaderT(FileName=[path]),
    "XDMFReader": lambda path: XDMFReader(FileNames=[path]),  # the legacy (XDMF 2) reader
}


def time_steps(reader):
    reader.UpdatePipelineInformation()
    values = reader.TimestepValues
    if values is None:
        return []
    return [float(v) for v in values] if hasattr(values, "__len__") else [float(values)]


def show_last(reader, times, array, png, size, colour_bar=False):
    scene = GetAnimationScene()
    scene.UpdateAnimationUsingDataTimeSteps()
    scene.AnimationTime = times[-1]
    view = GetActiveViewOrCreate("RenderView")
    view.ViewSize = size
    view.OrientationAxesVisibility = 1
    shown = Show(reader, view)
    shown.SetRepresentationType("Surface")  # not the outline ParaView shows 3-D grids as
    shown.LineWidth = 4  # a 1-D grid is a line
    ColorBy(shown, ("POINTS", array))
    shown.RescaleTransferFunctionToDataRange(False, True)
    if colour_bar:
        shown.SetScalarBarVisibility(view, True)
        GetColorTransferFunction(array).ApplyPreset("Viridis (matplotlib)", True)
    view.ResetCamera()
    Render(view)
    SaveScreenshot(png, view, ImageResolution=size)
    Hide(reader, view)


def probe(path, png_dir):
    out = {}
    for name, make in READERS.items():
        reader = make(path)
        times = time_steps(reader)
        frames = []
        for t in times:
            reader.UpdatePipeline(t)
            # What ParaView's Information panel shows (Fetch's copies can have wrong bounds).
            info = reader.GetDataInformation()
            arrays = {k: list(reader.PointData[k].GetRange()) for k in reader.PointData.keys()}
            frames.append({"time": t, "arrays": arrays, "bounds": list(info.GetBounds()),
                           "points": info.GetNumberOfPoints(), "cell_arrays": reader.CellData.keys()})
        png = None
        if times and frames[-1]["arrays"]:
            png = os.path.join(png_dir, os.path.basename(path) + "." + name + ".png")
            show_last(reader, times, sorted(frames[-1]["arrays"])[0], png, [320, 240])
        out[name] = {"times": times, "frames": frames, "png": png}
        Delete(reader)
    return out


def main():
    if sys.argv[1] == "--picture":
        path, array, png = sys.argv[2:5]
        reader = Xdmf3ReaderS(FileName=[os.path.abspath(path)])
        show_last(reader, time_steps(reader), array, png, [480, 360], colour_bar=True)
        return
    result = {path: probe(path, sys.argv[2]) for path in sys.argv[3:]}
    with open(sys.argv[1], "w") as f:
        json.dump(result, f)


main()
