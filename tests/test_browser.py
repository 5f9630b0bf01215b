"""The explorers work in a real browser, as a lecturer would use them.

Two end-to-end checks in headless Chromium (Debian's ``/usr/bin/chromium``,
driven by the ``playwright`` package; ``playwright install`` is never needed):

* JupyterLab opens ``notebooks/10_train_and_explore_lenet5.ipynb`` (a copy in
  a temporary folder, with ``CNNLAB_QUICK=1`` so training is tiny), runs every
  cell from the Run menu and waits for the kernel to go idle;
* Voila serves ``dashboard/lenet5_explorer.ipynb``.

In both, every explorer must render a picture, and the pictures must answer
the mouse and the keyboard: the image-index slider changes the feature maps, a
confusion-matrix cell changes the gallery, a stroke on the canvas changes the
DrawDigit picture. "Changes" means the <img> gets a new ``src`` *and* the PNG
behind it has other bytes. Screenshots land in ``screenshots/`` (git-ignored).

The widgets are found by the CSS classes of the explorers' contract
(``cnnlab-feature-map-explorer``, ``cnnlab-picture``, ``cnnlab-cm-cell-T-P``,
...), which ipywidgets puts on each widget's element.

Every server runs in its own process group with private Jupyter folders, and
is stopped, with its kernels, whatever happens.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import signal
import socket
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

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "10_train_and_explore_lenet5.ipynb"
DASHBOARD = ROOT / "dashboard" / "lenet5_explorer.ipynb"
SCREENSHOTS = ROOT / "screenshots"

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 900}
TIME_LIMIT = 180.0  # seconds, for each of the two tests from server start to the last check

FEATURE_MAPS = "cnnlab-feature-map-explorer"
FILTERS = "cnnlab-filter-viewer"
CONFUSION = "cnnlab-confusion-explorer"
DRAW = "cnnlab-draw-digit"
TRAINING = "cnnlab-training-view"
NOTEBOOK_EXPLORERS = [FEATURE_MAPS, FILTERS, CONFUSION, DRAW, TRAINING]
DASHBOARD_EXPLORERS = [FEATURE_MAPS, FILTERS, CONFUSION, DRAW]

# JupyterLab settings for a quiet, deterministic page: no news toast, and every
# cell attached to the DOM (the default windowing detaches cells out of view).
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


# --------------------------------------------------------------------------- time


class Deadline:
    """One time budget shared by every wait of a test."""

    def __init__(self, seconds: float):
        self.start = time.monotonic()
        self.end = self.start + seconds

    def mark(self, what: str) -> None:
        """Print the time since the start (pytest shows it with -s, or on failure)."""
        print(f"{time.monotonic() - self.start:6.1f} s  {what}")

    def left(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"the browser test ran out of its {TIME_LIMIT:.0f} s")
        return left

    def ms(self, at_most: float | None = None) -> float:
        """Milliseconds left (for playwright), capped at ``at_most`` seconds."""
        left = self.left()
        return 1000 * (left if at_most is None else min(left, at_most))


# ------------------------------------------------------------------ processes


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_time(pid: int) -> str | None:
    """Field 22 of /proc/PID/stat, which tells a process from a later one with its PID."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def _descendants(pid: int) -> list[tuple[int, str]]:
    """(pid, start time) of every process below ``pid``. Jupyter starts each kernel in a
    session of its own, so killing the server's process group does not reach them."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], list(children.get(pid, []))
    while todo:
        child = todo.pop()
        start = _start_time(child)
        if start is not None:
            found.append((child, start))
        todo += children.get(child, [])
    return found


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM the server's process group (Jupyter and Voila then shut their kernels
    down), SIGKILL after a grace period, then any of its descendants still alive."""
    family = _descendants(proc.pid)
    for sig, grace in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        if proc.poll() is not None:
            break
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(grace)
    end = time.monotonic() + 5
    while (alive := [(p, s) for p, s in family if _start_time(p) == s]) and time.monotonic() < end:
        time.sleep(0.2)
    for pid, _ in alive:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@contextlib.contextmanager
def _server(argv: list[str], *, cwd: Path, env: dict, port: int, log: Path, deadline: Deadline):
    """Run a server in its own process group until the block ends; wait for its port."""
    with open(log, "w") as out:
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"{argv[2]} exited with {proc.returncode}:\n{_tail(log)}")
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                    break
                deadline.left()
                time.sleep(0.2)
            yield proc
        finally:
            _stop(proc)


def _tail(path: Path, chars: int = 4000) -> str:
    return path.read_text(errors="replace")[-chars:] if path.exists() else ""


