"""pytest under mpiexec: every rank runs the same tests in the same order, so the collective
calls inside them meet. A watchdog ends a rank that hangs (an error that left other ranks
waiting) with a traceback instead of letting the job sit until ctest's timeout."""

import faulthandler
import os
import pathlib
import sys

import pytest

import tessera

# Per test: the slowest (the app comparisons on 4 ranks of 2 cores) take a few seconds.
_LIMIT = float(os.environ.get("TESSERA_TEST_LIMIT", "90"))


@pytest.fixture(autouse=True)
def watchdog():
    faulthandler.dump_traceback_later(_LIMIT, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


@pytest.fixture
def work():
    """A directory all ranks share (the test's working directory set by ctest)."""
    path = pathlib.Path(os.environ.get("TESSERA_TEST_WORK", ".")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def rank():
    return tessera.rank()


@pytest.fixture
def size():
    return tessera.size()


def name_for(base):
    """A file name unique to this rank count (tests on 1, 2 and 4 ranks run concurrently)."""
    return "%s_np%d.h5" % (base, tessera.size())


def pytest_configure(config):
    if tessera.rank() != 0:
        # One report is enough: the other ranks print only failures.
        config.option.verbose = -1
    sys.stdout.flush()
