"""docs/python.md stays true: its Listing 7 block is the example's text, and its other Python
blocks that are whole programs (they import tessera) run on this rank count."""

import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "python.md").read_text()
BLOCKS = re.findall(r"^```python\n(.*?)^```", DOC, flags=re.S | re.M)


def test_the_listing_is_the_example():
    example = (ROOT / "examples" / "python" / "cahn_hilliard.py").read_text()
    middle = re.search(r"^# -- docs/python.md: begin -+\n(.*?)^# -- docs/python.md: end",
                       example, flags=re.S | re.M).group(1)
    assert middle in BLOCKS, "docs/python.md does not show examples/python/cahn_hilliard.py's block"


@pytest.mark.parametrize("n", [i for i, b in enumerate(BLOCKS) if "import tessera" in b])
def test_block_runs(n, work, monkeypatch):
    monkeypatch.chdir(work)
    code = BLOCKS[n].replace('"file": "run.h5"', '"file": "docs_run_np%d.h5"' % __import__("tessera").size())
    code = code.replace('"t_end": 100.0', '"t_end": 1.0').replace('"interval": 10.0', '"interval": 0.5')
    code = code.replace("[256, 256]", "[32, 32]")
    exec(compile(code, "docs/python.md block %d" % n, "exec"), {"plot": lambda a: a.sum()})
