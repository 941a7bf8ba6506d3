#!/usr/bin/python3
"""Known answers for the example solvers, read from their HDF5 output.

  check.py heat FILE   single Fourier mode: decay rate vs the discrete (explicit or backward
                       Euler) and the continuous rate
  check.py wave FILE   standing mode: angular frequency vs the discrete and continuous values,
                       and energy conservation
  check.py open FILE   pulse between open sides: the energy that has not left
  check.py gray_scott FILE   a small Fourier mode of v on u = 1 decays at the linear rate
                       Dv |kappa|^2 + F + k (explicit Euler's discrete rate), u stays 1
  check.py same FILE OTHER   the same frames, bit for bit (a restarted run vs an uninterrupted one)
  check.py tutorial DOC DIR   DOC's C++, CMake and TOML blocks are DIR's main.cpp, CMakeLists.txt
                       and <DIR name>.toml, every line of them

The parameters come from the file's `config` attribute (the run's effective configuration),
so a wrong stencil, time step or boundary in the solver shows up as a wrong number here.
Prints the measured values; exits 1 if one is off.
"""
import ast
import math
import pathlib
import re
import sys

import h5py
import numpy as np

failed = False


def check(name, measured, expected, tolerance, why):
    global failed
    rel = abs(measured / expected - 1)
    ok = rel <= tolerance
    failed |= not ok
    print(f"{'ok  ' if ok else 'FAIL'} {name}: measured {measured:.12g}, expected {expected:.12g}, "
          f"relative error {rel:.3e} (tolerance {tolerance:.1e}: {why})")


def modes(cfg, initial="initial"):
    """Per dimension: spacing dx and the wave number kappa of the mode set in table `initial`."""
    shape = cfg["grid"]["shape"]
    nd = len(shape)
    dx = cfg["grid"]["spacing"]
    dx = dx if isinstance(dx, list) else [dx] * nd
    periodic = cfg["grid"]["periodic"]
    periodic = periodic if isinstance(periodic, list) else [periodic] * nd
    table = cfg
    for part in initial.split("."):
        table = table[part]
    k = table["mode"]
    # periodic: cos(2 pi k x / L), kappa = 2 pi k / L; between sides: sin(pi k x / L), kappa = pi k / L
    kappa = [(2 if p else 1) * math.pi * kk / (n * h) for p, kk, n, h in zip(periodic, k, shape, dx)]
    return dx, kappa


def amplitudes(u, offset=0.0):
    """Projection of every frame on the first one: the mode's amplitude relative to t = 0."""
    u = np.asarray(u, dtype=float) - offset
    u0 = u[0].ravel()
    return np.array([f.ravel() @ u0 for f in u]) / (u0 @ u0)


def heat(f, cfg):
    dx, kappa = modes(cfg)
    D, dt = cfg["equation"]["diffusivity"], cfg["time"]["dt"]
    offset = cfg["initial"].get("offset", 0.0)  # the walls' value, which the mode decays to
    a = amplitudes(f["u"], offset)
    t = f["time"][:]
    # The mode keeps its shape: every frame is a multiple of the first.
    u = np.asarray(f["u"], dtype=float) - offset
    shape_error = max(np.abs(u[j] - a[j] * u[0]).max() for j in range(len(t))) / np.abs(u[0]).max()
    check("heat: shape kept (max |u - a u0| / max |u0|)", 1 + shape_error, 1, 1e-12,
          "round-off: the mode is an eigenvector of the discrete Laplacian")
    rate = -math.log(a[-1]) / t[-1]
    # Per step explicit Euler multiplies the mode by G = 1 - dt D lam, backward Euler by
    # G = 1 / (1 + dt D lam), lam = sum 4 sin^2(kappa dx / 2) / dx^2.
    lam = sum(4 * math.sin(k * h / 2) ** 2 / h**2 for k, h in zip(kappa, dx))
    implicit = cfg["time"].get("scheme", "explicit") == "implicit"
    if implicit:
        discrete = math.log(1 + dt * D * lam) / dt
        scheme = "backward Euler (multigrid solves to 1e-13)"
    else:
        discrete = -math.log(1 - dt * D * lam) / dt
        scheme = "explicit Euler"
    check("heat: decay rate vs %s + 2nd-order stencil" % scheme, rate, discrete, 1e-9,
          "round-off over the run")
    exact = D * sum(k * k for k in kappa)
    # Leading relative errors: explicit Euler +D |kappa|^2 dt / 2 (backward Euler the opposite);
    # the stencil -sum kappa^4 dx^2 / 12 / |kappa|^2.
    e_t = (-1 if implicit else 1) * exact * dt / 2
    e_x = -sum(k**4 * h * h for k, h in zip(kappa, dx)) / 12 / sum(k * k for k in kappa)
    print(f"     leading-order prediction of the relative error: {e_t:+.3e} (dt) {e_x:+.3e} (dx^2) = {e_t + e_x:+.3e}")
    check("heat: decay rate vs continuous D |kappa|^2", rate, exact, 1.5 * (abs(e_t) + abs(e_x)),
          "the leading O(dt) + O(dx^2) error terms, +50% for higher orders")


