"""HDF5 files from Python: tessera.H5Writer writes frames in tessera's layout, read_field reads
any frame back into a field on another layout, and the errors name the file."""

import numpy as np
import pytest

import tessera
from conftest import name_for
from test_grid import global_pattern


def test_write_and_read_back_on_another_layout(work, rank, size):
    path = work / name_for("io_roundtrip")
    d = tessera.Decomposition([10, 6], mpi_dims=[size, 1])
    u, v = tessera.Field(d, 1, name="u"), tessera.Field(d, 1, name="v")
    g = global_pattern([10, 6])
    with tessera.H5Writer(d, path, [u, v], overwrite=True, spacing=[0.5, 1.0]) as w:
        for frame in range(3):
            u.interior[...] = g[u.local_slices] + frame
            v.interior[...] = -g[v.local_slices]
            w.write_frame(0.25 * frame, 10 * frame, {"total": float(frame)})
        w.attribute("solver", "python test")
        w.attribute("threads", [1])
        assert w.frames == 3
    # Read back on the transposed layout: frame 1, and the last by default.
    e = tessera.Decomposition([10, 6], mpi_dims=[1, size])
    back = tessera.Field(e, 2, name="u")
    tessera.read_field(str(path), "u", back, frame=1)
    np.testing.assert_array_equal(back.interior, g[back.local_slices] + 1)
    tessera.read_field(str(path), "u", back)
    np.testing.assert_array_equal(back.interior, g[back.local_slices] + 2)
    assert list(tessera.read_dataset(str(path), "time")) == [0.0, 0.25, 0.5]
    assert list(tessera.read_dataset(str(path), "step")) == [0, 10, 20]
    assert list(tessera.read_dataset(str(path), "total")) == [0.0, 1.0, 2.0]
    assert tessera.read_dataset(str(path), "v").shape == (3, 10, 6)
    assert tessera.read_text_attribute(str(path), "solver") == "python test"
    assert tessera.has_dataset(str(path), "u") and not tessera.has_dataset(str(path), "w")
    assert (work / name_for("io_roundtrip")).with_suffix(".xdmf").exists()


def test_io_errors_name_the_file(work, size):
    d = tessera.Decomposition([4, 4])
    f = tessera.Field(d, 1, name="f")
    with pytest.raises(tessera.IOError, match="cannot open /no/such.h5"):
        tessera.read_field("/no/such.h5", "f", f)
    path = work / name_for("io_exists")
    tessera.H5Writer(d, path, [f], overwrite=True).close()
    with pytest.raises(tessera.IOError, match="exists"):
        tessera.H5Writer(d, path, [f])
    other = tessera.Decomposition([6, 4])
    with pytest.raises(tessera.UsageError, match="field g written to .* lives on another "
                                                 "decomposition"):
        tessera.H5Writer(d, work / name_for("io_mixed"), [f, tessera.Field(other, name="g")],
                         overwrite=True)
    assert issubclass(tessera.IOError, OSError)
