"""cnnlab.sweep without training: folds, search spaces, options, seeds, the results file."""

import operator
from types import SimpleNamespace

import numpy as np
import pytest

from cnnlab.datasets import load_mnist
from cnnlab.sweep import (
    GridSpace,
    IntUniform,
    LocalBackend,
    LogUniform,
    RandomSpace,
    Sweep,
    SweepMismatchError,
    TrialError,
    Uniform,
    assign_folds,
    full_config,
    kfold_indices,
    make_backend,
    run_sweep,
    summarize,
    trial_seed,
)
from cnnlab.sweep.results import ResultsFile
from cnnlab.sweep.space import parse_space


@pytest.fixture(scope="module")
def data():
    return load_mnist(source="sample", n_train=300, n_test=100)


# -- folds --------------------------------------------------------------------------------------

@pytest.mark.parametrize("n, k, seed", [(300, 3, 0), (301, 5, 1), (97, 4, 2), (10, 10, 3)])
def test_folds_are_disjoint_cover_the_data_and_are_stratified(n, k, seed):
    y = np.random.default_rng(seed).integers(0, 7, size=n)
    folds = kfold_indices(y, k, rng=np.random.default_rng(seed))
    assert len(folds) == k
    val = np.concatenate([v for _, v in folds])
    assert np.array_equal(np.sort(val), np.arange(n)), "every example is held out exactly once"
    for train, v in folds:
        assert np.intersect1d(train, v).size == 0
        assert np.array_equal(np.union1d(train, v), np.arange(n))
        assert np.all(np.diff(train) > 0) and np.all(np.diff(v) > 0), "indices come sorted"
    sizes = [v.size for _, v in folds]
    assert max(sizes) - min(sizes) <= 1
    for c in np.unique(y):
        per_fold = [np.count_nonzero(y[v] == c) for _, v in folds]
        assert max(per_fold) - min(per_fold) <= 1, f"class {c} spread unevenly: {per_fold}"


def test_folds_are_seeded():
    y = np.repeat(np.arange(10), 30)
    a = assign_folds(y, 5, rng=np.random.default_rng(7))
    b = assign_folds(y, 5, rng=np.random.default_rng(7))
    c = assign_folds(y, 5, rng=np.random.default_rng(8))
    assert a.dtype == np.int64 and a.shape == y.shape and set(a.tolist()) == set(range(5))
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    # without rng: each class dealt out in file order, a fixed choice
    fixed = kfold_indices(np.array([0, 0, 0, 1, 1, 1]), 3)
    assert [v.tolist() for _, v in fixed] == [[0, 3], [1, 4], [2, 5]]
    assert np.array_equal(assign_folds(y, 5), assign_folds(y, 5))


def test_fold_errors():
    y = np.arange(4) % 2
    with pytest.raises(ValueError, match=r"assign_folds: expected n_folds >= 2, got 1"):
        kfold_indices(y, 1)
    with pytest.raises(ValueError, match="n_folds=5 folds need at least 5 examples, got 4"):
        kfold_indices(y, 5)
    with pytest.raises(TypeError, match="expected y to be integer labels of shape"):
        kfold_indices(y.astype(float), 2)
    with pytest.raises(TypeError, match="expected n_folds to be an int"):
        kfold_indices(y, 2.0)
    with pytest.raises(TypeError, match="expected rng to be None or a numpy.random.Generator"):
        kfold_indices(y, 2, rng=0)


# -- spaces --------------------------------------------------------------------------------------

def test_grid_space_order_and_canonical_values():
    space = GridSpace({"lr": [1e-3, 3e-3], "dropout": [0, 0.3], "optimizer": ["sgd"]})
    assert len(space) == 4 and space.names == ("lr", "dropout", "optimizer")
    assert space.points == [
        {"lr": 1e-3, "dropout": 0.0, "optimizer": "sgd"}, {"lr": 1e-3, "dropout": 0.3, "optimizer": "sgd"},
        {"lr": 3e-3, "dropout": 0.0, "optimizer": "sgd"}, {"lr": 3e-3, "dropout": 0.3, "optimizer": "sgd"}]
    assert all(type(p["dropout"]) is float for p in space.points), "0 and 0.0 are one value"
    assert GridSpace({"epochs": [np.int64(2)]}).points == [{"epochs": 2}]
    assert GridSpace({}).points == [{}]
    assert list(space) == space.points and list(space) is not space.points


