"""Sweeps that fail on purpose: a main process killed, two sweeps racing for one folder (issue 17)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
linux_only = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")


def _env(tmp_path) -> dict:
    temp = tmp_path / "tmp"
    temp.mkdir(exist_ok=True)
    return dict(os.environ, TMPDIR=str(temp), OPENBLAS_NUM_THREADS="1",
                PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))


def _sweep(out, grid, *, epochs=1, n_train=200, env):
    """``python -m cnnlab.sweep`` started; its output goes to files (orphans may hold pipes open)."""
    argv = [sys.executable, "-m", "cnnlab.sweep", "--model", "mlp", "--optimizer", "sgd",
            "--dataset", "mnist-sample", "--n-train", str(n_train), "--n-test", "100",
            "--folds", "2", "--epochs", str(epochs), "--batch-size", "50", "--grid", grid,
            "--no-refit", "--no-progress", "--n-jobs", "2", "--out", str(out)]
    log = Path(out).parent / f"{Path(out).name}-{time.monotonic_ns()}.log"
    with open(log, "w") as stream:
        process = subprocess.Popen(argv, env=env, stdout=stream, stderr=subprocess.STDOUT)
    process.log = log
    return process


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    """Running (a zombie no parent has reaped yet counts as gone)."""
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _wait(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@linux_only
@pytest.mark.processes
def test_sigkill_of_a_sweep_ends_its_workers_within_seconds_and_leaves_no_temporary_file(tmp_path):
    env = _env(tmp_path)
    temp = Path(env["TMPDIR"])
    # trials of a minute or more: a worker still alive at the check is not one finishing its trial
    sweep = _sweep(tmp_path / "out", "lr=0.01,0.02", epochs=200, n_train=2000, env=env)
    family = []
    try:
        started = _wait(lambda: len(_children(sweep.pid)) >= 2 and any(temp.rglob("*.joblib")), 120)
        assert started, sweep.log.read_text() if sweep.poll() is not None else "no workers started"
        time.sleep(1.0)  # the workers have taken their trials
        family.extend(_children(sweep.pid))
        family.extend(pid for child in list(family) for pid in _children(child))
        sweep.send_signal(signal.SIGKILL)
        sweep.wait(timeout=10)
        killed = time.monotonic()
        gone = _wait(lambda: not any(_alive(pid) for pid in family), 10)
        lived = time.monotonic() - killed
        assert gone, f"processes {[p for p in family if _alive(p)]} outlived the sweep by 10 s"
        assert lived < 5, f"the workers took {lived:.1f} s to notice"
        assert _wait(lambda: not any(temp.iterdir()), 5), \
            f"left behind in TMPDIR: {sorted(p.name for p in temp.rglob('*'))}"
    finally:
        for pid in [sweep.pid, *family]:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        sweep.wait()


# -- one sweep at a time in a folder ------------------------------------------------------------

def test_a_folder_in_use_by_a_running_sweep_is_refused_naming_its_process(tmp_path):
    from cnnlab._io import FileLock
    from cnnlab.datasets import load_mnist
    from cnnlab.sweep import Sweep, SweepBusyError
    data = load_mnist(source="sample", n_train=100, n_test=50)
    out = tmp_path / "out"
    out.mkdir()
    sweep = Sweep(data, {"lr": [0.01]}, base={"model": "mlp", "epochs": 1}, n_folds=2, out=out)
    busy = rf"^{out} is in use by another sweep \(process {os.getpid()}\); wait for it to end"
    with FileLock(out / ".lock"), pytest.raises(SweepBusyError, match=busy):  # as another sweep
        sweep.run(n_jobs=1, progress=False)
    assert sorted(p.name for p in out.iterdir()) == [], "nothing written, nothing deleted"


@pytest.mark.processes
def test_two_sweeps_started_together_into_one_folder_one_runs_the_other_is_refused(tmp_path):
    env = _env(tmp_path)
    out = tmp_path / "out"
    a = _sweep(out, "lr=0.01,0.02", env=env)
    b = _sweep(out, "lr=0.03,0.04", env=env)
    codes = sorted([a.wait(timeout=300), b.wait(timeout=300)])
    logs = {p.returncode: p.log.read_text() for p in (a, b)}
    assert codes == [0, 2], logs
    refused = logs[2].strip().splitlines()
    assert len(refused) == 1 and refused[0].startswith("python -m cnnlab.sweep: error: --out "), refused
    assert ("another sweep is running in it (pid " in refused[0]  # refused while the other ran
            or "holds another sweep" in refused[0])                # or after it had finished


@pytest.mark.processes
def test_a_second_sweep_is_refused_while_the_first_runs_and_resuming_after_it_works(tmp_path):
    env = _env(tmp_path)
    out = tmp_path / "out"
    first = _sweep(out, "lr=0.01,0.02", epochs=60, n_train=1000, env=env)
    try:
        assert _wait(lambda: (out / "results.csv").exists() or first.poll() is not None, 120)
        same = {"epochs": 60, "n_train": 1000}
        for grid, options in (("lr=0.03,0.04", {}), ("lr=0.01,0.02", same)):  # another, the same
            second = _sweep(out, grid, **options, env=env)
            assert second.wait(timeout=120) == 2
            assert second.log.read_text() == (f"python -m cnnlab.sweep: error: --out {out}: another "
                                              f"sweep is running in it (pid {first.pid}); wait for it "
                                              f"to end, or choose another --out\n")
        assert first.poll() is None, "the first sweep was still running: the refusals were tested"
    finally:
        assert first.wait(timeout=300) == 0, first.log.read_text()
    again = _sweep(out, "lr=0.01,0.02", epochs=60, n_train=1000, env=env)
    assert again.wait(timeout=120) == 0, again.log.read_text()
    assert "0 trials run, 4 read back" in again.log.read_text()
    assert not (out / ".lock").exists()