def _private_env(tmp: Path) -> dict:
    """This environment (so CNNLAB_MNIST_DIR and friends pass through) with private Jupyter
    folders, so nothing is read from or left in ~/.jupyter, the quick setting, and no
    download attempts (data already on the machine is still found)."""
    env = dict(os.environ)
    for name in ("JUPYTER_TOKEN", "JUPYTER_PORT", "JUPYTER_CONFIG_PATH", "JUPYTER_PATH"):
        env.pop(name, None)
    env.update(
        JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
        JUPYTER_CONFIG_DIR=str(tmp / "config"),
        JUPYTER_DATA_DIR=str(tmp / "data"),
        JUPYTERLAB_SETTINGS_DIR=str(tmp / "lab-settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp / "lab-workspaces"),
        IPYTHONDIR=str(tmp / "ipython"),
        CNNLAB_QUICK="1",
        PYTHONUNBUFFERED="1",
    )
    env.setdefault("CNNLAB_OFFLINE", "1")
    return env


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -------------------------------------------------------------------- browser


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


@contextlib.contextmanager
def _page(browser):
    """A new tab that records the page's errors, for the failure messages."""
    page = browser.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(f"pageerror: {exc}"))
    page.on("console", lambda msg: msg.type == "error" and page.errors.append(f"console: {msg.text}"))
    try:
        yield page
    finally:
        page.close()


def _context(page) -> str:
    errors = "\n".join(page.errors[-15:]) or "(none)"
    return f"browser errors:\n{errors}"


@contextlib.contextmanager
def _evidence_on_failure(page, prefix: str, log: Path):
    """If the block fails: a screenshot of the page, the server's log and the browser's errors."""
    try:
        yield
    except BaseException:
        with contextlib.suppress(Exception):
            page.screenshot(path=str(SCREENSHOTS / f"{prefix}_failure.png"))
        print(f"--- {log.name} (end) ---\n{_tail(log)}\n--- {_context(page)}")
        raise


PNG_DIGEST_JS = """async img => {
    const bytes = await (await fetch(img.src)).arrayBuffer();
    const hash = await crypto.subtle.digest('SHA-256', bytes);
    return [...new Uint8Array(hash)].map(b => b.toString(16).padStart(2, '0')).join('');
}"""


# The canvas as a reader sees it: each pixel composited over the white page, hashed.
CANVAS_AS_SEEN_JS = """async el => {
    const canvas = el.tagName === 'CANVAS' ? el : el.querySelector('canvas');
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    const seen = new Uint8Array(data.length / 4 * 3);
    for (let i = 0, j = 0; i < data.length; i += 4) {
        const a = data[i + 3] / 255;
        for (let k = 0; k < 3; k++) seen[j++] = Math.round(data[i + k] * a + 255 * (1 - a));
    }
    const hash = await crypto.subtle.digest('SHA-256', seen);
    return [...new Uint8Array(hash)].map(b => b.toString(16).padStart(2, '0')).join('');
}"""


def _picture(root, cls: str = "cnnlab-picture"):
    """The <img> of the ipywidgets.Image with class ``cls`` inside ``root``."""
    return root.locator(f"img.{cls}, .{cls} img").first


def _snapshot(img) -> tuple[str, str]:
    """(src, SHA-256 of the PNG bytes behind it) of an <img>."""
    return img.get_attribute("src"), img.evaluate(PNG_DIGEST_JS)


def _wait_changed(page, img, before: tuple[str, str], deadline: Deadline,
                  at_most: float = 30) -> bool:
    """Wait until ``img`` shows another picture than ``before``: a new src and new bytes."""
    end = time.monotonic() + min(at_most, deadline.left())
    while time.monotonic() < end:
        src = img.get_attribute("src")
        if src and src != before[0]:
            with contextlib.suppress(sync_api.Error):  # a blob URL revoked under our feet
                if img.evaluate(PNG_DIGEST_JS) != before[1]:
                    return True
        page.wait_for_timeout(200)
    return False


def _wait_for_explorers(page, roots: list[str], deadline: Deadline) -> dict:
    """Every explorer's root is rendered and its picture shows a loaded PNG; return the roots."""
    found = {}
    for name in roots:
        root = page.locator(f".{name}").first
        try:
            root.wait_for(state="attached", timeout=deadline.ms())
            img = _picture(root)
            img.wait_for(state="attached", timeout=deadline.ms(30))
            page.wait_for_function(
                "img => /^(blob|data):/.test(img.src) && img.complete && img.naturalWidth > 0",
                arg=img.element_handle(timeout=deadline.ms(30)), timeout=deadline.ms(30))
        except sync_api.TimeoutError:
            pytest.fail(f"explorer .{name} did not render its picture (an <img> with class "
                        f"cnnlab-picture, showing a PNG)\n{_context(page)}")
        found[name] = root
    body = page.inner_text("body")
    assert "Error displaying widget" not in body, f"a widget failed to render\n{_context(page)}"
    return found


