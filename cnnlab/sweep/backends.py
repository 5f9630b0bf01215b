"""Where trials run: local worker processes (joblib's pool), or a Dask cluster.

Both backends do one thing, :meth:`run`: call ``func(task, shared)`` for every
task and yield the results *as they finish* (in any order; each result says
which trial it belongs to). ``shared`` holds the training arrays, which travel
once, not with every task: the local pool writes them to a temporary file that
its workers memory-map (as ``joblib.Parallel`` does with large arrays), Dask
scatters them to every worker.

Nothing outlives a sweep that is killed. The local pool's file lies in a
folder of this process's own in the temporary folder (``cnnlab-sweep-<pid>-*``,
removed at exit); every worker watches its parent, and when it dies (SIGKILL
included) the worker removes that folder and exits within a second, instead of
finishing its trial and idling for minutes. A folder whose process died before
any worker could remove it is removed by the next sweep that starts.

Threads. Each worker process runs one trial at a time with one BLAS thread:
on a machine with ``n`` cores, ``n`` single-threaded trials side by side beat
``n`` trials fighting over ``n * n`` threads, and a single-threaded BLAS
rounds the same way everywhere. The local pool starts its workers with
``OMP_NUM_THREADS=1``, ``OPENBLAS_NUM_THREADS=1``, ... (:data:`ONE_THREAD_ENV`);
Dask's nanny sets the same variables to 1 in the workers it starts
(``distributed.nanny.pre-spawn-environ``), so a cluster gives the same numbers.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

from .._io import FileLock, remove_if_abandoned
from .._options import check_int
from .trial import TrialError

__all__ = ["LocalBackend", "DaskBackend", "make_backend", "ONE_THREAD_ENV"]

#: Environment of every local worker process: one thread for each BLAS / OpenMP library.
ONE_THREAD_ENV = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                          "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
                                          "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")}


#: In a worker process: the shared object of the latest run, by file (one at a time).
_SHARED = {}
#: How often a worker checks that its parent is alive, in seconds.
WATCH_INTERVAL = 0.5
_PREFIX = "cnnlab-sweep-"
_OWNER = "owner.lock"
#: In the main process: its folder for the shared files, and the lock that says it is alive.
_SESSION = {}


def _watch_parent(parent_pid: int, folder: str) -> None:
    """In a worker (loky's initializer): when the sweep's process dies, remove ``folder`` and exit."""
    def watch():
        while os.getppid() == parent_pid:  # an orphan is adopted by another process
            time.sleep(WATCH_INTERVAL)
        shutil.rmtree(folder, ignore_errors=True)
        os._exit(1)
    threading.Thread(target=watch, name="cnnlab-watch-parent", daemon=True).start()


def _remove_abandoned_sessions() -> None:
    """Remove the folders of sweeps whose process died (nobody holds their owner lock).

    A lock file younger than a few seconds may be one that its process is
    about to lock: left for the next sweep.
    """
    for lock in Path(tempfile.gettempdir()).glob(f"{_PREFIX}*/{_OWNER}"):
        with contextlib.suppress(OSError):
            if lock.stat().st_mtime < time.time() - 5:
                remove_if_abandoned(lock, lambda _, lock=lock: shutil.rmtree(lock.parent,
                                                                             ignore_errors=True))


def _end_session() -> None:
    folder, lock = _SESSION.pop("folder", None), _SESSION.pop("lock", None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
        lock.release()


def _session_folder() -> str:
    """This process's folder for the shared files, made on first use, locked while it lives."""
    folder = _SESSION.get("folder")
    if folder is None or not os.path.isdir(folder):
        _end_session()
        _remove_abandoned_sessions()
        folder = tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-")
        _SESSION["lock"] = FileLock(os.path.join(folder, _OWNER)).acquire()
        _SESSION["folder"] = folder
    return folder


atexit.register(_end_session)


def _call_with_shared(func, task, path):
    """In a worker: ``func(task, shared)``, ``shared`` memory-mapped from ``path`` once per run."""
    if path not in _SHARED:
        import joblib
        _SHARED.clear()
        _SHARED[path] = joblib.load(path, mmap_mode="r")
    return func(task, _SHARED[path])


def _result(future, task):
    """The future's result; an exception raised by the task comes back as a :class:`TrialError`."""
    try:
        return future.result()
    except Exception as exc:
        name = getattr(task, "name", repr(task))
        raise TrialError(f"trial {name} failed: {type(exc).__name__}: {exc}") from exc


class LocalBackend:
    """Trials on this machine, in worker processes of joblib's process pool (loky).

    Every trial runs in a worker process started with one BLAS thread, even with
    ``n_jobs=1``: a BLAS that splits a float32 matrix product over several
    threads rounds differently, so a trial run in this process (with however
    many threads its BLAS uses) could differ from the same trial on a worker in
    the last digits. In worker processes, ``n_jobs=1``, ``n_jobs=2`` and a Dask
    cluster give the same numbers. (``joblib.Parallel`` would run ``n_jobs=1``
    in the calling process, hence joblib's pool itself, loky's
    ``get_reusable_executor``.) To step through one trial in a debugger, call
    :func:`cnnlab.sweep.run_trial` in this process.

    Parameters
    ----------
    n_jobs : int, not 0
        Number of worker processes; ``-1``: one per CPU core (as joblib counts
        them, respecting CPU quotas), ``-2``: all but one, and so on.
    """

    name = "joblib"

    def __init__(self, n_jobs: int = -1):
        import joblib
        n_jobs = check_int("LocalBackend", "n_jobs", n_jobs)
        if n_jobs == 0:
            raise ValueError("LocalBackend: n_jobs=0 runs nothing; expected a number of "
                             "processes (1, 2, ...) or -1 (one per core), -2 (all but one), ...")
        self.n_jobs = n_jobs
        self.workers = n_jobs if n_jobs > 0 else max(1, joblib.cpu_count() + 1 + n_jobs)

    def run(self, func, tasks, shared):
        """Yield ``func(task, shared)`` for every task in ``tasks``, as each finishes.

        If the caller stops early (an error, Ctrl-C), queued tasks are cancelled
        and, if some are still running, the workers are stopped.
        """
        from concurrent.futures import as_completed

        import joblib
        from joblib.externals.loky import get_reusable_executor
        tasks = list(tasks)
        if not tasks:
            return
        # The arrays go to a file once; each worker memory-maps it on its first task.
        folder = _session_folder()
        fd, path = tempfile.mkstemp(dir=folder, prefix="shared-", suffix=".joblib")
        os.close(fd)
        joblib.dump(shared, path)
        # Reused across calls (and sweeps) while its options stay the same.
        executor = get_reusable_executor(max_workers=self.workers, env=ONE_THREAD_ENV, timeout=300,
                                         initializer=_watch_parent, initargs=(os.getpid(), folder))
        futures = {executor.submit(_call_with_shared, func, task, path): task for task in tasks}
        finished = False
        try:
            for future in as_completed(futures):
                yield _result(future, futures[future])
            finished = True
        finally:
            if not finished:
                running = [f for f in futures if not f.cancel() and not f.done()]
                if running:
                    executor.shutdown(wait=False, kill_workers=True)
            with contextlib.suppress(OSError):
                os.unlink(path)  # workers keep their maps open meanwhile

    def close(self):
        """Nothing to release: the pool stays for the next call (idle workers exit after 300 s)."""

    def __repr__(self):
        return f"LocalBackend(n_jobs={self.n_jobs})"


class DaskBackend:
    """Trials as tasks on a Dask cluster (``dask.distributed``).

    Parameters
    ----------
    client : dask.distributed.Client or str
        A connected client (left open), or the scheduler's address, e.g.
        ``"tcp://127.0.0.1:8786"`` (a client is opened, and closed by
        :meth:`close`). The workers need cnnlab installed.
    """

    name = "dask"

    def __init__(self, client):
        try:
            from distributed import Client
        except ImportError:
            raise ImportError("DaskBackend: running on a Dask cluster needs dask.distributed; "
                              "install it with pip install 'cnnlab[cluster]'") from None
        if isinstance(client, str):
            self.client, self._owns = Client(client), True
        elif isinstance(client, Client):
            self.client, self._owns = client, False
        else:
            raise TypeError(f"DaskBackend: expected a dask.distributed.Client or a scheduler "
                            f"address such as 'tcp://127.0.0.1:8786', got {type(client).__name__}")

    def run(self, func, tasks, shared):
        """Yield ``func(task, shared)`` for every task in ``tasks``, as each finishes.

        Unfinished tasks are cancelled if the caller stops early (an error,
        Ctrl-C): nothing keeps running on the cluster for a sweep that stopped.
        """
        from distributed import as_completed
        tasks = list(tasks)
        if not tasks:
            return
        # hash=False: a key of its own, so that releasing it never touches another run's copy
        [shared_future] = self.client.scatter([shared], broadcast=True, hash=False)
        futures = {self.client.submit(func, task, shared_future, pure=False): task for task in tasks}
        try:
            for future in as_completed(list(futures)):
                yield _result(future, futures[future])
        finally:
            with contextlib.suppress(Exception):
                self.client.cancel([f for f in futures if not f.done()])
            for future in [*futures, shared_future]:
                future.release()

    def close(self):
        """Close the client if this backend opened it (from an address)."""
        if self._owns:
            self.client.close()

    def __repr__(self):
        return f"DaskBackend({self.client!r})"


def make_backend(n_jobs=None, client=None):
    """:class:`DaskBackend` if a ``client`` (or address) is given, else :class:`LocalBackend`.

    Parameters
    ----------
    n_jobs : int, optional
        Local processes (default ``-1``, one per core). Not with ``client``:
        a cluster's size is that of its workers.
    client : dask.distributed.Client or str, optional
    """
    if client is not None:
        if n_jobs is not None:
            raise ValueError(f"n_jobs={n_jobs!r} applies to local processes; with a Dask client "
                             f"the cluster's workers decide how many trials run at once. Pass "
                             f"one of n_jobs and client")
        return DaskBackend(client)
    return LocalBackend(-1 if n_jobs is None else n_jobs)
