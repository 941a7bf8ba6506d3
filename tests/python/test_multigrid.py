"""tessera.Multigrid on the rank count of the run (1, 2 or 4): the discrete Helmholtz problem
solved to round-off against a NumPy operator, the convergence factor per V-cycle, the same bits
on every layout (process grids, threads, thread_dim) and the errors a caller can make."""

import itertools

import numpy as np
import pytest

import tessera


def apply_operator(u, alpha, beta, spacing, sides):
    """alpha u - beta lap(u) with NumPy, from ghost values per side: periodic (None), Dirichlet
    ('dirichlet', g): the face value g, Neumann ('neumann', q): the outward derivative q."""
    out = alpha * u
    for dim, h in enumerate(spacing):
        lo_hi = []
        for side, index in ((0, 0), (1, -1)):
            kind = sides[dim]
            edge = np.take(u, [index], axis=dim)
            if kind is None:
                ghost = np.take(u, [-1 if side == 0 else 0], axis=dim)
            elif kind[0] == "dirichlet":
                ghost = 2.0 * kind[1] - edge
            else:
                ghost = edge + kind[1] * h
            lo_hi.append(ghost)
        padded = np.concatenate([lo_hi[0], u, lo_hi[1]], axis=dim)
        n = u.shape[dim]
        below = np.take(padded, range(0, n), axis=dim)
        above = np.take(padded, range(2, n + 2), axis=dim)
        out = out - beta * (below - 2.0 * u + above) / (h * h)
    return out


def boundary_of(sides):
    """The boundary dict of `sides` (per dimension: None periodic, or (kind, value))."""
    spec = {}
    for dim, kind in enumerate(sides):
        if kind is None:
            continue
        for name in ("xyz"[dim] + "-", "xyz"[dim] + "+"):
            key = "value" if kind[0] == "dirichlet" else "derivative"
            spec[name] = {"type": kind[0], key: kind[1]}
    return spec


CASES = {
    "dirichlet": [("dirichlet", 0.5), ("dirichlet", -1.0)],
    "neumann_periodic": [("neumann", 0.25), None],
    "mixed_3d": [None, ("dirichlet", 0.0), ("neumann", -0.5)],
}
SHAPES = {"dirichlet": [48, 40], "neumann_periodic": [48, 32], "mixed_3d": [16, 24, 16]}


@pytest.mark.parametrize("case", sorted(CASES))
def test_solves_the_discrete_problem(case, size):
    sides = CASES[case]
    shape = SHAPES[case]
    spacing = [1.0 / n for n in shape]
    alpha, beta = 2.0, 1.0
    exact = np.random.default_rng(11).uniform(-1.0, 1.0, shape)
    rhs = apply_operator(exact, alpha, beta, spacing, sides)
    d = tessera.Decomposition(shape, periodic=[s is None for s in sides])
    u = tessera.Field(d, name="u")
    f = tessera.Field(d, name="f")
    f.interior[...] = rhs[f.local_slices]
    mg = tessera.Multigrid(d, alpha, beta, spacing, boundary_of(sides), relative_tolerance=1e-12)
    r = mg.solve(u, f)
    assert r.converged and r.residual <= 1e-12 * r.rhs_norm and len(r.history) == r.cycles
    assert r.cycles <= 15
    assert np.max(np.abs(u.interior - exact[u.local_slices])) < 1e-9
    assert mg.residual_norm(u, f) == r.residual


def test_poisson_converges_tenfold_per_v_cycle(size):
    d = tessera.Decomposition([64, 64], periodic=[False, False])
    u = tessera.Field(d)
    f = tessera.Field(d)
    f.fill_random_uniform(5, -1.0, 1.0)
    mg = tessera.Multigrid(d, alpha=0.0, beta=1.0, spacing=[1 / 64, 1 / 64],
                           boundary={"all": {"type": "dirichlet", "value": 0.0}})
    r = mg.solve(u, f)
    factors = [b / a for a, b in zip(r.history, r.history[1:])]
    assert r.converged and factors and max(factors) <= 0.1, factors
    levels = mg.levels
    assert levels[0] == ([64, 64], False) and levels[-1][0][0] < 64


def layouts(ndim, size):
    for dims in itertools.product(range(1, size + 1), repeat=ndim):
        if int(np.prod(dims)) == size:
            yield list(dims)