def _shoot(page, locator, path: Path) -> None:
    """Screenshot one element. One taller than the window would be cut off by the page's own
    scrolling panel, so the window grows to fit it for the shot."""
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    tall = box is not None and box["height"] + 200 > VIEWPORT["height"]
    if tall:  # room for JupyterLab's menu, toolbar and status bar too
        page.set_viewport_size({"width": VIEWPORT["width"], "height": int(box["height"]) + 400})
        page.wait_for_timeout(300)
        locator.scroll_into_view_if_needed()
    locator.screenshot(path=str(path), animations="disabled")
    if tall:
        page.set_viewport_size(VIEWPORT)


def _exercise_explorers(page, roots: dict, deadline: Deadline, prefix: str) -> None:
    """Drive each explorer with the mouse and the keyboard; screenshot each one."""

    # Feature maps: the image-index slider, by keyboard on its handle.
    fm = roots[FEATURE_MAPS]
    picture = _picture(fm)
    before = _snapshot(picture)
    handle = fm.locator(".cnnlab-image-index .noUi-handle").first
    handle.scroll_into_view_if_needed(timeout=deadline.ms(10))
    handle.focus()
    handle.press("ArrowRight")
    assert _wait_changed(page, picture, before, deadline), (
        f"pressing ArrowRight on the image-index slider did not change the feature-map "
        f"picture\n{_context(page)}")
    _shoot(page, fm, SCREENSHOTS / f"{prefix}_feature_maps.png")

    _shoot(page, roots[FILTERS], SCREENSHOTS / f"{prefix}_filters.png")

    # Confusion matrix: click the cell of the most common mistake not already shown (a bold
    # cell is the one shown), else the fullest diagonal cell.
    cm = roots[CONFUSION]
    cells = cm.locator(".cnnlab-cm-cell")
    labelled = []
    for cls, text, weight in cells.evaluate_all(
            "bs => bs.map(b => [b.className, b.innerText, getComputedStyle(b).fontWeight])"):
        m = re.search(r"\bcnnlab-cm-cell-(\d+)-(\d+)\b", cls)
        assert m, f"a .cnnlab-cm-cell button has no cnnlab-cm-cell-T-P class: {cls!r}"
        count = int(text.strip()) if text.strip().isdigit() else 0
        shown = weight.isdigit() and int(weight) >= 600
        labelled.append((not shown, m[1] != m[2] and count > 0, count, m[0]))
    assert len(labelled) == 100, f"expected 10 x 10 confusion-matrix cells, found {len(labelled)}"
    gallery = _picture(cm, "cnnlab-gallery")
    before = _snapshot(gallery)
    changed = False
    for *_, cell in sorted(labelled, reverse=True)[:2]:
        cm.locator(f".{cell}").click(timeout=deadline.ms(10))
        if _wait_changed(page, gallery, before, deadline, at_most=20):
            changed = True
            break
    assert changed, f"clicking confusion-matrix cells did not change the gallery\n{_context(page)}"
    _shoot(page, cm, SCREENSHOTS / f"{prefix}_confusion.png")

    # DrawDigit: a stroke down the middle of the canvas, like a "1".
    dd = roots[DRAW]
    picture = _picture(dd)
    before = _snapshot(picture)
    canvas = dd.locator(".cnnlab-canvas").first
    canvas.scroll_into_view_if_needed(timeout=deadline.ms(10))
    ink_before = canvas.evaluate(CANVAS_AS_SEEN_JS)
    box = canvas.bounding_box()
    assert box and box["width"] > 20 and box["height"] > 20, f"the canvas is not visible: {box}"
    x = box["x"] + box["width"] * 0.5
    page.mouse.move(x, box["y"] + box["height"] * 0.2)
    page.mouse.down()
    for i in range(1, 16):
        page.mouse.move(x + i * 0.3, box["y"] + box["height"] * (0.2 + 0.6 * i / 15))
        page.wait_for_timeout(20)
    page.mouse.up()
    assert _wait_changed(page, picture, before, deadline), (
        f"a stroke on the canvas did not change the DrawDigit picture\n{_context(page)}")
    _shoot(page, dd, SCREENSHOTS / f"{prefix}_draw_digit.png")
    ink_after = canvas.evaluate(CANVAS_AS_SEEN_JS)
    assert ink_after != ink_before, (
        "the stroke changed the picture but does not show on the canvas: the canvas's drawing "
        "commands got lost (ipycanvas commands sent before the browser showed the canvas, e.g. "
        "while Voila executed the notebook, never arrive, and leave later ones without a target "
        "canvas), or the ink is the colour of the page")

    if TRAINING in roots:
        _shoot(page, roots[TRAINING], SCREENSHOTS / f"{prefix}_training.png")


