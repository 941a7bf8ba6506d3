"""The Python API gives the command-line apps' output files bit for bit: the same
configuration (read from the app's TOML file into a dict, with the same settings) through
tessera.Simulation on the same rank count, every dataset and attribute compared exactly with
the app's file (written by the ctest fixture, app_cases.py run-apps)."""

import os
import pathlib
import subprocess
import sys
import tomllib

import pytest

import tessera
from app_cases import CASES, CONFIGS, app_file


def nested(settings):
    """{"a.b": v} as {"a": {"b": v}}."""
    out = {}
    for key, value in settings.items():
        *path, last = key.split(".")
        table = out
        for p in path:
            table = table.setdefault(p, {})
        table[last] = value
    return out


def merge(base, more):
    for k, v in more.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            merge(base[k], v)
        else:
            base[k] = v
    return base


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_file_as_the_app(name, work, rank, size):
    model, config_name, settings = CASES[name]
    reference = app_file(work, name, size)
    if not reference.exists():
        pytest.fail("%s is missing: the fixture python_app_refs_np%d writes it" % (reference, size))
    config = tomllib.loads((CONFIGS / config_name).read_text())
    merge(config, nested(settings))
    out = pathlib.Path(work) / ("py_%s_np%d.h5" % (name, size))
    sim = tessera.run(model, config, output=out, overwrite=True)
    assert sim.done
    ok = True
    if rank == 0:
        r = subprocess.run([sys.executable, str(pathlib.Path(__file__).with_name("app_cases.py")),
                            "compare", str(reference), str(out)],
                           capture_output=True, text=True, timeout=60,
                           env={k: v for k, v in os.environ.items() if not k.startswith("OMPI")})
        ok = r.returncode == 0
        print(r.stdout, r.stderr)
    assert ok
