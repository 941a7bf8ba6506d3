"""Reruns the runs behind a table of numbers in the documentation and checks every number the
table prints: each must be the computed value rounded to the digits printed ('< 1e-13' means
below that in magnitude; values below 1e-12 match any value below 1e-12 of the same sign). A
table is the Markdown table right after the line `<!-- checked: check_doc_tables.py NAME -->`.
On a mismatch it prints the table as it should read.

Usage: check_doc_tables.py NAME DOC.md WORKDIR MPIEXEC APP [RANKS]
  NAME mpdata_sphere: APP is mpdata (docs/mpdata.md, the sphere's norms)
  NAME shallow_water: APP is shallow_water (docs/shallow_water.md, against the analytic drop)
  --print instead of DOC.md prints the table's rows."""
import math
import os
import pathlib
import re
import subprocess
import sys

import h5py
import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
CONFIGS = ROOT / "configs"

# Each table: its rows' first cells (the run) with the app's overrides, the second cell's
# variants, and how a run's file turns into the remaining cells.
SPHERE_RUNS = {
    "64 × 32, `n_iters = 2`, `nonoscillatory = true` (`configs/mpdata_sphere.toml`)": [],
    "64 × 32, `n_iters = 2`": ["--set", "options.nonoscillatory=false"],
    "64 × 32, `n_iters = 3`, `nonoscillatory = true`": ["--set", "options.n_iters=3"],
    "64 × 32, `n_iters = 2`, `nonoscillatory = true`, `dimensionally_split = true`":
        ["--set", "options.dimensionally_split=true"],
    "48 × 24, 960 steps, `n_iters = 2`, `nonoscillatory = true` (PyMPDATA's reference file)":
        ["--set", "grid.shape=[48,24]", "--set", "advector.steps_per_revolution=960.0",
         "--set", "time.n_steps=960", "--set", "output.interval=80"],
}
SPHERE_MODES = {'`"pympdata"`': "pympdata", '`"mirrored"`': "mirrored"}

SW_RUNS = {
    "401 × 401, Δx = 0.05 (`configs/shallow_water_drop.toml`)": [],
    "121 × 121, Δx = 0.05·401/121 (PyMPDATA's test grid and reference file)":
        ["--set", "grid.shape=[121,121]", "--set", "grid.spacing=[0.16570247933884297,0.16570247933884297]"],
}
SW_MODES = {"`false` (default)": "false", "`true` (PyMPDATA)": "true"}


def sig(x, digits):
    """x with `digits` significant digits, as the table prints it: scientific below 0.01, −
    for minus."""
    x = float(x)
    if x == 0:
        return "0"
    if abs(x) < 1e-2 or abs(x) >= 1e4:
        mantissa, exponent = f"{x:.{digits - 1}e}".split("e")
        text = f"{mantissa}e{int(exponent)}"
    else:
        text = f"{x:#.{digits}g}"
    return "−" + text[1:] if text.startswith("-") else text


def tiny(x, below):
    return f"< {below:g}" if abs(x) < below else sig(x, 2)


def sphere_cells(path):
    with h5py.File(path, "r") as f:
        mass = f["mass"][:]
        drift = mass[-1] / mass[0] - 1
        return [sig(f["l1"][-1], 4), sig(f["l2"][-1], 4), sig(f["linf"][-1], 4),
                sig(f["emin"][-1], 2), sig(f["emax"][-1], 4), tiny(drift, 1e-13)]


def sw_cells(path):
    with h5py.File(path, "r") as f:
        times = f["time"][:]
        frames = [int(np.argmin(np.abs(times - t))) for t in (1.0, 3.0, 7.0)]
        volume = f["volume"][:]
        h = f["h"][frames[-1]]
        asym = float(np.abs(h - h[:, ::-1]).max())  # y -> -y (dimension 1)
        return ([sig(f["linf_h"][k], 2) for k in frames] + [sig(f["l2_h"][k], 2) for k in frames]
                + [tiny(volume[-1] / volume[0] - 1, 1e-13), tiny(asym, 1e-13)])


