"""tessera.Simulation: models configured from dicts and TOML text, frames, advancing to a time,
the state between frames, and errors raised alike on every rank."""

import pathlib

import numpy as np
import pytest

import tessera
from conftest import name_for

SMALL_CH = {
    "grid": {"shape": [24, 20]},
    "time": {"t_end": 2.0, "dt": 0.01},
    "output": {"interval": 0.5},
    "initial": {"type": "random_uniform", "low": -0.1, "high": 0.1, "seed": 3},
}

SMALL_CH_TOML = """
[grid]
shape = [24, 20]
[time]
t_end = 2.0
dt = 0.01
[output]
interval = 0.5
[initial]
type = "random_uniform"
low = -0.1
high = 0.1
seed = 3
"""


def test_models_are_registered():
    assert {"cahn_hilliard", "mpdata", "shallow_water", "pde"} <= set(tessera.models())
    keys = {k for k, _, _ in tessera.model_keys("cahn_hilliard")}
    assert {"grid.shape", "time.dt", "output.file"} <= keys


def test_frames_times_and_the_output_file(work, rank):
    path = work / name_for("sim_frames")
    sim = tessera.Simulation("cahn_hilliard", SMALL_CH, output=path, overwrite=True)
    frames = list(sim.frames())
    assert [f.index for f in frames] == [0, 1, 2, 3, 4]
    assert [f.time for f in frames] == [0.0, 0.5, 1.0, 1.5, 2.0]
    assert [f.step for f in frames] == [0, 50, 100, 150, 200]
    assert sim.done and sim.time == 2.0 and sim.step == 200
    # Frames keep their own copies.
    assert not np.array_equal(frames[0].fields["c"], frames[-1].fields["c"])
    np.testing.assert_array_equal(frames[-1].fields["c"], sim.fields["c"])
    if rank == 0:
        assert list(tessera.read_dataset(str(path), "time")) == [0.0, 0.5, 1.0, 1.5, 2.0]
        last = tessera.read_dataset(str(path), "c")[-1]
    c = sim.gather("c")
    if rank == 0:
        np.testing.assert_array_equal(c, last)
    else:
        assert c is None


def test_dict_and_toml_text_are_the_same_run(work, rank):
    a = tessera.run("cahn_hilliard", SMALL_CH, output=work / name_for("sim_dict"), overwrite=True)
    b = tessera.run("cahn_hilliard", SMALL_CH_TOML, output=work / name_for("sim_toml"),
                    overwrite=True)
    ga, gb = a.gather("c"), b.gather("c")
    if rank == 0:
        np.testing.assert_array_equal(ga, gb)
    assert a.config == b.config | {"output": a.config["output"]}
    cfg = a.config
    assert cfg["grid"]["shape"] == [24, 20] and cfg["time"]["dt"] == 0.01
    assert "gamma" in str(a.config_toml) or "equation" in cfg  # the model's keys with defaults


def test_advance_to_a_time_and_callbacks(work):
    sim = tessera.Simulation("cahn_hilliard", SMALL_CH, output=work / name_for("sim_adv"),
                             overwrite=True)
    seen = []
    assert sim.advance(1.0, callback=lambda f: seen.append((f.index, f.time))) == 1.0
    assert seen == [(1, 0.5), (2, 1.0)] and not sim.done
    assert sim.advance(1.2) == 1.5  # the first frame at or after 1.2
    assert sim.advance() == pytest.approx(2.0) and sim.done
    assert sim.advance() == 2.0  # nothing left to do


def test_writing_the_state_between_frames_changes_the_run(work, rank, size):
    # c = 0 everywhere is a fixed point of Cahn-Hilliard without reactions: setting the state
    # through the live view between frames must keep the run there.
    sim = tessera.Simulation("cahn_hilliard", SMALL_CH, output=work / name_for("sim_write"),
                             overwrite=True)
    sim.advance(0.5)
    c = sim.state["c"]
    c.interior[...] = 0.0
    sim.advance()
    assert np.all(sim.fields["c"] == 0.0)
    assert c.max_abs() == 0.0


def test_mpdata_runs(work, rank):
    sim = tessera.run("mpdata", config_file=tessera_config("mpdata_rotating_cone.toml"),
                      overrides={"grid.shape": [24, 24], "time.n_steps": 20,
                                 "output.interval": 10},
                      output=work / name_for("sim_mpdata"), overwrite=True)
    assert sim.step == 20 and sim.frame == 2
    assert set(sim.fields) == {"psi"}
    mass = tessera.read_dataset(str(work / name_for("sim_mpdata")), "mass")
    assert abs(mass[-1] - mass[0]) < 1e-9 * abs(mass[0])


def test_mpi_dims_with_minus_one_as_in_py_pde(work, size):
    sim = tessera.Simulation("cahn_hilliard", SMALL_CH, mpi_dims=[1, -1],
                             output=work / name_for("sim_dims"), overwrite=True)
    assert sim.decomposition.mpi_dims == [1, size]
    assert sim.config["parallel"]["mpi_dims"] == [1, size]
    sim.finish()


