"""One run of a submitted notebook in one kernel: the part of grading that talks to Jupyter.

:func:`_attempt` starts a kernel in the submission's temporary copy, runs the
chosen cells one by one with their time limits, then the grading cell, and
says how the run ended (:class:`_Run`); :mod:`cnnlab.course.grade_run` decides
what to do about it (rerun without a cell, give up) and writes the notes.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import logging
import math
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..i18n import _

STATUSES = ("passed", "failed", "not attempted", "missing", "error")
_LOG = logging.getLogger("cnnlab.course.grade.kernel")  # nbclient's own complaints, kept quiet

def _seconds(value: float) -> str:
    return _("{value} s").format(value=f"{value:g}")

def _clean_results(raw) -> list[dict]:
    """The grader's list, checked: every item a dict with the fields feedback needs."""
    if not isinstance(raw, list) or not all(isinstance(r, dict) for r in raw):
        raise ValueError(f"expected a list of dicts, got {type(raw).__name__}")
    out = []
    for r in raw:
        item = {"id": str(r.get("id", "?")), "kind": str(r.get("kind", "exercise")),
                "title": str(r.get("title", "") or ""), "status": str(r.get("status", "error")),
                "points": float(r.get("points") or 0.0), "max_points": float(r.get("max_points") or 0.0),
                "message": str(r.get("message", "") or ""), "diagnosis": str(r.get("diagnosis", "") or "")}
        if item["status"] not in STATUSES:
            item["status"] = "error"
        if not math.isfinite(item["points"]):
            item["points"] = 0.0
        item["points"] = min(max(item["points"], 0.0), item["max_points"])
        out.append(item)
    return out


# -- one run of a notebook in one kernel ---------------------------------------------------
@dataclass
class _Run:
    """What one attempt did. ``stop``: None (ran to the end), "died", "stuck", "deadline" or
    "start"; ``cell``: the cell it stopped in."""

    stop: str | None = None
    cell: int | None = None
    detail: str = ""
    timed_out: list = field(default_factory=list)
    errors: list = field(default_factory=list)   # (cell, ename, evalue)
    results: list | None = None
    grading_problem: str | None = None


def _client_class():
    from nbclient import NotebookClient

    class _Client(NotebookClient):
        """Keeps outputs of the grading cell only (and every cell's errors)."""

        keep_outputs_of: int = -1

        def output(self, outs, msg, display_id, cell_index):
            if cell_index != self.keep_outputs_of and msg["msg_type"] != "error":
                return None
            return super().output(outs, msg, display_id, cell_index)

    return _Client


def _kernel_manager():
    """A kernel manager for ``python3`` of *this* interpreter, whatever kernelspecs are installed."""
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    class _ThisPython(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):
            return KernelSpec(argv=[sys.executable, "-Xfrozen_modules=off", "-m", "ipykernel_launcher",
                                    "-f", "{connection_file}"],
                              name="python3", display_name="Python 3 (cnnlab grading)",
                              language="python", resource_dir="")

    return AsyncKernelManager(kernel_name="python3", kernel_spec_manager=_ThisPython())


