"""Decompositions, fields as NumPy views (no copies), halo exchange against a NumPy reference,
gather/scatter and reductions, on the rank count of the run (1, 2 or 4)."""

import itertools

import numpy as np
import pytest

import tessera


def layouts(ndim, size):
    """Every mpi_dims whose product is the rank count."""
    out = []
    for dims in itertools.product(range(1, size + 1), repeat=ndim):
        if int(np.prod(dims)) == size:
            out.append(list(dims))
    return out


def global_pattern(shape):
    """A value per global cell that names it: 1000*i + 10*j (+ k/10)."""
    idx = np.indices(shape, dtype=float)
    scales = [1000.0, 10.0, 0.1][: len(shape)]
    return sum(s * i for s, i in zip(scales, idx)) + 1.0


def test_decomposition_properties(size):
    d = tessera.Decomposition([10, 7], periodic=[True, False], mpi_dims=[size, 1])
    assert d.ndim == 2 and d.shape == [10, 7] and d.periodic == [True, False]
    assert d.mpi_dims == [size, 1] and d.size == size and 0 <= d.rank < size
    lo, hi = d.local_box
    assert lo[1] == 0 and hi[1] == 7
    # The blocks cover the grid once: the larger pieces first (10 over 4 is 3, 3, 2, 2).
    rows = [d.box_of_rank(r) for r in range(size)]
    assert rows[0][0][0] == 0 and rows[-1][1][0] == 10
    assert all(rows[r][1][0] == rows[r + 1][0][0] for r in range(size - 1))


def test_interior_is_a_view_not_a_copy(size):
    d = tessera.Decomposition([8, 6], mpi_dims=[size, 1])
    f = tessera.Field(d, halo=2, name="f")
    view = f.interior
    assert view.shape == tuple(f.shape) and view.dtype == np.float64
    view[...] = 3.5  # written through the view ...
    assert np.all(f.interior == 3.5)  # ... a second view sees it
    assert f.sum() == 3.5 * 48  # and so does the C++ side
    assert np.shares_memory(f.interior, f.ghosted)
    g = f.ghosted
    assert g.shape == tuple(n + 4 for n in f.shape)
    assert np.all(g[2:-2, 2:-2] == 3.5) and np.all(g[:2] == 0.0)
    g[2, 2] = -1.0  # the first interior cell, seen through the ghosted view
    assert f.interior[0, 0] == -1.0 and f.min() == -1.0
    # py-pde's spelling and NumPy's protocol give the same view.
    assert np.shares_memory(f.data, view) and np.shares_memory(np.asarray(f), view)
    # The view keeps the field alive.
    del f
    view[0, 1] = 7.0
    assert view[0, 1] == 7.0 and view[0, 0] == -1.0


def test_views_of_1d_and_3d_fields(size):
    for shape in ([12], [6, 5, 4]):
        d = tessera.Decomposition(shape, mpi_dims=[size] + [1] * (len(shape) - 1))
        f = tessera.Field(d, 1)
        assert f.interior.ndim == len(shape) and f.ghosted.ndim == len(shape)
        f.interior[...] = global_pattern(shape)[f.local_slices]
        np.testing.assert_array_equal(f.interior, global_pattern(shape)[f.local_slices])