def wave(f, cfg):
    dx, kappa = modes(cfg)
    c, dt = cfg["equation"]["speed"], cfg["time"]["dt"]
    a = amplitudes(f["u"])
    steps = np.diff(f["step"][:])
    if len(set(steps)) != 1:
        sys.exit("wave: frames must be evenly spaced (output.interval divides time.t_end)")
    m = int(steps[0])
    # Symplectic Euler: a_{j+1} + a_{j-1} = 2 cos(m theta) a_j for frames m steps apart, whatever
    # the phase; least squares over all frames.
    cos_m_theta = (a[1:-1] @ (a[2:] + a[:-2])) / (2 * a[1:-1] @ a[1:-1])
    omega = math.acos(cos_m_theta) / (m * dt)
    omega_h = c * math.sqrt(sum(4 * math.sin(k * h / 2) ** 2 / h**2 for k, h in zip(kappa, dx)))
    discrete = 2 / dt * math.asin(omega_h * dt / 2)
    check("wave: angular frequency vs symplectic Euler + 2nd-order stencil", omega, discrete, 1e-9,
          "round-off over the run")
    exact = c * math.sqrt(sum(k * k for k in kappa))
    # Leading relative errors: time +(omega dt)^2 / 24; stencil -sum kappa^4 dx^2 / 24 / |kappa|^2.
    e_t = (exact * dt) ** 2 / 24
    e_x = -sum(k**4 * h * h for k, h in zip(kappa, dx)) / 24 / sum(k * k for k in kappa)
    print(f"     leading-order prediction of the relative error: {e_t:+.3e} (dt^2) {e_x:+.3e} (dx^2) = {e_t + e_x:+.3e}")
    check("wave: angular frequency vs continuous c |kappa|", omega, exact, 1.5 * (abs(e_t) + abs(e_x)),
          "the leading O(dt^2) + O(dx^2) error terms, +50% for higher orders")
    period = 2 * math.pi / omega
    print(f"     period {period:.6f} (continuous {2 * math.pi / exact:.6f}) over {f['time'][-1] / period:.2f} periods")
    e = f["energy"][:]
    # Symplectic Euler conserves a nearby quadratic form exactly: the energy only wobbles, by
    # about omega dt / 2 relative, and does not drift.
    wobble = np.abs(e / e[0] - 1).max()
    check("wave: energy conserved (1 + max |E/E0 - 1|)", 1 + wobble, 1, omega * dt,
          "symplectic: bounded by omega dt, no drift")


def gray_scott(f, cfg):
    dx, kappa = modes(cfg, "initial.v")
    eq, dt = cfg["equation"], cfg["time"]["dt"]
    a = amplitudes(f["v"])
    t = f["time"][:]
    rate = -math.log(a[-1]) / t[-1]
    # Linearised about (u, v) = (1, 0): dv/dt = Dv lap v - (F + k) v (u v^2 is second order in v),
    # so Euler multiplies the mode by G = 1 - dt (Dv lambda + F + k) per step.
    lam = sum(4 * math.sin(k * h / 2) ** 2 / h**2 for k, h in zip(kappa, dx))
    growth = 1 - dt * (eq["dv"] * lam + eq["feed"] + eq["kill"])
    amplitude = cfg["initial"]["v"]["amplitude"]
    check("gray_scott: decay rate of v vs explicit Euler, linearised", rate, -math.log(growth) / dt,
          100 * amplitude, "the neglected u v^2 is amplitude times smaller than the linear terms")
    u_change = np.abs(np.asarray(f["u"], dtype=float) - 1).max()
    check("gray_scott: u stays 1 (1 + max |u - 1|)", 1 + u_change, 1, 1e-12,
          "u only changes by u v^2, second order in the amplitude")
    v = np.asarray(f["v"], dtype=float)
    mean = v.reshape(v.shape[0], -1).mean(axis=1)
    assert f["mean_v"].attrs["long_name"] in (b"mean of the activator v", "mean of the activator v")
    assert f["min_u"].attrs["long_name"] in (b"minimum of substrate", "minimum of substrate")
    scale = float(np.abs(v).max())
    check("gray_scott: mean_v series vs the frames' mean (1 + max difference / max |v|)",
          1 + float(np.abs(f["mean_v"][:] - mean).max()) / scale, 1, 1e-13,
          "exact_mean rounds each value to 2^-62 of max |v|; numpy's sum rounds too")


