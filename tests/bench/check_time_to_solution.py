#!/usr/bin/python3
"""Smoke test of bench/time_to_solution: run with --quick --csv on RANKS ranks, it must exit 0 and
print its CSV contract (the header with ratio_explicit_semi_implicit), a row per scheme and
tolerance with numeric cells, and every run must end near the RK4 reference (RMS error below
1e-2, structure-factor wavenumber within 50 %): a scheme that diverged or stopped early fails.
Timings and ratios are not judged.

    check_time_to_solution.py MPIEXEC NUMPROC_FLAG RANKS BENCH [MORE BENCH OPTIONS]

(e.g. --n 32 --t-start 1000 --t-end 1200: the runs start from the reference's state at 1000.)
"""
import sys

import bench_check

mpiexec, numproc_flag, ranks, bench = sys.argv[1:5]
cmd = [mpiexec, numproc_flag, ranks, bench, "--quick", "--csv"] + sys.argv[5:]
run = bench_check.Run(cmd)
failures = run.failures
header = run.header
numeric = ["tolerance", "wall_s", "steps", "rejected", "multigrid_cycles", "l2_error",
           "wavenumber_error"]
for column in numeric + ["scheme", "matched_by", "ratio_explicit_semi_implicit"]:
    if column not in header:
        failures.append("column %s missing from the header %s" % (column, header))
rows = [dict(zip(header, row)) for row in run.rows]
if any(len(row) != len(header) for row in run.rows):
    failures.append("rows whose length differs from the header's")
schemes = {}
for row in rows:
    name = "%s@%s" % (row.get("scheme"), row.get("tolerance"))
    schemes[row.get("scheme")] = schemes.get(row.get("scheme"), 0) + 1
    try:
        values = {c: float(row[c]) for c in numeric}
    except (KeyError, ValueError):
        failures.append("%s: a cell that is not a number: %s" % (name, row))
        continue
    if not values["l2_error"] < 1e-2:
        failures.append("%s: RMS error %s against the reference" % (name, row["l2_error"]))
    if not values["wavenumber_error"] < 0.5:
        failures.append("%s: wavenumber error %s" % (name, row["wavenumber_error"]))
    if values["steps"] < 1 or values["wall_s"] <= 0:
        failures.append("%s: no steps or no time" % name)
    semi = row.get("scheme", "").startswith("semi_implicit")
    if semi != (values["multigrid_cycles"] > 0):
        failures.append("%s: %s multigrid cycles" % (name, row["multigrid_cycles"]))
# With --tolerances only the rows at those tolerances (at least one of each scheme).
listed = sys.argv[sys.argv.index("--tolerances") + 1] if "--tolerances" in sys.argv else None
for scheme in ["explicit_euler", "semi_implicit", "semi_implicit_extrapolated"]:
    if schemes.get(scheme, 0) < (1 if listed else 2):
        failures.append("too few rows of %s" % scheme)
if listed:
    allowed = [float(t) for t in listed.split(",")]
    for row in rows:
        if float(row.get("tolerance", "nan")) not in allowed:
            failures.append("a row at tolerance %s, not in --tolerances %s"
                            % (row.get("tolerance"), listed))
run.finish()