def test_configuration_errors_are_run_errors_with_the_apps_messages(work):
    with pytest.raises(tessera.RunError) as e:
        tessera.Simulation("cahn_hilliard", {"time": {"d_t": 0.1}})
    assert str(e.value) == ("the configuration dict: unknown key 'time.d_t' "
                            "(did you mean 'time.dt'?)")
    assert e.value.exit_code == 1 and e.value.reporter == 0
    # Agreed errors are also of their kind.
    assert isinstance(e.value, tessera.ConfigError) and type(e.value) is tessera.RunConfigError
    assert e.value.key == "time.d_t"
    with pytest.raises(tessera.ConfigError) as e:
        tessera.Simulation("cahn_hilliard", SMALL_CH, overrides={"time.dt": 0.5},
                           output=work / name_for("sim_unstable_kind"), overwrite=True)
    assert e.value.key == "time.dt" and isinstance(e.value, tessera.RunError)
    with pytest.raises(tessera.IOError):
        tessera.Simulation("cahn_hilliard", SMALL_CH, output="/no/such/dir/y.h5")
    with pytest.raises(tessera.RunError, match="^overrides\\['time.dt'\\]: time.dt: expected a "
                                               "number, got a string"):
        tessera.Simulation("cahn_hilliard", SMALL_CH, overrides={"time.dt": "fast"})
    with pytest.raises(tessera.RunError, match="above the explicit Euler stability limit"):
        tessera.Simulation("cahn_hilliard", SMALL_CH, overrides={"time.dt": 0.5},
                           output=work / name_for("sim_unstable"), overwrite=True)
    with pytest.raises(tessera.RunError, match="cannot create /no/such/dir/x.h5"):
        tessera.Simulation("cahn_hilliard", SMALL_CH, output="/no/such/dir/x.h5")
    with pytest.raises(tessera.UsageError, match="no model named 'navier_stokes'"):
        tessera.Simulation("navier_stokes")
    with pytest.raises(tessera.RunError, match="^the configuration text:1:6: "):
        tessera.Simulation("cahn_hilliard", "[grid\nshape = 3")
    # An existing output: the message names Python's keywords, not the command line's flags.
    taken = work / name_for("sim_taken")
    tessera.run("cahn_hilliard", SMALL_CH, output=taken, overwrite=True)
    with pytest.raises(tessera.RunUsageError, match="exists; pass overwrite=True to replace it, "
                                                    "or choose another name with output=$"):
        tessera.Simulation("cahn_hilliard", SMALL_CH, output=taken)
    # A configuration file that cannot be opened is an I/O error naming it, not a parse error.
    with pytest.raises(tessera.RunIOError, match="^configuration file no_such.toml does not "
                                                 "exist$"):
        tessera.Simulation("cahn_hilliard", config_file="no_such.toml")
    with pytest.raises(tessera.RunIOError, match="is a directory$"):
        tessera.Simulation("cahn_hilliard", config_file=str(work))
    # restart= of a file that is not there names Python's keyword, not the command line's flag.
    with pytest.raises(tessera.RunIOError, match="^restart=: cannot open no_such.h5 as an HDF5 "
                                                 r"file \(it does not exist\); restart= continues"):
        tessera.Simulation("cahn_hilliard", restart="no_such.h5")


def test_ranks_given_different_configurations_are_refused(work, rank, size):
    # A rank-dependent output name is a natural slip in a Python script; the ranks would then
    # write different files and wait in different collectives. Every rank raises instead.
    if size == 1:
        pytest.skip("needs ranks that can differ")
    with pytest.raises(tessera.RunUsageError,
                       match="^the ranks were given different configurations: rank 1 has "
                             "'output.file = \".*sim_rank_1.h5\"' where rank 0 has "
                             "'output.file = \".*sim_rank_0.h5\"'; give every rank the same "
                             "configuration$"):
        tessera.Simulation("cahn_hilliard", SMALL_CH, output=work / f"sim_rank_{rank}.h5",
                           overwrite=True)