def run(mpiexec, app, ranks, config, extra, out, work):
    cmd = [mpiexec, "-n", str(ranks), app, "--config", str(config), *extra, "--quiet",
           "--overwrite", "--output", out]
    done = subprocess.run(cmd, cwd=work, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return os.path.join(work, out)


def expected_rows(name, work, mpiexec, app, ranks):
    if name == "mpdata_sphere":
        runs, modes, config, key, cells = (SPHERE_RUNS, SPHERE_MODES, CONFIGS / "mpdata_sphere.toml",
                                           "options.polar_vector_halo", sphere_cells)
    elif name == "shallow_water":
        runs, modes, config, key, cells = (SW_RUNS, SW_MODES, CONFIGS / "shallow_water_drop.toml",
                                           "options.pympdata_post_step_quirk", sw_cells)
    else:
        sys.exit(f"unknown table {name}")
    rows = []
    for n, (label, extra) in enumerate(runs.items()):
        for m, (mode_label, mode) in enumerate(modes.items()):
            out = run(mpiexec, app, ranks, config, [*extra, "--set", f"{key}={mode}"],
                      f"{name}_{n}_{mode}.h5", work)
            rows.append([label if m == 0 else "", mode_label, *cells(out)])
    return rows


def parse_table(doc, name):
    text = pathlib.Path(doc).read_text(encoding="utf-8")
    marker = re.search(rf"^<!-- checked: check_doc_tables.py {re.escape(name)} -->\n", text, flags=re.M)
    if not marker:
        sys.exit(f"{doc}: no table marked <!-- checked: check_doc_tables.py {name} -->")
    lines = []
    for line in text[marker.end():].splitlines():
        if not line.startswith("|"):
            break
        lines.append(line)
    if len(lines) < 3:
        sys.exit(f"{doc}: the table after the {name} marker has no rows")
    split = [[c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]] for line in lines[2:]]
    return split


def matches(printed, computed):
    p = printed.replace("−", "-").replace("\u2009", "").strip()
    c = computed.replace("−", "-").strip()
    if p == c:
        return True
    if p.startswith("<") or c.startswith("<"):
        return p.replace(" ", "") == c.replace(" ", "")
    try:
        pv, cv = float(p), float(c)
    except ValueError:
        return False
    if abs(pv) < 1e-12 and abs(cv) < 1e-12:
        return pv == cv == 0 or math.copysign(1, pv) == math.copysign(1, cv)
    mantissa = p.split("e")[0].lstrip("-")
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    exponent = int(p.split("e")[1]) if "e" in p else 0
    return abs(pv - cv) <= 0.5 * 10.0 ** (exponent - decimals) * (1 + 1e-9)


def main():
    name, doc, work, mpiexec, app = sys.argv[1:6]
    ranks = int(sys.argv[6]) if len(sys.argv) > 6 else 1
    os.makedirs(work, exist_ok=True)
    rows = expected_rows(name, work, mpiexec, app, ranks)
    table = "\n".join("| " + " | ".join(r) + " |" for r in rows)
    if doc == "--print":
        print(table)
        return
    printed = parse_table(doc, name)
    problems = []
    if len(printed) != len(rows):
        problems.append(f"the table has {len(printed)} rows, the runs give {len(rows)}")
    for r, (want, have) in enumerate(zip(rows, printed)):
        if len(have) != len(want):
            problems.append(f"row {r + 1} has {len(have)} cells, expected {len(want)}")
            continue
        for c, (w, h) in enumerate(zip(want, have)):
            if c < 2 and w != h:
                problems.append(f"row {r + 1}, cell {c + 1}: '{h}', expected '{w}'")
            elif c >= 2 and not matches(h, w):
                problems.append(f"row {r + 1}, cell {c + 1}: the table prints {h}, the run gives {w}")
    if problems:
        print("\n".join(problems))
        print(f"\nthe table of {doc} should read:\n{table}")
        sys.exit(1)
    print(f"{doc}: all {len(rows)} rows of the {name} table agree with the runs")


if __name__ == "__main__":
    main()
