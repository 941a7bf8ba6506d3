#!/usr/bin/python3
"""Smoke test of bench/peers.py: run it with --quick --csv and a peers folder that does not
exist, and check its contract: exit 0; comment lines with the load average; the exact CSV
header with its ratio_* columns; every workload measured for tessera (a positive time) with
every peer row saying "skipped", and a line on stderr naming each skipped peer.
Usage: check_peers.py PEERS_SCRIPT [peers.py options, e.g. --build DIR --mpiexec PATH]"""
import csv
import os
import subprocess
import sys
import tempfile

HEADER = ("workload,case,size,cores,peer,peer_layout,tessera_layout,unit,reps,t_peer,t_tessera,"
          "ratio_peer_tessera,ratio_peer_tessera_min,ratio_peer_tessera_max,jit_s_peer,status")
PEERS = ("py-pde", "PyMPDATA", "PyMPDATA-MPI", "mpi4py", "numba-mpi")
WORKLOADS = ("cahn_hilliard", "mpdata", "pi", "kpz_noise", "keller_segel")

failures = []


def check(condition, what):
    if not condition:
        failures.append(what)


with tempfile.TemporaryDirectory() as tmp:
    missing = os.path.join(tmp, "no-such-peers")
    env = {k: v for k, v in os.environ.items() if k != "TESSERA_PEERS"}
    command = [sys.executable, sys.argv[1], "--quick", "--csv", "--peers", missing] + sys.argv[2:]
    p = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
sys.stdout.write(p.stdout)
sys.stderr.write(p.stderr)
check(p.returncode == 0, f"exit code {p.returncode}, expected 0")
lines = p.stdout.splitlines()
comments = [line for line in lines if line.startswith("#")]
table = [line for line in lines if line and not line.startswith("#")]
check(any("loadavg" in line for line in comments), "no '# ... loadavg' comment line")
check(bool(table) and table[0] == HEADER, f"header is {table[0] if table else None!r}")
check(bool(table) and sum(c.startswith("ratio_") for c in table[0].split(",")) >= 1,
      "no ratio_* column")
rows = list(csv.DictReader(table)) if table else []
for w in WORKLOADS:
    check(any(r["workload"] == w for r in rows), f"no row for {w}")
for peer in PEERS:
    check(any(r["peer"] == peer for r in rows), f"no row for peer {peer}")
    check(any("skipped" in line and peer in line for line in p.stderr.splitlines()),
          f"no stderr line saying {peer} was skipped")
for r in rows:
    what = f"row {r['workload']} {r['case']} {r['size']} {r['peer']} {r['tessera_layout']}"
    check(r["status"].startswith("skipped: ") and missing in r["status"],
          f"{what}: status {r['status']!r}, expected 'skipped: <why>'")
    check(not r["ratio_peer_tessera"] and not r["t_peer"], f"{what}: a peer figure without peer")
    try:
        check(float(r["t_tessera"]) > 0, f"{what}: t_tessera {r['t_tessera']} not positive")
    except ValueError:
        check(False, f"{what}: t_tessera {r['t_tessera']!r} is not a number")
if failures:
    print("check_peers: FAILED\n  " + "\n  ".join(failures), file=sys.stderr)
    sys.exit(1)
print(f"check_peers: ok ({len(rows)} rows, all peers skipped visibly)")