def test_random_space_is_seeded_distinct_and_in_range():
    params = {"lr": LogUniform(1e-4, 1e-1), "dropout": Uniform(0.0, 0.5), "epochs": IntUniform(1, 3),
              "optimizer": ["sgd", "adam"]}
    a, b = RandomSpace(params, 20, seed=0), RandomSpace(params, 20, seed=0)
    c = RandomSpace(params, 20, seed=1)
    assert a.points == b.points and a.points != c.points
    assert len({tuple(p.items()) for p in a.points}) == 20
    for p in a.points:
        assert 1e-4 <= p["lr"] < 1e-1 and 0 <= p["dropout"] < 0.5 and p["epochs"] in (1, 2, 3)
        assert p["optimizer"] in ("sgd", "adam") and type(p["epochs"]) is int
    # log-uniform: about as many rates per decade
    lrs = np.log10([p["lr"] for p in RandomSpace({"lr": LogUniform(1e-4, 1e-1)}, 300, seed=3).points])
    counts = np.histogram(lrs, bins=[-4, -3, -2, -1])[0]
    assert counts.min() > 70, counts
    # an all-discrete space: distinct draws, up to its size
    small = RandomSpace({"batch_size": [32, 64], "epochs": IntUniform(1, 2)}, 4, seed=0)
    assert sorted((p["batch_size"], p["epochs"]) for p in small.points) == [(32, 1), (32, 2),
                                                                           (64, 1), (64, 2)]
    with pytest.raises(ValueError, match="asked for 5 distinct configurations but the space has "
                                         "only 4; ask for at most 4, or use GridSpace"):
        RandomSpace({"batch_size": [32, 64], "epochs": IntUniform(1, 2)}, 5, seed=0)


def test_space_errors_name_what_was_wrong():
    with pytest.raises(ValueError, match=r"unknown hyperparameter 'dropuot' \(did you mean "
                                         r"'dropout'\?\); expected one of \['model',"):
        GridSpace({"dropuot": [0.1]})
    with pytest.raises(TypeError, match=r"expected a list of values for 'lr', e.g. lr=\[0.001\]"):
        GridSpace({"lr": 0.001})
    with pytest.raises(ValueError, match=r"GridSpace: expected dropout in \[0, 1\), got 1.0"):
        GridSpace({"dropout": [0.5, 1.0]})
    with pytest.raises(ValueError, match=r"expected lr in \(0, inf\), got 0.0"):
        GridSpace({"lr": [0]})
    with pytest.raises(TypeError, match="expected epochs to be an int, got 2.5"):
        GridSpace({"epochs": [2.5]})
    with pytest.raises(ValueError, match=r"unknown optimizer 'adamw'; expected one of "
                                         r"\['sgd', 'adam', 'rmsprop'\]"):
        GridSpace({"optimizer": ["adamw"]})
    with pytest.raises(ValueError, match="'dropout' lists the value 0.0 twice"):
        GridSpace({"dropout": [0, 0.0]})
    with pytest.raises(ValueError, match="'lr' has no values"):
        GridSpace({"lr": []})
    with pytest.raises(ValueError, match="'epochs' takes int values, so Uniform does not apply; "
                                         "use IntUniform or a list"):
        RandomSpace({"epochs": Uniform(1, 3)}, 2, seed=0)
    with pytest.raises(ValueError, match="'optimizer' takes choice values, so LogUniform does not "
                                         "apply; use a list of values"):
        RandomSpace({"optimizer": LogUniform(1, 3)}, 2, seed=0)
    with pytest.raises(ValueError, match="LogUniform: expected 0 < low < high, got low=0"):
        LogUniform(0, 1)
    with pytest.raises(ValueError, match="Uniform: expected low < high, got low=0.5, high=0.1"):
        Uniform(0.5, 0.1)
    with pytest.raises(TypeError, match="IntUniform: expected low to be an int"):
        IntUniform(1.5, 3)
    with pytest.raises(TypeError, match="expected seed to be an int"):
        RandomSpace({"lr": [1e-3]}, 1, seed=None)
    with pytest.raises(TypeError, match="expected a dict of hyperparameters"):
        GridSpace([("lr", [1e-3])])


def test_parse_space_reads_command_line_words():
    params = parse_space("--grid", ["lr=loguniform:1e-4:1e-2", "dropout=0,0.3", "batch-size=32,64",
                                    "activation=relu,none", "batchnorm=true,false",
                                    "epochs=randint:1:3"])
    assert repr(params["lr"]) == "LogUniform(0.0001, 0.01)"
    assert params["dropout"] == [0.0, 0.3] and params["batch_size"] == [32, 64]
    assert params["activation"] == ["relu", None] and params["batchnorm"] == [True, False]
    assert isinstance(params["epochs"], IntUniform) and params["epochs"].high == 3
    with pytest.raises(ValueError, match="cannot read 'lr'; expected NAME=V1,V2"):
        parse_space("--grid", ["lr"])
    with pytest.raises(ValueError, match="'lr' is given twice"):
        parse_space("--grid", ["lr=1e-3", "lr=3e-3"])
    with pytest.raises(ValueError, match="--grid: expected lr to be a number, got 'fast'"):
        parse_space("--grid", ["lr=fast"])
    with pytest.raises(ValueError, match=r"did you mean 'weight_decay'"):
        parse_space("--grid", ["weight_decy=0,1e-4"])
    with pytest.raises(ValueError, match="expected lr=uniform:LOW:HIGH"):
        parse_space("--grid", ["lr=uniform:1"  ":2:3"])


