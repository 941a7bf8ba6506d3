"""Run with PYTHONPATH=<prefix>/lib/python3/dist-packages under mpiexec: the installed package
is the one imported (not the build tree's), its module finds the installed libraries by its
RPATH alone, and a small simulation runs."""

import os
import sys

import tessera

prefix = os.path.realpath(sys.argv[1])
assert os.path.realpath(tessera.__file__).startswith(prefix), tessera.__file__
assert os.path.realpath(tessera._tessera.__file__).startswith(prefix), tessera._tessera.__file__
sim = tessera.run("cahn_hilliard", {"grid": {"shape": [16, 16]}, "time": {"t_end": 1.0, "dt": 0.01},
                                    "output": {"interval": 0.5}},
                  output=sys.argv[2], overwrite=True)
assert sim.done and sim.step == 100, sim.step
print("rank %d: installed package ok (%s)" % (tessera.rank(), os.path.dirname(tessera.__file__)))
