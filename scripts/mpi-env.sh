# Source this: the run-time settings for Open MPI as root, oversubscribed (more ranks than
# cores) on a small machine. MPICH ignores them. See docs/running.md for why each is there.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1      # allow more ranks than cores
export OMPI_MCA_hwloc_base_binding_policy=none  # do not pin all threads of a rank to one core
export OMPI_MCA_mpi_yield_when_idle=1           # waiting ranks give the core away
export OMPI_MCA_io=^ompio                       # ROMIO: much faster parallel HDF5 appends