# -- configurations and seeds ---------------------------------------------------------------------

def test_full_config_and_trial_seeds():
    config = full_config("t", {"model": "mlp"}, {"optimizer": "sgd", "dropout": 0})
    assert config["lr"] == 0.01, "lr=None becomes the optimizer's default rate"
    assert config["dropout"] == 0.0 and config["model"] == "mlp" and config["activation"] is None
    same = full_config("t", {"optimizer": "sgd"}, {"dropout": 0.0, "model": "mlp"})
    assert same == config
    draw = lambda seed, cfg, fold: trial_seed(seed, cfg, fold).generate_state(4).tolist()  # noqa: E731
    assert draw(0, config, 1) == draw(0, same, 1), "the seed depends on the values, not on spelling"
    other = full_config("t", {"model": "mlp"}, {"optimizer": "sgd", "dropout": 0.1})
    states = {tuple(draw(s, c, f)) for s in (0, 1) for c in (config, other) for f in (None, 0, 1)}
    assert len(states) == 12, "seed, configuration and fold each change the trial's seed"


def test_sweep_seeds_trials_by_configuration_not_by_position(data):
    a = Sweep(data, {"lr": [1e-3, 3e-3]}, base={"model": "mlp"}, n_folds=3, seed=4)
    b = Sweep(data, {"lr": [3e-3, 1e-3, 1e-2]}, base={"model": "mlp"}, n_folds=3, seed=4)
    seeds_a = {(t.config["lr"], t.fold): t.seed_sequence().generate_state(2).tolist() for t in a.trials}
    seeds_b = {(t.config["lr"], t.fold): t.seed_sequence().generate_state(2).tolist() for t in b.trials}
    assert all(seeds_a[k] == seeds_b[k] for k in seeds_a)
    assert len(a.trials) == 6 and [t.key for t in a.trials[:3]] == [(0, 0), (0, 1), (0, 2)]
    assert np.array_equal(a.fold, b.fold), "the folds depend on the seed and labels only"
    assert a.sweep_id != b.sweep_id and len(a.sweep_id) == 16
    assert Sweep(data, {"lr": [1e-3, 3e-3]}, base={"model": "mlp"}, n_folds=3, seed=4).sweep_id \
        == a.sweep_id


def test_sweep_options_are_checked(data):
    with pytest.raises(TypeError, match=r"Sweep: unknown option 'n_fold' \(did you mean 'n_folds'\?\)"):
        Sweep(data, n_fold=3)
    with pytest.raises(ValueError, match=r"Sweep: unknown hyperparameter 'learning_rate'"):
        Sweep(data, base={"learning_rate": 0.1})
    with pytest.raises(ValueError, match=r"\['lr'\] are both in base and in the search space"):
        Sweep(data, {"lr": [1e-3]}, base={"lr": 1e-2})
    with pytest.raises(ValueError, match="Sweep: expected n_folds >= 2, got 1"):
        Sweep(data, n_folds=1)
    with pytest.raises(TypeError, match="expected space to be a GridSpace, a RandomSpace or a dict"):
        Sweep(data, [1e-3])
    with pytest.raises(TypeError, match="expected data with numpy arrays x_train and y_train"):
        Sweep((data.x_train, data.y_train))
    with pytest.raises(ValueError, match=r"configuration 1 \{'momentum': 0.9\} cannot be trained: "
                                         r"--momentum does not apply to adam"):
        Sweep(data, {"momentum": [0.0, 0.9]}, base={"optimizer": "adam"})
    with pytest.raises(ValueError, match="configuration 0 .* cannot be trained: SGD: nesterov=True "
                                         "needs momentum > 0"):
        Sweep(data, {"nesterov": [True]}, base={"optimizer": "sgd"})
    small = SimpleNamespace(x_train=data.x_train[:, :, :14, :14], y_train=data.y_train)
    with pytest.raises(ValueError, match=r"configuration 0 \{\} cannot be trained: .*784"):
        Sweep(small, base={"model": "mlp"})
    sweep = Sweep(data, base={"model": "mlp"}, n_folds=2)
    with pytest.raises(TypeError, match=r"Sweep.run: unknown option 'njobs' \(did you mean 'n_jobs'\?\)"):
        sweep.run(njobs=2)
    with pytest.raises(ValueError, match="overwrite=True needs an output folder"):
        sweep.run(overwrite=True)
    with pytest.raises(TypeError, match=r"run_sweep: unknown option 'fold' \(did you mean"):
        run_sweep(data, fold=3)
    with pytest.raises(ValueError, match="n_jobs=0 runs nothing"):
        make_backend(0)
    with pytest.raises(ValueError, match="n_jobs=2 applies to local processes; with a Dask client"):
        make_backend(2, client="tcp://127.0.0.1:1")
    with pytest.raises(TypeError, match="expected a dask.distributed.Client or a scheduler address"):
        make_backend(client=3)


