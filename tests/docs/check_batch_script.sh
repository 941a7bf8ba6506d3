#!/usr/bin/env bash
# docs/cluster.md's complete batch script, run twice as Slurm would run it, with stand-ins for
# what this machine lacks: `srun` runs the app under MPIEXEC on 2 ranks and, for the first job,
# sends SIGTERM to the launcher after 2 s (a time limit; the launcher's exit status is then its
# own, not the ranks' 130); `sbatch` records the resubmission; `module` and `lfs` do nothing. The first job
# must stop cleanly and queue the next one (the file's status "stopped"); the second must
# continue the file to the end, exit 0 and queue nothing (status "finished").
# Usage: check_batch_script.sh DOC MPIEXEC APP CONFIG WORKDIR
set -euo pipefail
doc=$1 mpiexec=$2 app=$3 config=$4 work=$5
fail() { echo "FAIL: $*"; exit 1; }
rm -rf "$work" && mkdir -p "$work"/{bin,home/tessera/bin,submit,scratch}
/usr/bin/python3 - "$doc" "$work/submit/ch-paper.sbatch" <<'PY'
import re, sys
blocks = re.findall(r"^```sh\n(.*?)^```", open(sys.argv[1]).read(), flags=re.S | re.M)
script = [b for b in blocks if "#SBATCH --job-name=ch-paper" in b]
assert len(script) == 1, "docs/cluster.md: no single batch script block"
open(sys.argv[2], "w").write(script[0])
PY
ln -s "$app" "$work/home/tessera/bin/cahn_hilliard"
# The paper's case with fixed steps on a large grid: a few hundred steps of 4M cells, about 4 s
# on 2 ranks here whatever the MPI (small steps would leave the run to the MPI's latency), so
# the first job's limit interrupts it and the second finishes it.
sed -e 's/^shape = .*/shape = [2048, 2048]/' -e 's/^t_end = .*/t_end = 6.0/' \
    -e 's/^dt = .*/dt = 0.01/' -e 's/^adaptive = .*/adaptive = false/' \
    -e 's/^interval = .*/interval = 3.0/' "$config" > "$work/submit/cahn_hilliard_paper.toml"
printf '#!/bin/sh\nexit 0\n' > "$work/bin/module"
printf '#!/bin/sh\nexit 0\n' > "$work/bin/lfs"
printf '#!/bin/sh\necho "$@" >> "%s/sbatch.calls"\n' "$work" > "$work/bin/sbatch"
cat > "$work/bin/srun" <<EOF
#!/usr/bin/env bash
args=()
for a in "\$@"; do case \$a in --cpu-bind=*) ;; *) args+=("\$a") ;; esac; done
if [ "\${FIRST_JOB:-0}" = 1 ]; then
  "$mpiexec" -n 2 "\${args[@]}" & launcher=\$!
  sleep 2
  kill -TERM \$launcher 2>/dev/null || true
  wait \$launcher
else
  exec "$mpiexec" -n 2 "\${args[@]}"
fi
EOF
chmod +x "$work"/bin/*
job() { # job NAME [VAR=value ...]: the script as sbatch would start it; its exit status
  (cd "$work/submit" && env "${@:2}" PATH="$work/bin:$PATH" HOME="$work/home" SCRATCH="$work/scratch" \
     SLURM_SUBMIT_DIR="$work/submit" SLURM_CPUS_PER_TASK=1 bash ch-paper.sbatch > "$work/$1.log" 2>&1)
}
status() { /usr/bin/python3 -c "import h5py; v = h5py.File('$1', 'r').attrs.get('status', b''); print(v.decode() if isinstance(v, bytes) else v)"; }
out=$work/scratch/ch-paper/out.h5

set +e; job first FIRST_JOB=1; rc=$?; set -e
cat "$work/first.log"
# (Its exit status is the launcher's: Open MPI's mpiexec exits 1 when it is signalled, MPICH's
# 130 or even 0; the script goes by the file's status.)
grep -q "^interrupted at" "$work/first.log" || fail "the first job did not stop cleanly"
[ "$(status "$out")" = stopped ] || fail "status $(status "$out") after the time limit, expected stopped"
[ "$(wc -l < "$work/sbatch.calls")" = 1 ] || fail "the interrupted job did not queue the next one"
echo "first job: exit $rc, status stopped, next job queued"

set +e; job second; rc=$?; set -e
cat "$work/second.log"
[ $rc -eq 0 ] || fail "the follow-up job exited $rc"
[ "$(status "$out")" = finished ] || fail "status $(status "$out") at the end, expected finished"
[ "$(wc -l < "$work/sbatch.calls")" = 1 ] || fail "the finished job queued another one"
/usr/bin/python3 -c "import h5py; t = h5py.File('$out', 'r')['time'][:]; assert t[-1] == 6.0, t"
echo "second job: continued to t = 6, exit 0, status finished, nothing queued"
echo "PASS"
