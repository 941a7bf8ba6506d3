#pragma once
/// \file
/// The one place tessera includes <mpi.h>. MPI's deprecated C++ bindings are switched off: they
/// are not used, they slow compilation and they do not compile cleanly with -Wextra -Werror.

#ifndef OMPI_SKIP_MPICXX
#define OMPI_SKIP_MPICXX 1
#endif
#ifndef MPICH_SKIP_MPICXX
#define MPICH_SKIP_MPICXX 1
#endif
#include <mpi.h>
