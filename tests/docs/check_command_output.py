#!/usr/bin/python3
"""A command shown in the docs prints what the docs show: finds the ```sh block of DOC that
contains MATCH and the ```text block right after it, runs the block's command (its `mpiexec` as
MPIEXEC, `build-openmpi/` as BUILD/) in the source tree, and compares the output line by line.

    check_command_output.py DOC MATCH MPIEXEC BUILD
"""
import pathlib
import re
import shlex
import subprocess
import sys

doc, match, mpiexec, build = sys.argv[1:5]
text = pathlib.Path(doc).read_text()
# Fenced blocks in order: (language, body, text between the previous block and this one).
blocks = []
at = 0
for m in re.finditer(r"^```(\w*)\n(.*?)^```\n", text, flags=re.S | re.M):
    blocks.append((m.group(1), m.group(2), text[at:m.start()]))
    at = m.end()
chosen = [(a[1], b[1]) for a, b in zip(blocks, blocks[1:])
          if a[0] == "sh" and b[0] == "text" and not b[2].strip() and match in a[1]]
if len(chosen) != 1:
    sys.exit("FAIL: %s: %d sh blocks with '%s' followed by a text block, expected 1"
             % (doc, len(chosen), match))
command, shown = chosen[0]
words = [mpiexec if w == "mpiexec" else w.replace("build-openmpi/", build.rstrip("/") + "/")
         for w in shlex.split(command.strip())]
root = pathlib.Path(doc).resolve().parents[1]
r = subprocess.run(words, capture_output=True, text=True, cwd=root, timeout=120)
print(r.stdout)
print(r.stderr, file=sys.stderr)
got = [line.rstrip() for line in r.stdout.strip("\n").splitlines()]
want = [line.rstrip() for line in shown.strip("\n").splitlines()]
if r.returncode != 0 or got != want:
    for g, w in zip(got + [""] * len(want), want + [""] * len(got)):
        if g != w:
            print("FAIL: first difference:\n  docs:   %r\n  output: %r" % (w, g), file=sys.stderr)
            break
    sys.exit("FAIL: %s: '%s' exited %d / printed other text than the docs show"
             % (doc, match, r.returncode))
print("ok: %s: the output of the block with '%s' is what the docs show" % (doc, match))
