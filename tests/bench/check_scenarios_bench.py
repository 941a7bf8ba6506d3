#!/usr/bin/python3
"""Smoke test of bench/scenarios_bench.py: with --quick and a peers folder that does not exist it
must exit 0, print the CSV with its ratio_* columns, a row per scenario with numeric tessera
cells and `skipped` PyMPDATA cells, comment lines with the load average and the command, and say
on stderr why PyMPDATA was skipped. Timings are not judged.

    check_scenarios_bench.py BENCH_SCRIPT BUILD_DIR MPIEXEC WORK_DIR
"""
import pathlib
import sys

import bench_check

bench, build, mpiexec, work = sys.argv[1:5]
missing = pathlib.Path(work) / "no-such-peers"
cmd = ["/usr/bin/python3", bench, "--quick", "--csv", "--build-dir", build, "--mpiexec", mpiexec,
       "--peers", str(missing)]
run = bench_check.Run(cmd)
failures = run.failures
comments = run.comments
if not any("loadavg" in l for l in comments) or not any(l.startswith("# command:") for l in comments):
    failures.append("no '# loadavg' and '# command:' comment lines")
header = run.header
for column in ["scenario", "grid", "steps", "ns_cell_step_tessera_1core", "ns_cell_step_pympdata",
               "ratio_pympdata_tessera", "ratio_efficiency_2ranks", "ratio_efficiency_2threads",
               "pympdata_compile_s"]:
    if column not in header:
        failures.append("column %s missing from the header %s" % (column, header))
rows = {row[0]: dict(zip(header, row)) for row in run.rows if len(row) == len(header)}
if len(rows) != len(run.rows):
    failures.append("rows whose length differs from the header's")
for name in ["sphere_upwind", "sphere_config", "shallow_water_drop"]:
    row = rows.get(name)
    if row is None:
        failures.append("no row for " + name)
        continue
    for column in ["ns_cell_step_pympdata", "ratio_pympdata_tessera", "pympdata_compile_s"]:
        if row.get(column) != "skipped":
            failures.append("%s: %s is %r, expected 'skipped'" % (name, column, row.get(column)))
    try:
        if float(row["ns_cell_step_tessera_1core"]) < 0:
            failures.append("%s: negative time" % name)
    except (KeyError, ValueError):
        failures.append("%s: ns_cell_step_tessera_1core is not a number" % name)
    if "skipped: PyMPDATA for %s" % name not in run.stderr or str(missing) not in run.stderr:
        failures.append("%s: no 'skipped' line naming the missing folder on stderr" % name)
run.finish()
