"""The explorers work in a real browser, as a lecturer would use them in front of a class.

End-to-end checks in headless Chromium (Debian's ``/usr/bin/chromium``, driven by the
``playwright`` package; ``playwright install`` is never needed):

* JupyterLab opens ``notebooks/10_train_and_explore_lenet5.ipynb`` (a copy in a temporary
  folder, with ``CNNLAB_QUICK=1`` so training is tiny, and a few cells added at its end),
  runs every cell from the Run menu and waits for the kernel to go idle; meanwhile it stops
  one long training with the view's Stop button and another with the kernel's interrupt, and
  checks that each stopped after a step, said how far it got, and that the cells after it
  ran; a run whose loss is NaN must fail in its cell;
* Voila serves ``dashboard/lenet5_explorer.ipynb`` exactly as ``make dashboard`` does (its
  command, with the kernel culling made seconds long): the kernel of an open page survives
  being idle, the kernel of a closed one is shut down.

In both, every explorer must render a picture that answers the mouse and the keyboard (the
image-index slider, a layer toggle, a confusion-matrix cell, a stroke on the canvas: the
<img> gets a new ``src`` with other bytes), legibly: at 1280 pixels wide every picture shows
at its drawn size, its smallest text at least 14 px, never stretched, with 2 image pixels per
screen pixel at 1920. At 1280 x 800 a clicked confusion cell's gallery is on the screen and
the cell is framed; row percentages never read 0 for a cell with images; the first switch
to the training split shows a busy note; the canvas starts empty and reads a drawn "1" as a
1, naming the runner-up. Each test writes what it measured (answer times, text sizes) to
``screenshots/<lab|voila>_report.json`` beside its screenshots (git-ignored; ``make test``
puts them in its scratch folder instead, through ``CNNLAB_SCREENSHOTS_DIR``).

The widgets are found by the CSS classes of the explorers' contract (``cnnlab-...``, see
:mod:`cnnlab.widgets`), which ipywidgets puts on each widget's element. Every server runs in
its own process group with private Jupyter folders, and is stopped, with its kernels,
whatever happens.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing (Debian: apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is missing (pip install -e '.[dev]')")

from browser_checks import (TRAINING_CELLS, TrainingControls, check_dashboard_page,  # noqa: E402
                            check_training_outputs, exercise_explorers)
from browser_support import (CHROMIUM_ARGS, CONFUSION, DRAW, FEATURE_MAPS, FILTERS,  # noqa: E402
                             ROOT, SCREENSHOTS, TIME_LIMIT, TRAINING, VIEWPORT, Deadline,
                             evidence_on_failure, file_digest, free_port, full_screenshot, kernels,
                             open_page, private_env, server, wait_for_explorers)

pytestmark = pytest.mark.browser

NOTEBOOK = ROOT / "notebooks" / "10_train_and_explore_lenet5.ipynb"
DASHBOARD = ROOT / "dashboard" / "lenet5_explorer.ipynb"
NOTEBOOK_EXPLORERS = [FEATURE_MAPS, FILTERS, CONFUSION, DRAW, TRAINING]
DASHBOARD_EXPLORERS = [FEATURE_MAPS, FILTERS, CONFUSION, DRAW]

# JupyterLab settings for a quiet, deterministic page: no news toast, and every
# cell attached to the DOM (the default windowing detaches cells out of view).
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """One headless Chromium with a fresh profile for the module."""
    with sync_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM),
            headless=True, args=CHROMIUM_ARGS, viewport=VIEWPORT)
        try:
            yield context
        finally:
            context.close()


def save_report(prefix: str, report: dict) -> None:
    path = SCREENSHOTS / f"{prefix}_report.json"
    path.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    print(f"--- {path.name} ---\n{path.read_text(encoding='utf-8')}")


# ------------------------------------------------------------------ JupyterLab


def stripped_copy(notebook: Path, folder: Path, extra_cells=()) -> Path:
    """The notebook without outputs or saved widget state, so what renders is this run's,
    with ``extra_cells`` (sources) added at its end."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    nb["cells"] += [{"cell_type": "code", "execution_count": None, "id": f"browser-test-{i}",
                     "metadata": {}, "outputs": [], "source": source}
                    for i, source in enumerate(extra_cells)]
    nb.get("metadata", {}).pop("widgets", None)
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / notebook.name
    copy.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return copy


NOTEBOOK_STATE_JS = """() => {
    const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
    const status = panel && panel.querySelector('.jp-Notebook-ExecutionIndicator');
    const prompts = panel ? [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
        .map(p => p.textContent.trim()) : [];
    return {status: status ? status.dataset.status : null, prompts};
}"""


