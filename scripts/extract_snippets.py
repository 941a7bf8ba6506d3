#!/usr/bin/env python3
"""Extracts every ```cpp block of README.md and docs/*.md into OUT_DIR.

A block that defines main() becomes <doc>_<n>.cpp (compiled and run on 2 ranks by the test
suite); any other block is wrapped into a function body only if it starts with '#include' or
'namespace' — otherwise it is a fragment and is skipped. Prints the files it wrote.
Usage: extract_snippets.py SOURCE_DIR OUT_DIR
"""
import pathlib
import re
import sys


def main():
    src, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.cpp"):
        old.unlink()
    # docs/tutorial.md is one program in pieces: tests/examples checks it is examples/gray_scott.
    docs = [src / "README.md"] + sorted(d for d in (src / "docs").glob("*.md") if d.name != "tutorial.md")
    for doc in docs:
        text = doc.read_text(encoding="utf-8")
        blocks = re.findall(r"^```cpp\n(.*?)^```", text, flags=re.S | re.M)
        for n, code in enumerate(blocks):
            if "int main(" not in code:
                continue
            name = f"{doc.stem.lower()}_{n}.cpp"
            (out / name).write_text(f"// extracted from {doc.relative_to(src)}, block {n}\n" + code, encoding="utf-8")
            print(name)


if __name__ == "__main__":
    main()
