#!/usr/bin/python3
"""Plots bench/time_to_solution's CSV: error against wall time for each scheme (one line per
scheme through its tolerances), the RMS error of c and the structure factor's wavenumber error
side by side, log-log.

Usage: plot_time_to_solution.py RESULTS.csv OUT.png
"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: plot_time_to_solution.py RESULTS.csv OUT.png")
    with open(sys.argv[1], encoding="utf-8") as f:
        lines = [l for l in f if l.strip() and not l.startswith("#")]
        title = ""
        f.seek(0)
        comments = [l[1:].strip() for l in f if l.startswith("#")]
        if comments:
            title = comments[0]
    rows = list(csv.DictReader(lines))
    if not rows or "ratio_explicit_semi_implicit" not in rows[0]:
        sys.exit("plot_time_to_solution.py: %s is not time_to_solution's --csv output" % sys.argv[1])
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    schemes = sorted({r["scheme"] for r in rows}, key=lambda s: (s != "explicit_euler", s))
    for scheme, marker in zip(schemes, "osd^v"):
        mine = sorted((r for r in rows if r["scheme"] == scheme), key=lambda r: float(r["wall_s"]))
        wall = [float(r["wall_s"]) for r in mine]
        for ax, column in zip(axes, ["l2_error", "wavenumber_error"]):
            ax.loglog(wall, [max(float(r[column]), 1e-16) for r in mine], marker=marker,
                      label=scheme)
            for r, w in zip(mine, wall):
                ax.annotate("tol %s" % r["tolerance"], (w, max(float(r[column]), 1e-16)),
                            fontsize=7, xytext=(3, 3), textcoords="offset points")
    axes[0].set_ylabel("RMS error of c at t_end")
    axes[1].set_ylabel("relative error of the mean wavenumber of S(k)")
    for ax in axes:
        ax.set_xlabel("wall time [s]")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title, fontsize=9)
    fig.savefig(sys.argv[2], dpi=100)


if __name__ == "__main__":
    main()
