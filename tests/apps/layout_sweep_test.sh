#!/usr/bin/env bash
# The same run on 1 rank and on many layouts of 2-4 ranks x 1-3 threads, MPI along each
# dimension and both, threads along either dimension: every output dataset named must be
# bit-identical to the 1-rank run's, every frame (h5diff without tolerance).
# Usage: layout_sweep_test.sh MPIEXEC WORKDIR DATASETS -- APP ARGS...   (DATASETS: "/h /uh")
set -uo pipefail
mpiexec=$1 work=$2 datasets=$3
shift 4 # the three above and "--"
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
run() { # name ranks threads [layout flags...]
  local name=$1 ranks=$2 threads=$3
  shift 3
  OMP_NUM_THREADS=$threads timeout 120 "$mpiexec" -n "$ranks" "$@" --quiet --output "$name.h5" \
    > "$name.log" 2>&1 || { cat "$name.log"; echo "FAIL: the run on $name failed"; exit 1; }
}
run serial 1 1 "$@"
layouts=(
  "2 2 --mpi-dims 2,1 --threads 2 --thread-dim 1"
  "2 3 --mpi-dims 1,2 --threads 3 --thread-dim 0"
  "3 1 --mpi-dims 3,1"
  "3 2 --mpi-dims 1,3 --threads 2 --thread-dim 1"
  "4 2 --mpi-dims 2,2 --threads 2 --thread-dim 0"
  "4 2 --mpi-dims 4,1 --threads 2 --thread-dim 1"
  "4 1 --mpi-dims 1,4"
  "1 3 --threads 3 --thread-dim 1"
)
for layout in "${layouts[@]}"; do
  read -r ranks threads flags <<< "$layout"
  name="np${ranks}_$(echo "$flags" | tr -d ' -' | tr ',' 'x')"
  # shellcheck disable=SC2086 # the layout's flags are words
  run "$name" "$ranks" "$threads" "$@" $flags
  for dataset in $datasets; do
    h5diff serial.h5 "$name.h5" "$dataset" "$dataset" > "$name.diff" 2>&1 \
      || { cat "$name.diff"; echo "FAIL: $dataset on $ranks rank(s) x $threads thread(s) ($flags) differs from 1 rank's"; exit 1; }
  done
  echo "$ranks rank(s) x $threads thread(s) $flags: $datasets bit-identical to 1 rank"
done
echo "PASS: ${#layouts[@]} layouts bit-identical to the 1-rank run"
