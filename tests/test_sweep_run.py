"""cnnlab.sweep end to end on a few hundred sample digits: backends agree, resume, Dask, the CLI."""

import csv
import io
import json
import math
import subprocess
import sys

import numpy as np
import pytest

from cnnlab.datasets import load_mnist
from cnnlab.sweep import (
    FILES,
    PARAMS,
    LogUniform,
    Sweep,
    SweepMismatchError,
    cross_validate,
    grid_search,
    random_search,
)
from cnnlab.sweep.cli import main

GRID = {"lr": [0.02, 0.05], "dropout": [0.0, 0.3]}
BASE = {"model": "mlp", "optimizer": "sgd", "epochs": 1, "batch_size": 40}


@pytest.fixture(scope="module")
def data():
    return load_mnist(source="sample", n_train=240, n_test=100)


def _same(a, b) -> bool:
    """Equal, with NaN equal to NaN (a diverged trial's scores)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def _table(result):
    """Everything a sweep found, but how long it took."""
    untimed = lambda r: {k: v for k, v in r.items() if k != "seconds"}  # noqa: E731
    return {"rows": [untimed(r) for r in result.rows], "summary": [untimed(s) for s in result.summary],
            "best": None if result.best is None else untimed(result.best)}


def _untimed_csv(path):
    rows = list(csv.reader(io.StringIO(path.read_text())))
    at = rows[0].index("seconds")
    return [r[:at] + r[at + 1:] for r in rows]


@pytest.mark.processes
def test_two_processes_give_the_same_table_as_one(data, tmp_path):
    sweep1 = Sweep(data, GRID, base=BASE, n_folds=3, seed=0, out=tmp_path / "one")
    sweep2 = Sweep(data, GRID, base=BASE, n_folds=3, seed=0, out=tmp_path / "two")
    one = sweep1.run(n_jobs=1, progress=False)
    two = sweep2.run(n_jobs=2, progress=False)
    assert one.n_run == two.n_run == 12 and one.n_resumed == 0
    assert _table(one) == _table(two)
    assert [(r["config"], r["fold"]) for r in one.rows] == [(c, f) for c in range(4) for f in range(3)]
    for r in one.rows:
        assert r["status"] == "ok" and 0 < r["val_acc"] <= 1 and r["n_train"] + r["n_val"] == 240
        assert r["n_val"] == 80 and r["epochs_run"] == 1 and r["seconds"] > 0
    for name in FILES:
        assert (tmp_path / "one" / name).is_file(), name
    for name in ("results.csv", "summary.csv"):
        assert _untimed_csv(tmp_path / "one" / name) == _untimed_csv(tmp_path / "two" / name)
    best = json.loads((tmp_path / "one" / "best.json").read_text())
    top = one.summary[0]
    assert best["config"] == top["config"] == one.best["config"] and top["rank"] == 1
    assert best["params"] == {"lr": top["lr"], "dropout": top["dropout"]}
    assert top["mean_val_acc"] == max(s["mean_val_acc"] for s in one.summary)
    assert best["mean_val_acc"] == top["mean_val_acc"] == pytest.approx(
        np.mean([r["val_acc"] for r in one.rows if r["config"] == top["config"]]))
    assert best["n_train"] == 240 and best["n_test"] == 100 and 0.2 < best["test_acc"] <= 1
    assert best["full_config"] == one.best_config and best["full_config"]["model"] == "mlp"
    assert "rank" in one.table() and "mean_val_acc" in repr(one)


@pytest.mark.processes
def test_an_interrupted_sweep_resumes_and_ends_as_if_never_stopped(data, tmp_path):
    straight = Sweep(data, GRID, base=BASE, n_folds=3, seed=0, out=tmp_path / "straight").run(
        n_jobs=2, progress=False)

    out = tmp_path / "resumed"
    first = Sweep(data, GRID, base=BASE, n_folds=3, seed=0, out=out).run(n_jobs=2, progress=False)
    results = out / "results.csv"
    lines = results.read_text().splitlines(keepends=True)
    assert len(lines) == 13
    # as after a crash: five trials written, the sixth cut short, no summary, no refit
    results.write_text("".join(lines[:6]) + lines[6][: len(lines[6]) // 2])
    (out / "summary.csv").unlink()
    (out / "best.json").unlink()

    resumed = Sweep(data, GRID, base=BASE, n_folds=3, seed=0, out=out).run(n_jobs=2, progress=False)
    assert resumed.n_resumed == 5 and resumed.n_run == 7
    assert _table(resumed) == _table(straight)
    assert _untimed_csv(results) == _untimed_csv(tmp_path / "straight" / "results.csv")
    # the five were read back (their recorded times), the seven others trained again
    before = {(r["config"], r["fold"]): r["seconds"] for r in first.rows}
    kept = [r for r in resumed.rows if r["seconds"] == before[(r["config"], r["fold"])]]
    assert [(r["config"], r["fold"]) for r in kept] == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1)]

    # a finished sweep runs nothing, and reads its refit back too
    again = Sweep(data, GRID, base=BASE, n_folds=3, seed=0, out=out).run(n_jobs=2, progress=False)
    assert again.n_run == 0 and again.n_resumed == 12
    assert again.best == resumed.best and _table(again) == _table(straight)

    # another sweep in the same folder is refused, naming the difference
    with pytest.raises(SweepMismatchError, match=r"holds another sweep .* they differ in: seed\. "
                                                 r"Use another output folder, or overwrite=True"):
        Sweep(data, GRID, base=BASE, n_folds=3, seed=1, out=out).run(n_jobs=2, progress=False)
    with pytest.raises(SweepMismatchError, match="they differ in: n_folds, data"):
        Sweep(load_mnist(source="sample", n_train=200), GRID, base=BASE, n_folds=4, seed=0,
              out=out).run(progress=False)
    with pytest.raises(SweepMismatchError, match=r"they differ in: space, configs\. "):
        Sweep(data, {"lr": [0.02]}, base=BASE, n_folds=3, seed=0, out=out).run(progress=False)
    # ... also by results.csv alone (every row carries the sweep's fingerprint)
    (out / "sweep.json").unlink()
    with pytest.raises(SweepMismatchError, match="results.csv holds results of another sweep"):
        Sweep(data, GRID, base=BASE, n_folds=3, seed=1, out=out).run(n_jobs=2, progress=False)
    fresh = Sweep(data, {"lr": [0.02]}, base=BASE, n_folds=2, seed=0, out=out).run(
        n_jobs=2, progress=False, overwrite=True)
    assert fresh.n_run == 2 and fresh.n_resumed == 0 and len(results.read_text().splitlines()) == 3


@pytest.mark.processes
def test_progress_bar_and_diverged_trials(data, capsys):
    result = grid_search(data, {"lr": [0.05, 1e4]}, base=BASE, n_folds=2, seed=0, n_jobs=2)
    err = capsys.readouterr().err
    assert "sweep" in err and "best cv acc" in err and "refit best" in err and "test acc" in err
    assert "RuntimeWarning" not in err, "a diverging trial's overflow warnings are silenced"
    bad = [r for r in result.rows if r["config"] == 1]
    assert [r["status"] for r in bad] == ["diverged", "diverged"]
    assert result.summary[-1]["config"] == 1 and result.summary[-1]["diverged"] == 2
    assert result.best["config"] == 0 and result.best["status"] == "ok"


@pytest.mark.processes
def test_random_search_and_cross_validate(data):
    params = {"lr": LogUniform(1e-2, 1e-1), "batch_size": [30, 60]}
    base = {k: v for k, v in BASE.items() if k != "batch_size"}
    a, b = (random_search(data, params, 3, base=base, n_folds=2, seed=5, n_jobs=2, refit=False,
                          progress=False) for _ in range(2))
    assert a.best is None and len(a.rows) == 6 and _table(a) == _table(b)
    assert all(1e-2 <= r["lr"] < 1e-1 and r["batch_size"] in (30, 60) for r in a.rows)

    cv = cross_validate(data, {**BASE, "lr": 0.05}, n_folds=3, seed=2, n_jobs=2, progress=False)
    assert len(cv.rows) == 3 and len(cv.summary) == 1 and cv.best is None and cv.names == ()
    assert cv.summary[0]["mean_val_acc"] == pytest.approx(np.mean([r["val_acc"] for r in cv.rows]))
    assert cv.summary[0]["std_val_acc"] == pytest.approx(np.std([r["val_acc"] for r in cv.rows]))
    with pytest.raises(TypeError, match="pass the training options as config="):
        cross_validate(data, base=BASE)


@pytest.mark.processes
def test_a_dask_cluster_gives_the_same_table_as_local_processes(data, tmp_path, capsys):
    distributed = pytest.importorskip("dask.distributed",
                                      reason="needs dask.distributed: pip install 'cnnlab[cluster]'")
    sweep = Sweep(data, {"lr": [0.02, 0.05]}, base=BASE, n_folds=2, seed=3, out=tmp_path / "local")
    local = sweep.run(n_jobs=2, progress=False)
    in_memory = Sweep(data, {"lr": [0.02, 0.05]}, base=BASE, n_folds=2, seed=3)
    cli = ["--model", "mlp", "--optimizer", "sgd", "--epochs", "1", "--batch-size", "40",
           "--dataset", "mnist-sample", "--n-train", "240", "--n-test", "100", "--folds", "2",
           "--seed", "3", "--grid", "lr=0.02,0.05", "--out", str(tmp_path / "cli"), "--no-progress"]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            on_dask = in_memory.run(client=client, progress=False)
            assert client.status == "running", "a client passed in is left open"
        by_address = in_memory.run(client=cluster.scheduler_address, progress=False)
        assert main(cli + ["--scheduler", cluster.scheduler_address]) == 0
    assert cluster.status.name == "closed"
    assert _table(on_dask) == _table(local) == _table(by_address)
    assert on_dask.n_run == 4 and on_dask.best["test_acc"] == local.best["test_acc"]
    assert "4 trials run" in capsys.readouterr().out
    for name in ("results.csv", "summary.csv"):
        assert _untimed_csv(tmp_path / "cli" / name) == _untimed_csv(tmp_path / "local" / name)


# -- the command line ----------------------------------------------------------------------------

@pytest.mark.processes
def test_help_documents_the_options():
    text = subprocess.run([sys.executable, "-m", "cnnlab.sweep", "--help"], capture_output=True,
                          text=True, check=True).stdout
    for flag in ("--grid", "--space", "--random", "--folds", "--seed", "--n-jobs", "--scheduler",
                 "--out", "--overwrite", "--dataset", "--n-train", "--no-refit", "loguniform:LOW:HIGH",
                 "results.csv", "summary.csv", "best.json", "tcp://"):
        assert flag in text, flag
    for name in PARAMS:
        assert "--" + name.replace("_", "-") in text, name


@pytest.mark.processes
def test_cli_runs_a_random_search_with_lenet5_and_resumes(tmp_path, capsys):
    out = tmp_path / "sweep"
    argv = ["--model", "lenet5", "--dataset", "mnist-sample", "--n-train", "200", "--n-test", "100",
            "--folds", "2", "--random", "2", "--seed", "0", "--grid", "lr=loguniform:1e-3:1e-2",
            "dropout=0,0.3", "--epochs", "1", "--out", str(out), "--n-jobs", "2", "--no-progress"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "best: config" in printed and "test accuracy" in printed and "4 trials run, 0 read back" in printed
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)
    spec = json.loads((out / "sweep.json").read_text())
    assert spec["space"]["kind"] == "random" and spec["n_folds"] == 2 and len(spec["configs"]) == 2
    assert all(c["model"] == "lenet5" and c["fast"] and c["epochs"] == 1 for c in spec["configs"])
    best = json.loads((out / "best.json").read_text())
    assert best["n_train"] == 200 and best["n_test"] == 100 and best["test_acc"] > 0.1
    assert main(argv) == 0
    assert "0 trials run, 4 read back" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["--grid", "lr=loguniform:1e-4:1e-2"], "is a range; a grid needs a list of values"),
    (["--lr", "0.1", "--grid", "lr=0.1,0.2"], "--lr also in --grid"),
    (["--random", "3", "--grid", "lr=0.1,0.2"], "asked for 3 distinct configurations but the space "
                                                "has only 2"),
    (["--grid", "dropuot=0.1"], "unknown hyperparameter 'dropuot' (did you mean 'dropout'?)"),
    (["--dropout", "1.5"], "expected --dropout in [0, 1), got 1.5"),
    (["--optimizer", "adam", "--grid", "momentum=0,0.9"], "--momentum does not apply to adam"),
    (["--n-jobs", "2", "--scheduler", "tcp://127.0.0.1:1"], "give --n-jobs or --scheduler, not both"),
])
def test_cli_errors(tmp_path, capsys, argv, message):
    common = ["--model", "mlp", "--dataset", "mnist-sample", "--n-train", "100", "--epochs", "1",
              "--folds", "2", "--out", str(tmp_path / "x"), "--no-progress"]
    with pytest.raises(SystemExit) as info:
        main(common + argv)
    assert info.value.code == 2, "a usage error"
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x" / "results.csv").exists()