def reference(global_array, halo, periodic, sides):
    """NumPy's fill of the ghosts: dimension by dimension (wrap or side condition), each over
    the ghosts of the dimensions before it, as libgrid defines the corners."""
    a = np.pad(global_array, halo, mode="constant", constant_values=np.nan)
    n = global_array.shape
    for d in range(a.ndim):
        inner = [slice(None)] * a.ndim
        for g in range(1, halo + 1):
            low = list(inner)
            high = list(inner)
            low[d] = halo - g
            high[d] = halo + n[d] - 1 + g
            if periodic[d]:
                src_low = list(inner)
                src_high = list(inner)
                src_low[d] = halo + n[d] - g
                src_high[d] = halo + g - 1
                a[tuple(low)] = a[tuple(src_low)]
                a[tuple(high)] = a[tuple(src_high)]
                continue
            for side, ghost in ((-1, low), (1, high)):
                kind, value = sides[(d, side)]
                mirror = list(inner)
                mirror[d] = halo + g - 1 if side < 0 else halo + n[d] - g
                edge = list(inner)
                edge[d] = halo if side < 0 else halo + n[d] - 1
                nxt = list(inner)
                nxt[d] = halo + 1 if side < 0 else halo + n[d] - 2
                if kind == "neumann":
                    a[tuple(ghost)] = a[tuple(mirror)] + (2 * g - 1) * value
                elif kind == "dirichlet":
                    a[tuple(ghost)] = 2 * value - a[tuple(mirror)]
                elif kind == "constant":
                    a[tuple(ghost)] = value
                elif kind == "extrapolated":
                    a[tuple(ghost)] = a[tuple(edge)] + g * (a[tuple(edge)] - a[tuple(nxt)])
    return a


@pytest.mark.parametrize("halo", [1, 2])
@pytest.mark.parametrize("threads,mode", [(1, "per_thread"), (2, "per_thread"), (2, "funneled")])
def test_halo_exchange_matches_numpy(size, halo, threads, mode):
    shape = [9, 8]
    boundary = {"all": {"type": "neumann", "derivative": 0.25},
                "x+": {"type": "dirichlet", "value": 2.0},
                "y-": {"type": "constant", "value": -5.0},
                "y+": "extrapolated"}
    sides = {(0, -1): ("neumann", 0.25 * 0.5), (0, 1): ("dirichlet", 2.0),
             (1, -1): ("constant", -5.0), (1, 1): ("extrapolated", 0.0)}
    g = global_pattern(shape)
    for periodic in ([True, True], [False, False], [True, False], [False, True]):
        for dims in layouts(2, size):
            if 9 // dims[0] < halo or 8 // dims[1] // threads < halo:
                continue  # pieces smaller than the halo: refused (tested in libgrid)
            d = tessera.Decomposition(shape, periodic=periodic, mpi_dims=dims, thread_dim=1,
                                      threads=threads, min_piece=halo)
            f = tessera.Field(d, halo)
            f.interior[...] = g[f.local_slices]
            plan = tessera.HaloPlan([f], boundary, spacing=[0.5, 1.0], mode=mode)
            plan.exchange()
            ref = reference(g, halo, periodic, sides)
            lo, hi = d.local_box
            block = ref[lo[0]:hi[0] + 2 * halo, lo[1]:hi[1] + 2 * halo]
            np.testing.assert_array_equal(f.ghosted, block, err_msg="%s %s" % (periodic, dims))


@pytest.mark.parametrize("halo", [1, 2])
def test_mixed_sides_are_pypdes_virtual_point(size, halo):
    # py-pde's mixed (Robin) condition: outward derivative + gamma u = beta; ghost layer g at
    # distance d = (2g - 1) h from its mirror cell is 2 d beta/(2 + d gamma) + (2 - d gamma)/(2 +
    # d gamma) * mirror, and -mirror where that factor is not finite (d gamma = -2).
    h = 0.5
    shape = [8, 6]
    g = global_pattern(shape)
    for gamma_low in (0.5, -2.0 / h):
        d = tessera.Decomposition(shape, periodic=[False, True], mpi_dims=[size, 1],
                                  min_piece=halo)
        f = tessera.Field(d, halo)
        f.interior[...] = g[f.local_slices]
        f.exchange_halos({"x-": {"type": "mixed", "value": gamma_low, "const": -1.0},
                          "x+": "mixed"}, spacing=[h, 1.0])
        lo, hi = d.local_box
        for side, gamma, beta in ((-1, gamma_low, -1.0), (1, 0.0, 0.0)):
            if (side < 0 and lo[0] != 0) or (side > 0 and hi[0] != shape[0]):
                continue  # not this rank's edge
            for layer in range(1, halo + 1):
                dist = (2 * layer - 1) * h
                mirror = g[layer - 1] if side < 0 else g[shape[0] - layer]
                factor = (2 - dist * gamma) / (2 + dist * gamma) if 2 + dist * gamma else None
                expected = (-mirror if factor is None
                            else 2 * dist * beta / (2 + dist * gamma) + factor * mirror)
                row = halo - layer if side < 0 else halo + (hi[0] - lo[0]) - 1 + layer
                np.testing.assert_array_equal(f.ghosted[row, halo:-halo], expected,
                                              err_msg="gamma %s side %d layer %d" % (gamma, side, layer))
    with pytest.raises(tessera.UsageError, match="unknown key 'derivative' for type 'mixed'"):
        tessera.HaloPlan([f], {"all": {"type": "mixed", "derivative": 1.0}})


