# Script mode (tests/examples/CMakeLists.txt), one STEP:
#   install     install the build tree into WORK_DIR/prefix
#   heat, wave  configure + build examples/STEP against that prefix, run its cases on 2 ranks and
#               check each output with check.py
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "command failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  message(STATUS "${out}${err}")
endfunction()

set(prefix ${WORK_DIR}/prefix)
if(STEP STREQUAL "install")
  file(REMOVE_RECURSE ${prefix})
  run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
  return()
endif()

# The example is user code: build it with our warnings (and -Werror when the project uses it).
set(flags "-Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion -Wnon-virtual-dtor")
if(WERROR)
  string(APPEND flags " -Werror")
endif()
set(build ${WORK_DIR}/${STEP})
file(REMOVE_RECURSE ${build})
run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/${STEP} -B ${build}
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
    -DMPI_C_COMPILER=${MPI_C_COMPILER} -DMPI_CXX_COMPILER=${MPI_CXX_COMPILER}
    "-DCMAKE_CXX_FLAGS=${flags}")
run(${CMAKE_COMMAND} --build ${build})

# solve(<case> <check> [solver arguments...]): one run from the example's own config file.
function(solve name check)
  run(${MPIEXEC} -n 2 ${build}/${STEP} --config ${SOURCE_DIR}/examples/${STEP}/${STEP}.toml
      --quiet --overwrite --output ${build}/${name}.h5 ${ARGN})
  run(${PYTHON} ${SOURCE_DIR}/tests/examples/check.py ${check} ${build}/${name}.h5)
endfunction()

if(STEP STREQUAL "heat")
  # 2-D, periodic x Dirichlet (the config as shipped).
  solve(heat_2d heat)
  # 3-D, 2 threads per rank, two Dirichlet dimensions with u = 0.5 on the faces.
  solve(heat_3d heat --threads 2 --thread-dim 2 --set "grid.shape=[24,20,16]"
        --set "grid.spacing=[0.041666666666666667,0.05,0.0625]"
        --set "grid.periodic=[false,true,false]" --set "initial.mode=[1,2,1]"
        --set boundary.all.value=0.5 --set initial.offset=0.5 --set time.dt=2e-4 --set time.t_end=0.01
        --set output.interval=0.001)
  # Backward Euler (libgrid's multigrid) at 16x the explicit limit, 2-D as shipped and 3-D with
  # u = 0.5 on the faces, 2 threads per rank.
  solve(heat_implicit heat --set time.scheme=implicit --set time.dt=1e-3 --threads 2 --thread-dim 1)
  solve(heat_implicit_3d heat --set time.scheme=implicit --threads 2 --thread-dim 0
        --set "grid.shape=[24,20,16]" --set "grid.spacing=[0.041666666666666667,0.05,0.0625]"
        --set "grid.periodic=[false,true,false]" --set "initial.mode=[1,2,1]"
        --set boundary.all.value=0.5 --set initial.offset=0.5 --set time.dt=1e-3 --set time.t_end=0.01
        --set output.interval=0.001)
  # The implicit run restarted halfway on 1 rank x 1 thread: bit for bit the 2 x 2 run (the
  # multigrid computes the same bits on every layout).
  solve(heat_implicit_restart heat --set time.scheme=implicit --set time.dt=1e-3
        --set time.t_end=0.01)
  run(${MPIEXEC} -n 1 ${build}/heat --restart ${build}/heat_implicit_restart.h5 --quiet
      --set time.t_end=0.02)
  run(${PYTHON} ${SOURCE_DIR}/tests/examples/check.py same ${build}/heat_implicit_restart.h5
      ${build}/heat_implicit.h5)
  # Half the run, then --restart to the end on 1 rank x 2 threads: bit for bit the full run.
  solve(heat_restart heat --set time.t_end=0.01)
  run(${MPIEXEC} -n 1 ${build}/heat --restart ${build}/heat_restart.h5 --quiet --threads 2
      --set time.t_end=0.02)
  run(${PYTHON} ${SOURCE_DIR}/tests/examples/check.py same ${build}/heat_restart.h5
      ${build}/heat_2d.h5)
elseif(STEP STREQUAL "wave")
  # Standing mode between fixed sides (x), periodic along y: frequency and energy.
  solve(wave_mode wave)
  solve(wave_mode_threads wave --threads 2 --thread-dim 0 --set parallel.halo_mode=funneled)
  # Half the run, then --restart to the end on 1 rank x 2 threads: bit for bit the full run.
  run(${MPIEXEC} -n 2 ${build}/wave --config ${SOURCE_DIR}/examples/wave/wave.toml --quiet
      --overwrite --output ${build}/wave_restart.h5 --set time.t_end=0.9)
  run(${MPIEXEC} -n 1 ${build}/wave --restart ${build}/wave_restart.h5 --quiet --threads 2
      --set time.t_end=1.8)
  run(${PYTHON} ${SOURCE_DIR}/tests/examples/check.py same ${build}/wave_restart.h5
      ${build}/wave_mode.h5)
  # A plane pulse between two open sides (the example's custom condition): it must leave.
  solve(wave_open open --threads 2 --thread-dim 0 --set "grid.shape=[200,4]"
        --set grid.spacing=0.005 --set boundary.all=open --set initial.type=pulse
        --set "initial.width=[0.05,0]" --set time.t_end=0.8 --set time.dt=0.002
        --set output.interval=0.05)
elseif(STEP STREQUAL "gray_scott")
  # A small Fourier mode of v on u = 1 (periodic, 2 threads per rank) decays at the linear rate.
  set(decay --set "grid.shape=[48,40]" --set initial.u.type=constant --set initial.u.value=1.0
      --set initial.v.type=mode --set "initial.v.mode=[1,2]" --set initial.v.amplitude=1e-9
      --set time.t_end=200.0 --set output.interval=20.0)
  solve(gray_scott_decay gray_scott ${decay} --threads 2 --thread-dim 1)
  # The same case with zero-flux walls and a cosine mode that fits them, in 3-D.
  solve(gray_scott_walls gray_scott ${decay} --set "grid.shape=[24,20,12]" --set grid.periodic=false
        --set "initial.v.mode=[1,1,1]" --set initial.v.walls=neumann)
  # The shipped spots case (shortened), half and then --restart to the end on 1 rank x 2 threads:
  # bit for bit the uninterrupted run.
  run(${MPIEXEC} -n 2 ${build}/gray_scott --config ${SOURCE_DIR}/examples/gray_scott/gray_scott.toml
      --quiet --overwrite --output ${build}/spots.h5 --set time.t_end=400.0 --set output.interval=100.0)
  run(${MPIEXEC} -n 2 ${build}/gray_scott --config ${SOURCE_DIR}/examples/gray_scott/gray_scott.toml
      --quiet --overwrite --output ${build}/spots_restart.h5 --set time.t_end=200.0
      --set output.interval=100.0)
  run(${MPIEXEC} -n 1 ${build}/gray_scott --restart ${build}/spots_restart.h5 --quiet --threads 2
      --set time.t_end=400.0)
  run(${PYTHON} ${SOURCE_DIR}/tests/examples/check.py same ${build}/spots_restart.h5
      ${build}/spots.h5)
else()
  message(FATAL_ERROR "unknown STEP '${STEP}'")
endif()
