"""Runs the Python snippets of a document that are marked as tested: every ```python block
directly preceded by the line `<!-- tested: ... -->`. Each runs with /usr/bin/python3 in
WORKDIR, which holds the files the snippets name (out/cahn_hilliard_demo.h5). A document
without marked blocks fails, so the marks cannot go missing unnoticed.
Usage: check_doc_snippets.py DOC.md WORKDIR"""
import pathlib
import re
import subprocess
import sys

doc, work = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
blocks = re.findall(r"^<!-- tested:[^\n]*-->\n```python\n(.*?)^```", doc.read_text(encoding="utf-8"),
                    flags=re.S | re.M)
assert blocks, f"{doc}: no ```python block marked <!-- tested: ... -->"
for n, code in enumerate(blocks):
    script = work / f"snippet_{n}.py"
    script.write_text(code, encoding="utf-8")
    run = subprocess.run(["/usr/bin/python3", script.name], cwd=work, capture_output=True, text=True,
                         timeout=60)
    print(f"--- {doc.name}, tested block {n}:\n{run.stdout}{run.stderr}")
    if run.returncode != 0:
        raise SystemExit(f"{doc.name}: tested block {n} failed ({run.returncode})")
print(f"{len(blocks)} snippet(s) of {doc.name} ran")
