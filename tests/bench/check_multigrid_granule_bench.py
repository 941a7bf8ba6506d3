#!/usr/bin/python3
"""Smoke test of bench/multigrid_granule_bench: run with --quick --csv on 3 ranks, it must exit 0
(the solutions of granule 1 and granule 16 are the same bit for bit) and print its CSV contract
(the header with ratio_granule1_granule16) with a numeric row per grid size, in which granule 16
keeps more levels distributed than granule 1 and leaves less gathered whole on every rank.
Timings are not judged.

    check_multigrid_granule_bench.py MPIEXEC NUMPROC_FLAG BENCH
"""
import sys

import bench_check

mpiexec, numproc_flag, bench = sys.argv[1:4]
run = bench_check.Run([mpiexec, numproc_flag, "3", bench, "--quick", "--csv"])
failures = run.failures
header = run.header
columns = ["n", "ranks", "threads", "rows_rank0_granule1", "rows_rank0_granule16",
           "distributed_levels_granule1", "distributed_levels_granule16", "cycles",
           "gathered_mib_granule1", "gathered_mib_granule16", "s_granule1", "s_granule16",
           "ratio_granule1_granule16"]
if header != columns:
    failures.append("header %s, expected %s" % (header, columns))
rows = run.rows
if len(rows) != 2:
    failures.append("%d rows, expected 2 (128^2 and 256^2)" % len(rows))
for row in rows:
    try:
        v = dict(zip(columns, map(float, row)))
    except ValueError:
        failures.append("a cell that is not a number: %s" % row)
        continue
    name = "n=%g" % v["n"]
    if v["rows_rank0_granule16"] % 4 != 0:
        failures.append("%s: granule 16 (at least 4 here) should give rank 0 a multiple of 4 "
                        "rows" % name)
    if not v["distributed_levels_granule16"] > v["distributed_levels_granule1"]:
        failures.append("%s: granule 16 keeps no more levels distributed" % name)
    if not v["gathered_mib_granule16"] < v["gathered_mib_granule1"]:
        failures.append("%s: granule 16 gathers no less" % name)
    if v["s_granule1"] <= 0 or v["s_granule16"] <= 0:
        failures.append("%s: a time that is not positive" % name)
run.finish()