def test_granule_sets_where_pieces_start(size):
    # 100 rows with granule 8: pieces start at multiples of 8 (32, 32, 36 on 3 ranks), and a
    # field on them gathers back to the global array.
    d = tessera.Decomposition([100, 8], mpi_dims=[size, 1], granule=8)
    g = d.granule[0]
    assert d.granule[1] == 8
    boxes = [d.box_of_rank(r) for r in range(size)]
    assert boxes[0][0][0] == 0 and boxes[-1][1][0] == 100
    for (lo, hi), (next_lo, _) in zip(boxes, boxes[1:]):
        assert hi[0] == next_lo[0] and next_lo[0] % g == 0
    if size == 3:
        assert g == 8 and [hi[0] - lo[0] for lo, hi in boxes] == [32, 32, 36]
    f = tessera.Field(d, 1)
    f.interior[...] = global_pattern([100, 8])[f.local_slices]
    whole = f.gather()
    if tessera.rank() == 0:
        np.testing.assert_array_equal(whole, global_pattern([100, 8]))
    with pytest.raises(tessera.UsageError, match="granule must be a power of two, got 3"):
        tessera.Decomposition([100, 8], granule=3)


def test_exchange_halos_keeps_its_plan(size):
    d = tessera.Decomposition([6, 6], mpi_dims=[size, 1])
    f = tessera.Field(d, 1)
    f.interior[...] = global_pattern([6, 6])[f.local_slices]
    f.exchange_halos()
    f.exchange_halos()
    assert len(f._plans) == 1
    ref = np.pad(global_pattern([6, 6]), 1, mode="wrap")
    lo, hi = d.local_box
    np.testing.assert_array_equal(f.ghosted, ref[lo[0]:hi[0] + 2, :])


def test_gather_and_scatter(rank, size):
    d = tessera.Decomposition([7, 5, 3], mpi_dims=[size, 1, 1])
    f = tessera.Field(d, 1, name="u")
    g = global_pattern([7, 5, 3])
    f.scatter(g if rank == 0 else None)
    np.testing.assert_array_equal(f.interior, g[f.local_slices])
    f.interior[...] *= 2
    back = f.gather()
    if rank == 0:
        np.testing.assert_array_equal(back, 2 * g)
    else:
        assert back is None
    assert f.max() == 2 * g.max() and f.min() == 2 * g.min() and f.max_abs() == 2 * g.max()
    # A wrong size is refused on every rank alike.
    with pytest.raises(tessera.UsageError):
        f.scatter(np.zeros(3) if rank == 0 else None)


def test_staggered_field(rank, size):
    d = tessera.Decomposition([6, 4], periodic=[False, True], mpi_dims=[size, 1])
    f = tessera.Field(d, 1, staggered=0)
    assert f.staggered == 0 and f.global_shape == [7, 4]
    assert f.shape[0] == d.local_box[1][0] - d.local_box[0][0] + 1
    g = global_pattern([7, 4])
    f.scatter(g if rank == 0 else None)
    np.testing.assert_array_equal(f.interior, g[f.local_slices])


