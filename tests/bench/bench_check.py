"""What the benchmarks' smoke checks (check_*.py here) share: run a benchmark, echo its output
(ctest keeps it for a failed test), split its CSV, and end with one FAIL line per failure."""
import subprocess
import sys


class Run:
    """A benchmark's run: `failures` (a non-zero exit already in it), `comments` (lines that
    start with '#'), `header` and `rows` (the other non-empty lines, split at commas), and
    `stderr`."""

    def __init__(self, command, timeout=600):
        r = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        print(r.stdout)
        print(r.stderr, file=sys.stderr)
        self.stderr = r.stderr
        self.failures = []
        if r.returncode != 0:
            self.failures.append("exit code %d, expected 0" % r.returncode)
        lines = [line for line in r.stdout.splitlines() if line.strip()]
        self.comments = [line for line in lines if line.startswith("#")]
        table = [line.split(",") for line in lines if not line.startswith("#")]
        self.header = table[0] if table else []
        self.rows = table[1:]

    def fail(self, what):
        self.failures.append(what)

    def finish(self):
        """Prints each failure and exits: 1 if there was any, 0 otherwise."""
        for f in self.failures:
            print("FAIL: " + f, file=sys.stderr)
        sys.exit(1 if self.failures else 0)
