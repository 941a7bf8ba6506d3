#!/usr/bin/env python3
"""Fields of every shipped configuration (shortened or shrunk to test size), bit for bit.

The hashes in tests/data/golden/fields.txt were recorded before the apps moved onto the run
driver (the apps of commit 01a4393); a refactor or a faster kernel must reproduce them exactly,
on any rank count. Usage:
  golden.py check  MPIEXEC RANKS CAHN_HILLIARD MPDATA CONFIG_DIR WORK_DIR GOLDEN_FILE
  golden.py record MPIEXEC RANKS CAHN_HILLIARD MPDATA CONFIG_DIR WORK_DIR GOLDEN_FILE
CAHN_HILLIARD and MPDATA are the two programs.
"""
import hashlib
import pathlib
import subprocess
import sys

import h5py

# name: (app, config, extra settings)
CASES = {
    "cahn_hilliard_3d": ("cahn_hilliard", "cahn_hilliard_3d.toml",
                         ["grid.shape=[24,20,16]", "time.t_end=1.0", "output.interval=0.5"]),
    "cahn_hilliard_demo": ("cahn_hilliard", "cahn_hilliard_demo.toml",
                           ["time.t_end=20.0", "output.interval=5.0"]),
    "cahn_hilliard_neumann": ("cahn_hilliard", "cahn_hilliard_neumann.toml",
                              ["time.t_end=10.0", "output.interval=2.5"]),
    "cahn_hilliard_paper": ("cahn_hilliard", "cahn_hilliard_paper.toml",
                            ["grid.shape=[96,96]", "time.t_end=20.0", "output.interval=5.0"]),
    "mpdata_3d": ("mpdata", "mpdata_3d.toml", ["time.n_steps=8", "output.interval=4"]),
    "mpdata_advection_diffusion": ("mpdata", "mpdata_advection_diffusion.toml",
                                   ["time.n_steps=60", "output.interval=30"]),
    "mpdata_benchmark": ("mpdata", "mpdata_benchmark.toml",
                         ["grid.shape=[256,256]", "time.n_steps=10", "output.interval=5"]),
    "mpdata_box_1d": ("mpdata", "mpdata_box_1d.toml", []),
    "mpdata_hello_world": ("mpdata", "mpdata_hello_world.toml", []),
    "mpdata_rotating_cone": ("mpdata", "mpdata_rotating_cone.toml",
                             ["time.n_steps=250", "output.interval=125"]),
    "mpdata_rotating_cone_no_fct": ("mpdata", "mpdata_rotating_cone_no_fct.toml",
                                    ["time.n_steps=250", "output.interval=125"]),
    "mpdata_two_tracers": ("mpdata", "mpdata_two_tracers.toml",
                           ["time.n_steps=250", "output.interval=125"]),
}


def field_hash(path):
    """sha256 over every state field's frames (datasets with a frame axis and a grid shape)."""
    h = hashlib.sha256()
    with h5py.File(path, "r") as f:
        names = sorted(n for n in f if isinstance(f[n], h5py.Dataset) and f[n].ndim >= 2
                       and n not in ("time", "step"))
        for n in names:
            h.update(n.encode())
            h.update(f[n][...].astype("<f8").tobytes())
    return h.hexdigest()


def main():
    mode, mpiexec, ranks, ch, mp, config_dir, work, golden = sys.argv[1:9]
    programs = {"cahn_hilliard": ch, "mpdata": mp}
    config_dir, work = pathlib.Path(config_dir), pathlib.Path(work)
    work.mkdir(parents=True, exist_ok=True)
    expected = {}
    if mode == "check":
        for line in pathlib.Path(golden).read_text().splitlines():
            if line and not line.startswith("#"):
                name, digest = line.split()
                expected[name] = digest
    failures = []
    lines = []
    for name, (app, config, settings) in CASES.items():
        exe = programs[app]
        out = work / f"{name}_np{ranks}.h5"
        cmd = [mpiexec, "-n", ranks, str(exe), "--config", str(config_dir / config), "--quiet",
               "--overwrite", "--output", str(out)]
        for s in settings:
            cmd += ["--set", s]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        digest = field_hash(out)
        lines.append(f"{name} {digest}")
        if mode == "check":
            ok = expected.get(name) == digest
            print(("ok   " if ok else "FAIL ") + name)
            if not ok:
                failures.append(name)
    if mode == "record":
        pathlib.Path(golden).write_text(
            "# sha256 of the state fields of each case in tests/apps/golden.py, recorded with the\n"
            "# apps of commit 01a4393 (before the run driver); see golden.py.\n" + "\n".join(lines) + "\n")
        print("\n".join(lines))
    if failures:
        sys.exit(f"fields differ from the recorded ones: {', '.join(failures)}")


if __name__ == "__main__":
    main()