def _default_signals() -> None:
    """Undo nbclient's SIGINT/SIGTERM handlers: they would turn a SIGTERM meant for this worker
    into a kernel restart. Without them the worker stops, and its kernel, which polls its
    parent, stops within a second."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(Exception):
            loop.remove_signal_handler(sig)


def _first_error(cell):
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return out.get("ename", "Error"), out.get("evalue", "")
    return None


async def _run_cell(client, cell, index: int, limit: float):
    """Execute one cell; ``"ok"``, ``"died"`` or ``"limit"`` (still running after ``limit``
    seconds: the kernel has been killed)."""
    from nbclient.exceptions import DeadKernelError
    task = asyncio.ensure_future(client.async_execute_cell(cell, index))
    done, _ = await asyncio.wait({task}, timeout=max(limit, 0.01))
    if not done:
        with contextlib.suppress(Exception):
            await client.km.shutdown_kernel(now=True)
        task.cancel()
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await task
        return "limit"
    exc = task.exception()
    if isinstance(exc, DeadKernelError):
        return "died"
    if exc is not None:
        raise exc
    return "ok"


async def _attempt(nb, skip: set, workdir: Path, grading_source: str, marker: str,
                   cell_timeout: float, timeout: float, log) -> _Run:
    import nbformat
    run = _Run()
    grace = min(10.0, max(2.0, cell_timeout))   # after an interrupt, before the kernel is killed
    grading_timeout = max(cell_timeout, 60.0)
    cells = [copy.deepcopy(c) for c in nb.cells]
    grading = nbformat.v4.new_code_cell(grading_source)
    cells.append(grading)
    limit = [cell_timeout]
    client = _client_class()(nbformat.v4.new_notebook(cells=cells), km=_kernel_manager(),
                             timeout_func=lambda cell: limit[0], interrupt_on_timeout=True,
                             allow_errors=True, record_timing=False, shutdown_kernel="immediate",
                             startup_timeout=60, log=_LOG)
    client.keep_outputs_of = len(cells) - 1
    env = {**os.environ, "CNNLAB_QUICK": "1", "CNNLAB_MY_LAYERS": str(workdir / "my_layers.py"),
           "MPLBACKEND": "Agg"}
    started = False
    try:
        async with client.async_setup_kernel(env=env, cwd=str(workdir), cleanup_kc=True,
                                             stdout=log, stderr=log):
            started = True
            _default_signals()
            deadline = time.monotonic() + timeout
            for i, cell in enumerate(cells[:-1]):
                if cell.cell_type != "code" or not cell.source.strip() or i in skip:
                    continue
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    run.stop, run.cell = "deadline", i
                    break
                limit[0] = cell_timeout
                start = time.monotonic()
                status = await _run_cell(client, cell, i, min(remaining, cell_timeout + grace))
                if status == "died":
                    run.stop, run.cell = "died", i
                    break
                if status == "limit":
                    run.stop = "deadline" if time.monotonic() >= deadline - 0.05 else "stuck"
                    run.cell = i
                    break
                if time.monotonic() - start >= cell_timeout:
                    run.timed_out.append(i)
                else:
                    error = _first_error(cell)
                    if error:
                        run.errors.append((i, *error))
                cell.outputs = []
            else:
                limit[0] = grading_timeout
                status = await _run_cell(client, grading, len(cells) - 1, grading_timeout + grace)
                interrupted = (_first_error(grading) or ("",))[0] == "KeyboardInterrupt"
                if status == "died":
                    run.grading_problem = _("the kernel died while your functions were scored "
                                            "(one of them ended the Python process)")
                elif status == "limit" or interrupted:
                    run.grading_problem = _("scoring was stopped after {seconds}: one of your "
                                            "functions did not return").format(
                                                seconds=_seconds(grading_timeout))
                else:
                    run.results, run.grading_problem = _parse_grading(grading, marker)
    except Exception as exc:  # the kernel did not start, or something of ours broke
        if run.stop is None and run.results is None and run.grading_problem is None:
            run.stop = "crash" if started else "start"
            run.detail = f"{type(exc).__name__}: {exc}".strip()
            if not started:
                log.flush()
                lines = [ln.strip() for ln in Path(log.name).read_text(errors="replace").splitlines()
                         if ln.strip() and not ln.startswith("[")]
                if lines:  # the kernel's last words: 'ModuleNotFoundError: ...'
                    run.detail += f" ({lines[-1][:200]})"
    finally:
        current = asyncio.current_task()
        for task in asyncio.all_tasks():
            if task is not current:
                task.cancel()
    return run


def _parse_grading(cell, marker: str):
    """(results, None) from the grading cell's JSON line, or (None, what went wrong)."""
    text = "".join(o.get("text", "") for o in cell.get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == "stdout")
    for line in text.splitlines():
        if line.startswith(marker):
            try:
                return _clean_results(json.loads(line[len(marker):])), None
            except (ValueError, TypeError) as exc:
                return None, _("the grader's result could not be read ({error})").format(error=exc)
    error = _first_error(cell)
    if error:
        return None, _("the grader failed: {name}: {message}").format(name=error[0], message=error[1])
    return None, _("the grading cell printed no result (was sys.stdout replaced?)")
