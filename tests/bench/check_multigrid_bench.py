#!/usr/bin/python3
"""Smoke test of bench/multigrid_bench: run with --quick --csv on RANKS ranks, it must exit 0 and
print its CSV contract (the header with ratio_tessera_petsc), a row per grid size and PETSc
preconditioner (mg, mg_sor and gamg) with numeric cells, and residual_check below 1e-9 in every row:
PETSc's residual of tessera's solution, which is that small only when the matrix the bench
assembles for PETSc is tessera's operator. Timings are not judged.

    check_multigrid_bench.py MPIEXEC NUMPROC_FLAG RANKS BENCH
"""
import sys

import bench_check

mpiexec, numproc_flag, ranks, bench = sys.argv[1:5]
run = bench_check.Run([mpiexec, numproc_flag, ranks, bench, "--quick", "--csv"])
failures = run.failures
header = run.header
numeric = ["n", "ranks", "threads", "tessera_levels", "tessera_cycles", "tessera_s",
           "tessera_setup_s", "petsc_levels", "petsc_iterations", "petsc_s", "petsc_setup_s",
           "residual_check", "ratio_tessera_petsc"]
for column in numeric + ["petsc_pc"]:
    if column not in header:
        failures.append("column %s missing from the header %s" % (column, header))
rows = [dict(zip(header, row)) for row in run.rows]
if any(len(row) != len(header) for row in run.rows):
    failures.append("rows whose length differs from the header's")
seen = set()
for row in rows:
    name = "n=%s %s" % (row.get("n"), row.get("petsc_pc"))
    seen.add((row.get("n"), row.get("petsc_pc")))
    try:
        values = {c: float(row[c]) for c in numeric}
    except (KeyError, ValueError):
        failures.append("%s: a cell that is not a number: %s" % (name, row))
        continue
    if values["ranks"] != float(ranks):
        failures.append("%s: ranks is %s, expected %s" % (name, row["ranks"], ranks))
    if not values["residual_check"] < 1e-9:
        failures.append("%s: residual_check %s is not below 1e-9: PETSc's matrix is not "
                        "tessera's operator" % (name, row["residual_check"]))
    if values["tessera_s"] <= 0 or values["petsc_s"] <= 0:
        failures.append("%s: a time that is not positive" % name)
sizes = sorted({n for n, _ in seen})
for n in sizes:
    for pc in ["mg", "mg_sor", "gamg"]:
        if (n, pc) not in seen:
            failures.append("no row for n=%s %s" % (n, pc))
if not rows:
    failures.append("no rows")
run.finish()