def run_all_cells(page, deadline: Deadline, during=None) -> None:
    """Run > Run All Cells, then wait until the kernel has been idle, with no cell queued
    (``[*]``), for two seconds. Should the click run nothing at all (a kernel not quite
    ready), choose the menu item once more. ``during(page)`` is called at every look."""
    def click_run_all():
        page.locator(".lm-MenuBar-item", has_text="Run").first.click(timeout=deadline.ms(10))
        page.locator(".lm-Menu-item", has=page.locator(".lm-Menu-itemLabel", has_text=re.compile(
            r"^Run All Cells$"))).click(timeout=deadline.ms(10))

    click_run_all()
    quiet_since, clicks = None, 1
    while True:
        if during is not None:
            during(page)
        state = page.evaluate(NOTEBOOK_STATE_JS)
        busy = state["status"] != "idle" or any("*" in p for p in state["prompts"])
        now = time.monotonic()
        quiet_since = None if busy else (quiet_since or now)
        if quiet_since is not None and now - quiet_since > 2:
            if any(re.search(r"\d", p) for p in state["prompts"]):
                return
            if now - quiet_since > 10:
                if clicks == 2:
                    pytest.fail(f"Run All Cells ran no cell; prompts: {state['prompts']}")
                click_run_all()
                quiet_since, clicks = None, 2
        try:
            deadline.left()
        except TimeoutError:
            pytest.fail(f"Run All Cells did not finish in {TIME_LIMIT:.0f} s; kernel "
                        f"{state['status']}, prompts: {state['prompts']}")
        page.wait_for_timeout(250)


