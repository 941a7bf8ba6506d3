# Sourced by the fault tests: what a batch job must see when a run fails.
# expect_one_error RC LOG PATTERN: the run ended (not killed by the test's timeout, status 124)
# with exit status 1, and LOG holds PATTERN (a grep regex) exactly once. Prints LOG first.
expect_one_error() {
  local rc=$1 log=$2 pattern=$3 n
  cat "$log"
  [ "$rc" != 124 ] || { echo "FAIL: the run hung"; exit 1; }
  [ "$rc" = 1 ] || { echo "FAIL: exit status $rc, expected 1"; exit 1; }
  n=$(grep -c "$pattern" "$log" || true)
  [ "$n" = 1 ] || { echo "FAIL: the message appeared $n times, expected once"; exit 1; }
}