@pytest.mark.parametrize("cycle", ["v", "f"])
def test_same_bits_on_every_layout(cycle, size):
    shape = [40, 24]
    boundary = {"x-": {"type": "dirichlet", "value": 1.0}, "x+": "neumann"}
    results = []
    for dims in layouts(2, size):
        for threads, thread_dim in ((1, 0), (2, 0), (2, 1)):
            d = tessera.Decomposition(shape, periodic=[False, True], mpi_dims=dims,
                                      threads=threads, thread_dim=thread_dim)
            u = tessera.Field(d)
            f = tessera.Field(d)
            f.fill_random_uniform(3, -1.0, 1.0)
            mg = tessera.Multigrid(d, alpha=0.5, beta=2.0, spacing=[0.1, 0.2], boundary=boundary,
                                   cycle=cycle)
            mg.run_cycles(u, f, 2)
            r = mg.solve(u, f)
            results.append((dims, threads, thread_dim, r.cycles, r.residual, u.gather()))
    first = results[0]
    for other in results[1:]:
        assert other[3:5] == first[3:5], (other[:3], first[:3])
        if tessera.rank() == 0:
            assert np.array_equal(other[5], first[5]), (other[:3], first[:3])


def test_coefficients_and_tolerance_change_without_replanning(size):
    d = tessera.Decomposition([32, 32])
    u = tessera.Field(d)
    f = tessera.Field(d)
    f.fill_random_uniform(9, -1.0, 1.0)
    mg = tessera.Multigrid(d, alpha=1.0)
    mg.relative_tolerance = 1e-4
    loose = mg.solve(u, f)
    assert loose.converged and loose.residual <= 1e-4 * loose.rhs_norm
    mg.set_coefficients(3.0, 0.5)
    mg.relative_tolerance = 1e-11
    u.fill(0.0)
    tight = mg.solve(u, f)
    assert (mg.alpha, mg.beta, mg.relative_tolerance) == (3.0, 0.5, 1e-11)
    assert tight.converged and tight.cycles > loose.cycles
    # u now solves 3 u - 0.5 lap(u) = f (periodic): check against NumPy.
    whole = u.gather()
    rhs = f.gather()
    if tessera.rank() == 0:
        residual = apply_operator(whole, 3.0, 0.5, [1.0, 1.0], [None, None]) - rhs
        assert np.linalg.norm(residual) <= 1e-10 * np.linalg.norm(rhs)


def test_errors_name_what_to_change(size):
    d = tessera.Decomposition([16, 16], periodic=[False, True])
    with pytest.raises(tessera.UsageError, match="low side of dimension 0 has a 'none'"):
        tessera.Multigrid(d)  # no boundary for the non-periodic dimension
    with pytest.raises(tessera.UsageError, match="neumann or dirichlet"):
        tessera.Multigrid(d, boundary={"all": {"type": "constant", "value": 1.0}})
    walls = {"all": "neumann"}
    with pytest.raises(tessera.UsageError, match="beta must be finite and > 0"):
        tessera.Multigrid(d, alpha=1.0, beta=0.0, boundary=walls)
    with pytest.raises(tessera.UsageError, match="cycle must be 'v' or 'f', got 'w'"):
        tessera.Multigrid(d, boundary=walls, cycle="w")
    with pytest.raises(tessera.UsageError, match="spacing needs 2 values"):
        tessera.Multigrid(d, boundary=walls, spacing=[1.0])
    with pytest.raises(tessera.UsageError, match="mode must be"):
        tessera.Multigrid(d, boundary=walls, mode="serial")
    for bad in (0.0, -1.0, float("nan")):
        with pytest.raises(tessera.UsageError, match="relative_tolerance must be positive"):
            tessera.Multigrid(d, boundary=walls, relative_tolerance=bad)
    mg = tessera.Multigrid(d, alpha=1.0, boundary=walls)
    other = tessera.Decomposition([16, 16], periodic=[False, True])
    u = tessera.Field(d)
    with pytest.raises(tessera.UsageError, match="f lives on another decomposition"):
        mg.solve(u, tessera.Field(other))
    with pytest.raises(tessera.UsageError, match="must be cell-centred"):
        mg.solve(tessera.Field(d, staggered=0), tessera.Field(d))
    with pytest.raises(tessera.UsageError, match="relative_tolerance must be positive"):
        mg.relative_tolerance = 0.0
    with pytest.raises(tessera.UsageError, match="cycles must be >= 0"):
        mg.run_cycles(u, tessera.Field(d), -1)
    assert mg.solve(u, tessera.Field(d)).converged  # still usable after the refusals