def open_sides(f, cfg):
    e = f["energy"][:]
    left = e[-1] / e[0]
    print(f"     energy left after the pulse reached the open sides: {left:.3e} of the initial")
    check("open: energy left (1 + E_end/E0)", 1 + left, 1, 2e-3,
          "a first-order absorbing side reflects a little of a pulse 10 cells wide; fixed or free sides keep all")


def parse_toml(text):
    """The config attribute as a dict: tomllib (Python 3.11+), else the subset toml++ writes for
    these examples (tables of numbers, 'strings', booleans and flat lists: Python literals)."""
    try:
        import tomllib
        return tomllib.loads(text)
    except ImportError:
        cfg, table = {}, None
        for line in text.splitlines():
            line = line.strip()
            if line.startswith("["):
                table = cfg.setdefault(line.strip("[]"), {})
            elif "=" in line:
                key, value = (x.strip() for x in line.split("=", 1))
                key = ast.literal_eval(key) if key[0] in "'\"" else key
                value = re.sub(r"\btrue\b", "True", re.sub(r"\bfalse\b", "False", value))
                (table if table is not None else cfg)[key] = ast.literal_eval(value)
        return cfg


def same(path, other):
    with h5py.File(path, "r") as f, h5py.File(other, "r") as g:
        # v: wave and gray_scott; mean_v: gray_scott's exact_mean diagnostic, the same bits on
        # every layout
        names = [n for n in ("u", "v", "time", "step", "mean_v") if n in f]
        equal = all(n in g and np.array_equal(f[n][:], g[n][:]) for n in names)
        print(f"{'ok  ' if equal else 'FAIL'} same: {path} and {other}: {', '.join(names)} "
              f"{'identical' if equal else 'differ'} ({len(f['time'])} and {len(g['time'])} frames)")
    sys.exit(0 if equal else 1)


def tutorial(doc, example):
    """The tutorial is the example: its ```cpp blocks in order are main.cpp, its ```cmake block
    CMakeLists.txt and its ```toml block the configuration, every line of them."""
    text = open(doc, encoding="utf-8").read()
    blocks = {lang: re.findall(rf"^```{lang}\n(.*?)^```", text, flags=re.S | re.M)
              for lang in ("cpp", "cmake", "toml")}
    name = pathlib.Path(example).name
    pairs = [("\n".join(blocks["cpp"]), "main.cpp"), ("\n".join(blocks["cmake"]), "CMakeLists.txt"),
             ("\n".join(blocks["toml"]), f"{name}.toml")]
    bad = 0
    for shown, file in pairs:
        actual = (pathlib.Path(example) / file).read_text(encoding="utf-8")
        ok = shown == actual
        bad += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {doc} shows {example}/{file} "
              f"({len(actual.splitlines())} lines){'' if ok else ' -- it differs:'}")
        if not ok:
            import difflib
            sys.stdout.writelines(difflib.unified_diff(actual.splitlines(True), shown.splitlines(True),
                                                       file, "tutorial"))
    sys.exit(1 if bad else 0)


def main():
    kind, path = sys.argv[1], sys.argv[2]
    if kind == "same":
        same(path, sys.argv[3])
    if kind == "tutorial":
        tutorial(path, sys.argv[3])
    with h5py.File(path, "r") as f:
        text = f.attrs["config"]
        cfg = parse_toml(text.decode() if isinstance(text, bytes) else text)
        {"heat": heat, "wave": wave, "open": open_sides, "gray_scott": gray_scott}[kind](f, cfg)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
