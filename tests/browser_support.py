"""What the browser tests share: one time budget, servers in process groups that are always
stopped with their kernels, private Jupyter folders, and helpers to find, compare and
photograph the explorers' pictures in headless Chromium (driven by playwright).

Imported by ``test_browser.py`` and ``browser_checks.py`` only after they have checked that
Chromium and playwright are there.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from playwright import sync_api

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(os.environ.get("CNNLAB_SCREENSHOTS_DIR") or ROOT / "screenshots")  # make test: its scratch folder
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 900}
TIME_LIMIT = 240.0  # seconds, for each test from server start to the last check

FEATURE_MAPS = "cnnlab-feature-map-explorer"
FILTERS = "cnnlab-filter-viewer"
CONFUSION = "cnnlab-confusion-explorer"
DRAW = "cnnlab-draw-digit"
TRAINING = "cnnlab-training-view"


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_time(pid: int) -> str | None:
    """Field 22 of /proc/PID/stat, which tells a process from a later one with its PID."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def descendants(pid: int) -> list[tuple[int, str]]:
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
        start = start_time(child)
        if start is not None:
            found.append((child, start))
        todo += children.get(child, [])
    return found


def stop_server(proc: subprocess.Popen) -> None:
    """SIGTERM the server's process group (Jupyter and Voila then shut their kernels
    down), SIGKILL after a grace period, then any of its descendants still alive."""
    family = descendants(proc.pid)
    for sig, grace in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        if proc.poll() is not None:
            break
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(grace)
    end = time.monotonic() + 5
    while (alive := [(p, s) for p, s in family if start_time(p) == s]) and time.monotonic() < end:
        time.sleep(0.2)
    for pid, _ in alive:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@contextlib.contextmanager
def server(argv: list[str], *, cwd: Path, env: dict, port: int, log: Path, deadline: Deadline):
    """Run a server in its own process group until the block ends; wait for its port."""
    with open(log, "w") as out:
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"{' '.join(argv[:3])} exited with {proc.returncode}:\n{tail(log)}")
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                    break
                deadline.left()
                time.sleep(0.2)
            yield proc
        finally:
            stop_server(proc)


def kernels(proc: subprocess.Popen) -> list[int]:
    """The pids of the Jupyter kernels a server has started and that are still running."""
    found = []
    for pid, _ in descendants(proc.pid):
        with contextlib.suppress(OSError):
            if b"ipykernel" in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(pid)
    return found


def tail(path: Path, chars: int = 4000) -> str:
    return path.read_text(errors="replace")[-chars:] if path.exists() else ""


def private_env(tmp: Path) -> dict:
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


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -------------------------------------------------------------------- browser


@contextlib.contextmanager
def open_page(browser):
    """A new tab that records the page's errors, for the failure messages."""
    page = browser.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(f"pageerror: {exc}"))
    page.on("console", lambda msg: msg.type == "error" and page.errors.append(f"console: {msg.text}"))
    try:
        yield page
    finally:
        page.close()


def page_errors(page) -> str:
    errors = "\n".join(page.errors[-15:]) or "(none)"
    return f"browser errors:\n{errors}"


@contextlib.contextmanager
def evidence_on_failure(page, prefix: str, log: Path):
    """If the block fails: a screenshot of the page, the server's log and the browser's errors."""
    try:
        yield
    except BaseException:
        with contextlib.suppress(Exception):
            page.screenshot(path=str(SCREENSHOTS / f"{prefix}_failure.png"))
        print(f"--- {log.name} (end) ---\n{tail(log)}\n--- {page_errors(page)}")
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


def picture_of(root, cls: str = "cnnlab-picture"):
    """The <img> of the ipywidgets.Image with class ``cls`` inside ``root``."""
    return root.locator(f"img.{cls}, .{cls} img").first


WATCH_SRC_JS = """img => {
    img.__changedAt = null;
    if (img.__watch) img.__watch.disconnect();
    img.__watch = new MutationObserver(() => { img.__changedAt ??= performance.now(); });
    img.__watch.observe(img, {attributes: true, attributeFilter: ['src']});
    return performance.now();
}"""


def snapshot(img) -> tuple[str, str, float]:
    """(src, SHA-256 of the PNG bytes behind it, the page's clock) of an <img>, watching from
    now on for the moment its src changes."""
    return img.get_attribute("src"), img.evaluate(PNG_DIGEST_JS), img.evaluate(WATCH_SRC_JS)


def wait_changed(page, img, before: tuple[str, str, float], deadline: Deadline,
                 at_most: float = 30) -> float | None:
    """Wait until ``img`` shows another picture than ``before``: a new src and new bytes.
    Return the seconds from the snapshot to the first new src (the answer's time), or None."""
    end = time.monotonic() + min(at_most, deadline.left())
    while time.monotonic() < end:
        src = img.get_attribute("src")
        if src and src != before[0]:
            with contextlib.suppress(sync_api.Error):  # a blob URL revoked under our feet
                if img.evaluate(PNG_DIGEST_JS) != before[1]:
                    return (img.evaluate("img => img.__changedAt") - before[2]) / 1000
        page.wait_for_timeout(50)
    return None


def wait_for_explorers(page, roots: list[str], deadline: Deadline) -> dict:
    """Every explorer's root is rendered and its picture shows a loaded PNG; return the roots."""
    found = {}
    for name in roots:
        root = page.locator(f".{name}").first
        try:
            root.wait_for(state="attached", timeout=deadline.ms())
            img = picture_of(root)
            img.wait_for(state="attached", timeout=deadline.ms(30))
            page.wait_for_function(
                "img => /^(blob|data):/.test(img.src) && img.complete && img.naturalWidth > 0",
                arg=img.element_handle(timeout=deadline.ms(30)), timeout=deadline.ms(30))
        except sync_api.TimeoutError:
            pytest.fail(f"explorer .{name} did not render its picture (an <img> with class "
                        f"cnnlab-picture, showing a PNG)\n{page_errors(page)}")
        found[name] = root
    body = page.inner_text("body")
    assert "Error displaying widget" not in body, f"a widget failed to render\n{page_errors(page)}"
    return found


def shoot(page, locator, path: Path) -> None:
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


def full_screenshot(page, scroller: str, path: Path, max_height: int = 12000) -> None:
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
