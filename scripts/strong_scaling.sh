#!/usr/bin/env bash
# Strong scaling of cahn_hilliard on the seed paper's case reduced to 2000 fixed Euler steps
# (512 x 512, dt = 0.01, t_end = 20): 1, 2, 4, 8 ranks and 1 rank x 2 threads. Writes
# out/strong_scaling.csv and out/strong_scaling.png (time vs ranks with the ideal 1/N line).
# Usage: scripts/strong_scaling.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-openmpi}
. scripts/mpi-env.sh
mkdir -p out
app="$dir/apps/cahn_hilliard/cahn_hilliard"
args=(--config configs/cahn_hilliard_paper.toml --set time.adaptive=false --set time.dt=0.01
      --set time.t_end=20.0 --set output.interval=20.0 --quiet --overwrite)
echo "ranks,threads,wall_s,ratio_ideal_measured" > out/strong_scaling.csv
t1=""
run() { # ranks threads
  local log
  log=$(OMP_NUM_THREADS=$2 mpiexec -n "$1" "$app" "${args[@]}" --threads "$2" --thread-dim 0 --output out/scaling.h5)
  local wall
  wall=$(echo "$log" | sed -n 's/^wall \([0-9.]*\) s.*/\1/p')
  [ -z "$t1" ] && t1=$wall
  local ideal
  ideal=$(/usr/bin/python3 -c "print(f'{$t1 / ($1 * $2) / $wall:.4f}')")
  echo "$1,$2,$wall,$ideal" | tee -a out/strong_scaling.csv
}
run 1 1
run 2 1
run 4 1
run 8 1
run 1 2
/usr/bin/python3 - <<'PY'
import csv
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
rows = list(csv.DictReader(open("out/strong_scaling.csv")))
ranks = [int(r["ranks"]) for r in rows if r["threads"] == "1"]
wall = [float(r["wall_s"]) for r in rows if r["threads"] == "1"]
fig, ax = plt.subplots(figsize=(5, 4))
ax.loglog(ranks, wall, "o-", label="cahn_hilliard, ranks x 1 thread")
ax.loglog(ranks, [wall[0] / n for n in ranks], "k--", label="ideal 1/N")
for r in rows:
    if r["threads"] != "1":
        ax.loglog([int(r["ranks"]) * int(r["threads"])], [float(r["wall_s"])], "s", label=f"{r['ranks']} rank x {r['threads']} threads")
ax.set_xlabel("cores used (ranks x threads; the machine has 2)")
ax.set_ylabel("wall time [s], 2000 steps of 512 x 512")
ax.legend()
ax.set_title("strong scaling (oversubscribed beyond 2)")
fig.tight_layout()
fig.savefig("out/strong_scaling.png", dpi=90)
print("wrote out/strong_scaling.png")
PY