def code_sources(notebook: Path) -> list[tuple[str, bool]]:
    """(source, input hidden?) of each code cell: a hidden input shows no prompt to read."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return [("".join(c["source"]), bool(c["metadata"].get("jupyter", {}).get("source_hidden")))
            for c in cells if c["cell_type"] == "code"]


def check_notebook_in_lab(browser, notebook: Path, tmp: Path, roots: list[str], prefix: str = "lab"):
    """Open a copy of ``notebook`` in JupyterLab, run all cells (stopping two trainings on the
    way), exercise the explorers."""
    deadline, report = Deadline(TIME_LIMIT), {"answer seconds": {}}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    served = stripped_copy(notebook, tmp / "notebooks", TRAINING_CELLS)
    env = private_env(tmp)
    for name, value in LAB_SETTINGS.items():
        path = tmp / "lab-settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value), encoding="utf-8")
    port, token = free_port(), secrets.token_hex(16)
    argv = [sys.executable, "-m", "jupyterlab", "--allow-root", "--ip", "127.0.0.1", f"--port={port}",
            "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
            "--ServerApp.open_browser=False", f"--ServerApp.root_dir={served.parent}"]
    log = tmp / "jupyterlab.log"
    with server(argv, cwd=served.parent, env=env, port=port, log=log, deadline=deadline), \
            open_page(browser) as page, evidence_on_failure(page, prefix, log):
        deadline.mark("JupyterLab is up")
        page.goto(f"http://127.0.0.1:{port}/lab/tree/{served.name}?token={token}",
                  timeout=deadline.ms(60))
        try:
            page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').wait_for(
                timeout=deadline.ms(90))
        except sync_api.TimeoutError:
            pytest.fail("the notebook's kernel never became idle")
        deadline.mark("notebook open, kernel idle")
        # JupyterLab may ask which kernel to start although the notebook names it: accept.
        with contextlib.suppress(sync_api.Error):
            page.locator(".jp-Dialog .jp-mod-accept").click(timeout=3000)
        # Fold the file browser away, so the notebook gets the width.
        with contextlib.suppress(sync_api.Error):
            page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current").click(timeout=2000)

        controls = TrainingControls(deadline, report)
        run_all_cells(page, deadline, during=controls)
        deadline.mark("Run All Cells done, kernel idle")
        assert not controls.todo, f"these long runs never showed as training: {controls.todo}"
        outputs = page.locator(".jp-NotebookPanel .jp-OutputArea-output").all_inner_texts()
        tracebacks = [t for t in outputs if "Traceback (most recent call last)" in t
                      or re.search(r"^\w+Error\b", t, re.M)]
        assert len(tracebacks) == 1 and "NonFiniteLossError" in tracebacks[0], (
            "a cell raised:\n" + "\n---\n".join(t[-2000:] for t in tracebacks))
        check_training_outputs(page, outputs, report)
        prompts = page.evaluate(NOTEBOOK_STATE_JS)["prompts"]
        sources = code_sources(served)
        assert len(prompts) == len(sources), f"{len(sources)} code cells, {len(prompts)} on the page"
        unexecuted = [f"code cell {i}: {source.strip()[:80]}" for i, ((source, hidden), prompt)
                      in enumerate(zip(sources, prompts))
                      if source.strip() and not hidden and not re.search(r"\d", prompt)]
        assert not unexecuted, "cells left unexecuted by Run All:\n" + "\n".join(unexecuted)

        found = wait_for_explorers(page, roots, deadline)
        deadline.mark("every explorer rendered")
        try:
            exercise_explorers(page, found, deadline, prefix, report)
        finally:
            save_report(prefix, report)
        deadline.mark("explorers exercised")
        full_screenshot(page, ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer",
                        SCREENSHOTS / f"{prefix}_full.png")


def test_notebook_10_explorers_in_jupyterlab(browser, tmp_path):
    before = file_digest(NOTEBOOK)
    check_notebook_in_lab(browser, NOTEBOOK, tmp_path, NOTEBOOK_EXPLORERS)
    assert file_digest(NOTEBOOK) == before, f"{NOTEBOOK} changed on disk while the test ran"


# ----------------------------------------------------------------------- Voila

#: Kernel culling, made short enough to watch: idle for 4 s, checked every second.
CULL_SECONDS = 4


def dashboard_command(port: int) -> tuple[dict, list[str]]:
    """What ``make dashboard`` runs (its culling options included), for this port and with
    the culling made ``CULL_SECONDS`` long: the environment it sets (``CNNLAB_LANG``) and
    the command."""
    out = subprocess.run(["make", "-s", "-n", "dashboard", f"DASHBOARD_PORT={port}",
                          f"DASHBOARD_CULL={CULL_SECONDS}", "DASHBOARD_CULL_EVERY=1"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    argv = shlex.split(out.replace("\\\n", " "))
    env = {}
    while argv and "=" in argv[0] and not argv[0].startswith("-"):
        key, value = argv.pop(0).split("=", 1)
        env[key] = value
    assert env == {"CNNLAB_LANG": "en"}, env
    assert Path(argv[0]).name == "voila" and "--MappingKernelManager.cull_connected=False" in argv \
        and f"--MappingKernelManager.cull_idle_timeout={CULL_SECONDS}" in argv, argv
    return env, [sys.executable, "-m", "voila", *argv[1:]]


def check_dashboard_in_voila(browser, notebook: Path, tmp: Path, roots: list[str], prefix: str = "voila"):
    """Serve the dashboard as ``make dashboard`` does, wait for the explorers, exercise them;
    then check that an idle open page keeps its kernel and a closed one loses it."""
    deadline, report = Deadline(TIME_LIMIT), {"answer seconds": {}}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    port, token = free_port(), secrets.token_hex(16)
    make_env, argv = dashboard_command(port)
    env = {**private_env(tmp), **make_env}
    argv += ["--no-browser", "--Voila.port_retries=0", f"--token={token}",
             "--show_tracebacks=True", f"--Voila.connection_dir_root={tmp}"]
    assert argv[3] == str(notebook.relative_to(ROOT)), argv
    log = tmp / "voila.log"
    with server(argv, cwd=ROOT, env=env, port=port, log=log, deadline=deadline) as proc:
        with open_page(browser) as page, evidence_on_failure(page, prefix, log):
            deadline.mark("Voila is up")
            # Voila executes the notebook while it serves the page.
            page.goto(f"http://127.0.0.1:{port}/?token={token}", timeout=deadline.ms(),
                      wait_until="commit")
            found = wait_for_explorers(page, roots, deadline)
            deadline.mark("every explorer rendered")
            body = page.inner_text("body")
            assert "Traceback (most recent call last)" not in body, f"a dashboard cell raised:\n{body[-3000:]}"
            check_dashboard_page(page, found)
            try:
                exercise_explorers(page, found, deadline, prefix, report)
            finally:
                save_report(prefix, report)
            deadline.mark("explorers exercised")
            full_screenshot(page, "#rendered_cells", SCREENSHOTS / f"{prefix}_full.png")
            page.wait_for_timeout(1000 * (CULL_SECONDS + 3))
            alive = kernels(proc)
            assert len(alive) == 1, f"an open page, idle for {CULL_SECONDS + 3} s, has kernels {alive}"
        closed = time.monotonic()
        while kernels(proc) and time.monotonic() - closed < CULL_SECONDS + 20:
            time.sleep(0.5)
        assert not kernels(proc), (f"the kernel of a closed page was not shut down "
                                   f"{CULL_SECONDS + 20} s later")
        report["kernel of a closed page shut down after (s)"] = round(time.monotonic() - closed, 1)
        deadline.mark("the closed page's kernel was culled")
    save_report(prefix, report)


def test_dashboard_in_voila(browser, tmp_path):
    assert DASHBOARD.exists(), f"{DASHBOARD} is missing"
    before = file_digest(DASHBOARD)
    check_dashboard_in_voila(browser, DASHBOARD, tmp_path, DASHBOARD_EXPLORERS)
    assert file_digest(DASHBOARD) == before, f"{DASHBOARD} changed on disk while the test ran"
