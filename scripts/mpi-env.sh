# Source this: the run-time settings for Open MPI as root, oversubscribed (more ranks than
# cores) on a small machine. MPICH ignores them. See docs/cluster.md and docs/performance.md for why each is there.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1      # allow more ranks than cores
export OMPI_MCA_hwloc_base_binding_policy=none  # do not pin all threads of a rank to one core
export OMPI_MCA_mpi_yield_when_idle=1           # waiting ranks give the core away
export OMPI_MCA_io=^ompio                       # ROMIO: much faster parallel HDF5 appends
# OpenMP threads that wait at a barrier sleep instead of spinning: with more threads than
# cores a spinning thread burns the time slice another needs (8x slower measured for 4 ranks x
# 2 threads on 2 cores, docs/performance.md).
export OMP_WAIT_POLICY=passive