def test_random_field_is_the_same_on_every_layout(rank, size):
    d1 = tessera.Decomposition([9, 10], mpi_dims=[size, 1])
    d2 = tessera.Decomposition([9, 10], mpi_dims=[1, size])
    a, b = tessera.Field(d1, 1), tessera.Field(d2, 1)
    a.fill_random_uniform(7, -1.0, 1.0)
    b.fill_random_uniform(7, -1.0, 1.0)
    ga, gb = a.gather(), b.gather()
    if rank == 0:
        np.testing.assert_array_equal(ga, gb)
        assert ga.min() >= -1.0 and ga.max() < 1.0


def test_fill_expression_is_the_formula_at_the_cell_centres(rank, size):
    # py-pde's from_expression: x, y at the cell centres, t and constants as given; the same
    # bits on every layout and thread count; ghosts untouched.
    gathered = []
    for dims, threads in ((None, 1), ([size, 1], 2), ([1, size], 1)):
        d = tessera.Decomposition([12, 9], periodic=[False, True], mpi_dims=dims, threads=threads)
        f = tessera.Field(d, 1)
        f.fill(-7.0)
        f.fill_expression("a + sin(2*pi*x/15)*y**2 - t", spacing=[0.5, 0.25],
                          constants={"a": 3.0}, t=0.5, origin=[-1.0, 2.0])
        assert (f.ghosted[0, :] == -7.0).all()
        gathered.append(f.gather())
    if rank == 0:
        x = -1.0 + (np.arange(12)[:, None] + 0.5) * 0.5
        y = 2.0 + (np.arange(9)[None, :] + 0.5) * 0.25
        np.testing.assert_allclose(gathered[0], 3.0 + np.sin(2 * np.pi * x / 15) * y**2 - 0.5,
                                   rtol=0, atol=1e-14)
        for g in gathered[1:]:
            np.testing.assert_array_equal(g, gathered[0])


def test_fill_expression_errors_point_at_the_fault(size):
    f = tessera.Field(tessera.Decomposition([8, 8]), 1)
    with pytest.raises(tessera.ConfigError, match="'laplace' is an operator") as e:
        f.fill_expression("1 + laplace(x)")
    assert "  1 + laplace(x)\n      ^" in str(e.value)
    with pytest.raises(tessera.ConfigError, match="unknown name 'k'"):
        f.fill_expression("k*x")
    with pytest.raises(tessera.UsageError, match="spacing needs 2 values"):
        f.fill_expression("x", spacing=[1.0])
    with pytest.raises(tessera.UsageError, match="origin needs 2 values"):
        f.fill_expression("x", origin=[1.0, 2.0, 3.0])
    with pytest.raises(tessera.UsageError, match="the expression is empty"):
        f.fill_expression(" ")


def test_bad_specs_raise_usage_errors_on_every_rank(size):
    with pytest.raises(tessera.UsageError, match="mpi_dims \\[3, 5\\] needs 15 ranks"):
        tessera.Decomposition([30, 30], mpi_dims=[3, 5])
    with pytest.raises(tessera.UsageError, match="the grid shape needs 1, 2 or 3 entries, got 4"):
        tessera.Decomposition([2, 2, 2, 2])
    d = tessera.Decomposition([8, 8])
    with pytest.raises(tessera.UsageError, match="halo width must be at least 1, got 0"):
        tessera.Field(d, 0)
    with pytest.raises(tessera.UsageError, match="unknown type 'robin'"):
        tessera.HaloPlan([tessera.Field(d, 1)], {"all": "robin"})
    assert issubclass(tessera.UsageError, tessera.Error)
    assert issubclass(tessera.UsageError, ValueError)
