#!/usr/bin/env python3
"""The configurations on which the Python API must give the command-line apps' files, bit for
bit, and the two halves of that test that run outside pytest:

  app_cases.py run-apps MPIEXEC RANKS BIN_DIR WORK_DIR   # the apps' runs (a ctest fixture)
  app_cases.py compare APP_FILE PYTHON_FILE              # every dataset and attribute, exactly

test_apps_equal.py runs the same cases through tessera.Simulation on the same rank count.
"""
import pathlib
import subprocess
import sys

CONFIGS = pathlib.Path(__file__).resolve().parents[2] / "configs"

# name: (model, config file, settings as --set gives them, as Python values)
CASES = {
    "ch_demo": ("cahn_hilliard", "cahn_hilliard_demo.toml",
                {"grid.shape": [48, 40], "time.t_end": 4.0, "output.interval": 1.0}),
    "ch_paper_adaptive": ("cahn_hilliard", "cahn_hilliard_paper.toml",
                          {"grid.shape": [40, 36], "time.t_end": 3.0, "output.interval": 1.0}),
    "ch_neumann_threads": ("cahn_hilliard", "cahn_hilliard_neumann.toml",
                           {"grid.shape": [32, 30], "time.t_end": 2.0, "output.interval": 0.5,
                            "parallel.threads": 2, "parallel.thread_dim": 1}),
    "mpdata_cone": ("mpdata", "mpdata_rotating_cone.toml",
                    {"grid.shape": [40, 40], "time.n_steps": 40, "output.interval": 10}),
    "mpdata_sphere": ("mpdata", "mpdata_sphere.toml",
                      {"time.n_steps": 40, "output.interval": 20}),
    "shallow_water_drop": ("shallow_water", "shallow_water_drop.toml",
                           {"time.n_steps": 20, "output.interval": 10}),
    "pde_gray_scott": ("pde", "pde_gray_scott.toml",
                       {"grid.shape": [48, 40], "initial.u.lower": [18.0, 14.0],
                        "initial.u.upper": [30.0, 26.0], "initial.v.lower": [18.0, 14.0],
                        "initial.v.upper": [30.0, 26.0], "time.t_end": 100.0,
                        "output.interval": 50.0}),
}


def toml_value(v):
    if isinstance(v, list):
        return "[" + ",".join(toml_value(x) for x in v) + "]"
    return repr(v)


def app_file(work, name, ranks):
    return pathlib.Path(work) / ("app_%s_np%d.h5" % (name, ranks))


def run_apps(mpiexec, ranks, bin_dir, work):
    pathlib.Path(work).mkdir(parents=True, exist_ok=True)
    for name, (model, config, settings) in CASES.items():
        cmd = [mpiexec, "-n", str(ranks), str(pathlib.Path(bin_dir) / model / model),
               "--config", str(CONFIGS / config), "--quiet", "--overwrite",
               "--output", str(app_file(work, name, ranks))]
        for key, value in settings.items():
            cmd += ["--set", "%s=%s" % (key, toml_value(value))]
        print(" ".join(cmd), flush=True)
        subprocess.run(cmd, check=True, timeout=200)


def compare(a, b):
    import h5py
    import numpy as np

    bad = []
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        if sorted(fa) != sorted(fb):
            bad.append("datasets differ: %s vs %s" % (sorted(fa), sorted(fb)))
        for name in sorted(set(fa) & set(fb)):
            x, y = fa[name][()], fb[name][()]
            if x.shape != y.shape or x.dtype != y.dtype or x.tobytes() != y.tobytes():
                diff = np.max(np.abs(x - y)) if x.shape == y.shape else "shape"
                bad.append("/%s differs (largest difference %s)" % (name, diff))
        # Every attribute but the creation times and the output file's own name.
        for name in sorted(set(fa.attrs) | set(fb.attrs)):
            if name == "created":
                continue
            x, y = fa.attrs.get(name), fb.attrs.get(name)
            if name == "history":  # lines "<UTC time> <what happened>": compare what happened
                x, y = ("\n".join(line.partition(" ")[2] for line in
                                  (v.decode() if isinstance(v, bytes) else str(v)).split("\n"))
                        for v in (x, y))
            if name == "config":
                x, y = (
                    "\n".join(line for line in v.split("\n") if not line.startswith("file = "))
                    for v in (x, y))
            if not np.array_equal(np.asarray(x), np.asarray(y)):
                bad.append("attribute %s differs: %r vs %r" % (name, x, y))
    return bad


def main():
    if sys.argv[1] == "run-apps":
        run_apps(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5])
    elif sys.argv[1] == "compare":
        bad = compare(sys.argv[2], sys.argv[3])
        for line in bad:
            print(line)
        sys.exit(1 if bad else 0)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