@pytest.mark.processes
def test_a_failing_trial_is_named():
    with pytest.raises(TrialError, match="trial 1 failed: ZeroDivisionError: division by zero") as info:
        list(LocalBackend(1).run(operator.truediv, [1], 0))
    assert isinstance(info.value.__cause__, ZeroDivisionError)


# -- the results file ------------------------------------------------------------------------------

def _row(config, fold, lr, acc=0.5):
    return {"config": config, "fold": fold, "lr": lr, "status": "ok", "val_acc": acc,
            "val_loss": 1 / 3, "train_acc": 0.1 + 0.2, "train_loss": 2.0, "n_train": 200,
            "n_val": 100, "epochs_run": 1, "seconds": 0.25}


def test_results_file_round_trip_repair_and_mismatch(tmp_path):
    path = tmp_path / "results.csv"
    rows = [_row(0, 0, 1e-3), _row(0, 1, 1e-3, acc=float("nan")), _row(1, 0, 3e-3)]
    f = ResultsFile(path, "abc", ["lr"])
    assert f.open() == []
    for row in rows:
        f.append(row)
    f.close()
    assert ResultsFile(path, "abc", ["lr"]).open()[0] == rows[0], "floats read back exactly"
    back = ResultsFile(path, "abc", ["lr"]).open()
    assert np.isnan(back[1]["val_acc"]) and back[2] == rows[2]

    # a write cut short: the partial last line is dropped and the file repaired
    text = path.read_text()
    path.write_text(text + text.splitlines()[1][:17])
    f = ResultsFile(path, "abc", ["lr"])
    assert len(f.open()) == 3
    f.close()
    assert path.read_text() == text
    # a header cut short: the file starts afresh
    path.write_text("sweep,con")
    f = ResultsFile(path, "abc", ["lr"])
    assert f.open() == []
    f.close()
    assert path.read_text() == "sweep,config,fold,lr,status,val_acc,val_loss,train_acc,train_loss," \
                               "n_train,n_val,epochs_run,seconds\n"

    path.write_text(text)
    with pytest.raises(SweepMismatchError, match=r"holds results of another sweep \(fingerprint "
                                                 r"'abc' on line 2; this sweep's is 'xyz'\)"):
        ResultsFile(path, "xyz", ["lr"]).open()
    with pytest.raises(SweepMismatchError, match=r"has the columns \['sweep', 'config', 'fold', "
                                                 r"'lr', .*this sweep writes"):
        ResultsFile(path, "abc", ["dropout"]).open()
    lines = text.splitlines(keepends=True)
    path.write_text(lines[0] + lines[1][:20] + "\n" + "".join(lines[2:]))
    with pytest.raises(ValueError, match=r"line 2: expected 13 fields, found \d+; the file is damaged"):
        ResultsFile(path, "abc", ["lr"]).open()


def test_summary_means_stds_and_ranking():
    points = [{"lr": 1e-3}, {"lr": 3e-3}, {"lr": 1e-2}]
    rows = [_row(0, 0, 1e-3, 0.5), _row(0, 1, 1e-3, 0.7), _row(1, 0, 3e-3, 0.8), _row(1, 1, 3e-3, 0.8),
            _row(2, 0, 1e-2, 0.99), dict(_row(2, 1, 1e-2, float("nan")), status="diverged")]
    summary = summarize(rows, points)
    assert [s["config"] for s in summary] == [1, 0, 2], "a configuration with a diverged fold is last"
    assert [s["rank"] for s in summary] == [1, 2, 3]
    assert summary[1]["mean_val_acc"] == pytest.approx(0.6) and summary[1]["std_val_acc"] == \
        pytest.approx(0.1), "population std (ddof=0)"
    assert summary[0]["std_val_acc"] == 0 and summary[2]["diverged"] == 1 and summary[0]["n_folds"] == 2
    assert summary[0]["lr"] == 3e-3 and summary[0]["seconds"] == 0.5