# ------------------------------------------------------------------ JupyterLab


def _stripped_copy(notebook: Path, folder: Path) -> Path:
    """The notebook without outputs or saved widget state, so what renders is this run's."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
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


def _run_all_cells(page, deadline: Deadline) -> None:
    """Run > Run All Cells, then wait until the kernel has been idle, with no cell queued
    (``[*]``), for two seconds. Should the click run nothing at all (a kernel not quite
    ready), choose the menu item once more."""
    def click_run_all():
        page.locator(".lm-MenuBar-item", has_text="Run").first.click(timeout=deadline.ms(10))
        page.locator(".lm-Menu-item", has=page.locator(".lm-Menu-itemLabel", has_text=re.compile(
            r"^Run All Cells$"))).click(timeout=deadline.ms(10))

    click_run_all()
    quiet_since, clicks = None, 1
    while True:
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


def _code_sources(notebook: Path) -> list[tuple[str, bool]]:
    """(source, input hidden?) of each code cell: a hidden input shows no prompt to read."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return [("".join(c["source"]), bool(c["metadata"].get("jupyter", {}).get("source_hidden")))
            for c in cells if c["cell_type"] == "code"]


def check_notebook_in_lab(browser, notebook: Path, tmp: Path, roots: list[str], prefix: str = "lab"):
    """Open a copy of ``notebook`` in JupyterLab, run all cells, exercise the explorers."""
    deadline = Deadline(TIME_LIMIT)
    SCREENSHOTS.mkdir(exist_ok=True)
    served = _stripped_copy(notebook, tmp / "notebooks")
    env = _private_env(tmp)
    for name, value in LAB_SETTINGS.items():
        path = tmp / "lab-settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value), encoding="utf-8")
    port, token = _free_port(), secrets.token_hex(16)
    argv = [sys.executable, "-m", "jupyterlab", "--allow-root", "--ip", "127.0.0.1", f"--port={port}",
            "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
            "--ServerApp.open_browser=False", f"--ServerApp.root_dir={served.parent}"]
    log = tmp / "jupyterlab.log"
    with _server(argv, cwd=served.parent, env=env, port=port, log=log, deadline=deadline), \
            _page(browser) as page, _evidence_on_failure(page, prefix, log):
        deadline.mark("JupyterLab is up")
        page.goto(f"http://127.0.0.1:{port}/lab/tree/{served.name}?token={token}",
                  timeout=deadline.ms(60))
        try:
            page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').wait_for(
                timeout=deadline.ms(90))
        except sync_api.TimeoutError:
            pytest.fail("the notebook's kernel never became idle")
        deadline.mark("notebook open, kernel idle")
        # Fold the file browser away, so the notebook gets the width.
        with contextlib.suppress(sync_api.Error):
            page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current").click(timeout=2000)

        _run_all_cells(page, deadline)
        deadline.mark("Run All Cells done, kernel idle")
        outputs = page.locator(".jp-NotebookPanel .jp-OutputArea-output").all_inner_texts()
        tracebacks = [t for t in outputs if "Traceback (most recent call last)" in t]
        assert not tracebacks, "a cell raised:\n" + tracebacks[0][-3000:]
        prompts = page.evaluate(NOTEBOOK_STATE_JS)["prompts"]
        sources = _code_sources(served)
        assert len(prompts) == len(sources), f"{len(sources)} code cells, {len(prompts)} on the page"
        unexecuted = [f"code cell {i}: {source.strip()[:80]}" for i, ((source, hidden), prompt)
                      in enumerate(zip(sources, prompts))
                      if source.strip() and not hidden and not re.search(r"\d", prompt)]
        assert not unexecuted, "cells left unexecuted by Run All:\n" + "\n".join(unexecuted)

        found = _wait_for_explorers(page, roots, deadline)
        deadline.mark("every explorer rendered")
        _exercise_explorers(page, found, deadline, prefix)
        deadline.mark("explorers exercised")
        _full_screenshot(page, ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer",
                         SCREENSHOTS / f"{prefix}_full.png")


