"""tessera's errors as Python exceptions.

Every error tessera raises derives from :class:`Error`. The kinds are those of the C++ error
family (``tessera/error.hpp``), with the same messages:

================  =============================================  ==========================
class             raised when                                    C++
================  =============================================  ==========================
UsageError        a call's arguments cannot work                 ``tessera::usage_error``
ConfigError       a configuration key has a bad value            ``tessera::config_error``
IOError           a file cannot be opened, read or written       ``tessera::io_error``
NumericalError    the numbers went wrong (NaN, a step controller)  ``tessera::numerical_error``
MPIError          an MPI call failed                             ``tessera::comm::mpi_error``
RunError          an error every rank of a simulation agreed on  ``tessera::driver::run_error``
================  =============================================  ==========================

A :class:`RunError` comes from :class:`tessera.Simulation`: whatever went wrong on whichever
rank, every rank raises it with the same message (that of the lowest rank that failed), so no
rank is left waiting. ``exit_code`` is what the command-line app would have exited with, and
``reporter`` the rank (of the simulation's communicator) whose message it is. It is also of the
kind the reporting rank saw: a bad configuration value raises :class:`RunConfigError`, which is
a RunError and a ConfigError (with ``key``), so ``except tessera.ConfigError`` catches it too;
likewise RunUsageError, RunIOError and RunNumericalError.
"""


class Error(Exception):
    """The base of every error tessera raises."""


class UsageError(Error, ValueError):
    """A call's arguments cannot work. ``option`` names the solver option at fault, or ''."""

    option = ""


class ConfigError(Error, ValueError):
    """A configuration value is wrong. ``key`` is the dotted key ('time.dt'), or ''."""

    key = ""


class IOError(Error, OSError):  # noqa: A001 - tessera.IOError, the C++ io_error
    """A file or file-system operation failed; the message names the file and the object."""


class NumericalError(Error, ArithmeticError):
    """The numbers went wrong: a value became NaN or infinite, or a step controller failed."""


class MPIError(Error, RuntimeError):
    """An MPI call failed."""


class RunError(Error):
    """An error every rank of a simulation agreed on (same message and exit code everywhere)."""

    exit_code = 1
    reporter = 0


class RunUsageError(RunError, UsageError):
    """An agreed UsageError."""


class RunConfigError(RunError, ConfigError):
    """An agreed ConfigError (``key`` names the key)."""


class RunIOError(RunError, IOError):
    """An agreed IOError."""


class RunNumericalError(RunError, NumericalError):
    """An agreed NumericalError (e.g. a field became NaN)."""


# The C++ run_error's kind (driver::error_kind) -> the class raised.
RUN_ERRORS = {0: RunError, 1: RunUsageError, 2: RunConfigError, 3: RunIOError,
              4: RunNumericalError}