def test_an_error_on_one_rank_reaches_every_rank(work, rank, size):
    # The last rank puts a NaN into the middle of its block between frames; one step later (a
    # frame per step) the frame's check finds it there, before it can spread to another block,
    # and every rank raises the same RunError: nobody is left waiting.
    sim = tessera.Simulation("cahn_hilliard", SMALL_CH, overrides={"output.interval": 0.01},
                             output=work / name_for("sim_nan"), overwrite=True)
    sim.advance(0.5)
    if rank == size - 1:
        c = sim.state["c"].interior
        c[c.shape[0] // 2, c.shape[1] // 2] = np.nan
    with pytest.raises(tessera.NumericalError) as e:  # a RunNumericalError
        sim.advance()
    assert isinstance(e.value, tessera.RunError)
    msg = str(e.value)
    assert msg.startswith("rank %d: c became NaN or infinite by t = 0.51" % (size - 1)), msg
    assert e.value.reporter == size - 1


def tessera_config(name):
    import pathlib
    return pathlib.Path(__file__).resolve().parents[2] / "configs" / name


def test_an_interrupt_stops_at_a_frame_and_the_run_goes_on(work, size):
    # A notebook's Ctrl-C (one rank: under mpiexec a signal would reach one rank only).
    if size != 1:
        pytest.skip("an interrupt of one process is a one-rank matter")
    import os
    import signal
    import threading

    sim = tessera.Simulation("cahn_hilliard", SMALL_CH | {"grid": {"shape": [96, 96]}},
                             overrides={"output.interval": 0.01},
                             output=work / name_for("sim_interrupt"), overwrite=True)
    timer = threading.Timer(0.05, lambda: os.kill(os.getpid(), signal.SIGINT))
    with pytest.raises(KeyboardInterrupt):  # the signal comes while C++ runs later frames
        sim.advance(callback=lambda frame: frame.index == 1 and timer.start())
    timer.join()
    # Stopped at a frame: the last one in the file, at the simulation's time.
    times = tessera.read_dataset(str(work / name_for("sim_interrupt")), "time")
    assert 0.0 < sim.time < 2.0 and len(times) == sim.frame + 1 and times[-1] == sim.time
    assert sim.advance() == pytest.approx(2.0) and sim.done


DATA = pathlib.Path(__file__).resolve().parent.parent / "data"


def _reference(path, dataset):
    return tessera.read_dataset(str(path), dataset) if tessera.rank() == 0 else None


@pytest.mark.parametrize("model", ["pde", "cahn_hilliard"])
def test_evolution_rate_is_py_pdes(work, rank, model):
    # py-pde's evolution_rate of its reference's initial field (Neumann sides, k = 0), from the
    # expression string (pde) and from the hand-written solver (cahn_hilliard).
    ref = DATA / "cahn_hilliard" / "2d_neumann_24x40_k0_smooth.h5"
    config = {
        "grid": {"shape": [24, 40], "periodic": False},
        "time": {"t_end": 1.0, "dt": 0.01},
        "output": {"interval": 1.0},
    }
    initial = {"type": "file", "file": str(ref), "dataset": "c", "frame": 0}
    if model == "pde":
        expression = tessera.read_text_attribute(str(ref), "expression")
        config["equation"] = {"c": expression}
        config["initial"] = {"c": initial}
    else:
        config["equation"] = {"k": 0.0}
        config["initial"] = initial
    sim = tessera.Simulation(model, config, output=work / name_for("rate_" + model),
                             overwrite=True)
    rates = sim.evolution_rate()
    assert list(rates) == ["c"]
    ours = rates["c"].gather()
    theirs = _reference(ref, "rhs0")
    if rank == 0:
        assert np.abs(ours - theirs).max() < 1e-12
        assert np.abs(theirs).max() > 1e-3
    # A new field each time, of the state now: after a frame the rate has changed.
    sim.advance(1.0)
    later = sim.evolution_rate()["c"].gather()
    if rank == 0:
        assert np.abs(later - ours).max() > 1e-6


def test_evolution_rate_of_vector_operators_and_errors(work, rank):
    ref = DATA / "pde" / "vector_operators_24x20.h5"
    equations = {n: tessera.read_text_attribute(str(ref), "equation_" + n) for n in ("c", "phi")}
    sim = tessera.Simulation("pde", {
        "grid": {"shape": [24, 20], "spacing": [0.5, 2.0], "periodic": [True, False]},
        "boundary": {"y-": {"type": "dirichlet", "value": 0.3},
                     "y+": {"type": "neumann", "derivative": 0.1}},
        "equation": equations,
        "initial": {n: {"type": "file", "file": str(ref), "dataset": n, "frame": 0}
                    for n in equations},
        "time": {"t_end": 0.01, "dt": 0.001},
    }, output=work / name_for("rate_vector"), overwrite=True, threads=2)
    rates = sim.evolution_rate()
    for n in ("c", "phi"):
        ours = rates[n].gather()
        theirs = _reference(ref, "rhs0_" + n)
        if rank == 0:
            assert np.abs(ours - theirs).max() < 1e-12, n
    mp = tessera.Simulation("mpdata", {"grid": {"shape": [16, 12]}, "time": {"n_steps": 4}},
                            output=work / name_for("rate_mpdata"), overwrite=True)
    with pytest.raises(tessera.UsageError, match="mpdata has no evolution rate"):
        mp.evolution_rate()


def test_a_frame_list_override_replaces_the_configured_interval(work, rank):
    # PyMPDATA-MPI's output_steps as an override: the configuration's output.interval gives way,
    # as with --set on the command line; a list and an interval in the configuration clash.
    config = {"grid": {"shape": [16, 12]}, "time": {"n_steps": 30}, "output": {"interval": 7}}
    sim = tessera.Simulation("mpdata", config, overrides={"output.steps": [0, 4, 10]},
                             output=work / name_for("steps_override"), overwrite=True)
    assert [f.step for f in sim.frames()] == [0, 4, 10, 30]
    config["output"]["steps"] = [4, 10]
    with pytest.raises(tessera.ConfigError, match="give it or output.interval, not both"):
        tessera.Simulation("mpdata", config, output=work / name_for("steps_clash"),
                           overwrite=True)