# Scroll a panel; return (scrollTop, height of its content down to the last cell, clientHeight).
# Not scrollHeight: JupyterLab pads the end of a notebook with about a window's height.
SCROLL_JS = """([sel, top]) => {
    const el = document.querySelector(sel);
    if (!el) return [0, 0, 0];
    if (top !== null) el.scrollTop = top;
    const cells = el.querySelectorAll('.jp-Cell');
    const last = cells.length ? cells[cells.length - 1] : null;
    const content = last ? last.getBoundingClientRect().bottom - el.getBoundingClientRect().top
                           + el.scrollTop + 16 : el.scrollHeight;
    return [el.scrollTop, Math.min(content, el.scrollHeight), el.clientHeight];
}"""


def _full_screenshot(page, scroller: str, path: Path, max_height: int = 12000) -> None:
    """The whole page, top to bottom. JupyterLab and Voila's lab template scroll inside a
    fixed-size element, so the window grows to show all of its content; a page taller than
    ``max_height`` pixels is saved in overlapping parts (``NAME.png``, ``NAME_2.png``, ...)."""
    for stale in path.parent.glob(f"{path.stem}_*.png"):
        if stale.stem[len(path.stem) + 1:].isdigit():
            stale.unlink()
    _, content, client = page.evaluate(SCROLL_JS, [scroller, 0])
    content = int(content) + 1
    chrome = VIEWPORT["height"] - client           # menus, toolbars, status bar
    top, part = 0, 1
    while True:
        last = chrome + content - top <= max_height
        page.set_viewport_size({"width": VIEWPORT["width"],
                                "height": max(VIEWPORT["height"], chrome + content - top) if last
                                else max_height})
        page.wait_for_timeout(500)
        top, content, client = page.evaluate(SCROLL_JS, [scroller, top])
        content = int(content) + 1
        page.wait_for_timeout(300)
        name = path if part == 1 else path.with_name(f"{path.stem}_{part}{path.suffix}")
        page.screenshot(path=str(name), animations="disabled")
        if last or top + client >= content:
            break
        top, part = top + client - 200, part + 1
    page.set_viewport_size(VIEWPORT)


def test_notebook_10_explorers_in_jupyterlab(browser, tmp_path):
    before = _digest(NOTEBOOK)
    check_notebook_in_lab(browser, NOTEBOOK, tmp_path, NOTEBOOK_EXPLORERS)
    assert _digest(NOTEBOOK) == before, f"{NOTEBOOK} changed on disk while the test ran"


# ----------------------------------------------------------------------- Voila


def check_dashboard_in_voila(browser, notebook: Path, tmp: Path, roots: list[str], prefix: str = "voila"):
    """Serve ``notebook`` with Voila, wait for the explorers, exercise them."""
    deadline = Deadline(TIME_LIMIT)
    SCREENSHOTS.mkdir(exist_ok=True)
    env = _private_env(tmp)
    port, token = _free_port(), secrets.token_hex(16)
    argv = [sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={port}",
            "--Voila.ip=127.0.0.1", "--Voila.port_retries=0", f"--token={token}",
            "--show_tracebacks=True", f"--Voila.connection_dir_root={tmp}"]
    log = tmp / "voila.log"
    with _server(argv, cwd=notebook.parent, env=env, port=port, log=log, deadline=deadline), \
            _page(browser) as page, _evidence_on_failure(page, prefix, log):
        deadline.mark("Voila is up")
        # Voila executes the notebook while it serves the page.
        page.goto(f"http://127.0.0.1:{port}/?token={token}", timeout=deadline.ms(), wait_until="commit")
        found = _wait_for_explorers(page, roots, deadline)
        deadline.mark("every explorer rendered")
        body = page.inner_text("body")
        assert "Traceback (most recent call last)" not in body, f"a dashboard cell raised:\n{body[-3000:]}"
        _exercise_explorers(page, found, deadline, prefix)
        deadline.mark("explorers exercised")
        _full_screenshot(page, "#rendered_cells", SCREENSHOTS / f"{prefix}_full.png")


def test_dashboard_in_voila(browser, tmp_path):
    assert DASHBOARD.exists(), f"{DASHBOARD} is missing"
    before = _digest(DASHBOARD)
    check_dashboard_in_voila(browser, DASHBOARD, tmp_path, DASHBOARD_EXPLORERS)
    assert _digest(DASHBOARD) == before, f"{DASHBOARD} changed on disk while the test ran"
