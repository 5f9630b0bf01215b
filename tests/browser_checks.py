"""What the browser tests check in each explorer, as a lecturer would use it in front of a class.

Each check drives the page with the mouse and the keyboard, asserts what the class must see,
and writes what it measured (answer times, text sizes) into ``report``, a dict that the tests
save as ``screenshots/<prefix>_report.json`` and print.
"""

from __future__ import annotations

import re
import time

from browser_support import (CONFUSION, DRAW, FEATURE_MAPS, FILTERS, SCREENSHOTS, TRAINING,
                             VIEWPORT, CANVAS_AS_SEEN_JS, Deadline, page_errors, picture_of, shoot,
                             snapshot, wait_changed)

#: The smallest text of cnnlab.viz, in points, and the CSS pixels a picture shows per inch:
#: shown unscaled, 11 pt is 14.7 px.
SMALLEST_PT, CSS_PX_PER_INCH = 11, 96

# Per picture: its width on the page, its pixels, the screen's pixels per CSS pixel.
PICTURE_SIZE_JS = """img => ({shown: img.getBoundingClientRect().width, natural: img.naturalWidth,
                             dpr: window.devicePixelRatio})"""


def legibility(page, roots: dict, width: int) -> dict:
    """At a window ``width`` pixels wide: each picture's scale against the size it was drawn
    for (1: unscaled), the smallest text in CSS px, and image pixels per screen pixel."""
    page.set_viewport_size({"width": width, "height": VIEWPORT["height"]})
    page.wait_for_timeout(600)
    found = {}
    for name, root in roots.items():
        size = picture_of(root).evaluate(PICTURE_SIZE_JS)
        drawn = size["natural"] / 2                     # the PNG holds 2 image px per CSS px
        scale = size["shown"] / drawn
        found[name] = {"scale": round(scale, 3), "text_px": round(SMALLEST_PT * 4 / 3 * scale, 1),
                       "image_px_per_screen_px": round(size["natural"] / (size["shown"] * size["dpr"]), 2),
                       "shown_px": round(size["shown"])}
    page.set_viewport_size(VIEWPORT)
    page.wait_for_timeout(300)
    return found


def check_legibility(page, roots: dict, report: dict) -> None:
    """Text at least 14 px at 1280 wide, pictures never stretched and sharp at 1920."""
    for width in (1280, 1920, 800):
        report[f"legibility at {width}"] = sizes = legibility(page, roots, width)
        if width == 800:
            continue                                     # measured and reported, not required
        small = {k: v for k, v in sizes.items() if v["text_px"] < 14}
        assert not small, f"text below 14 px at {width} px wide: {small}"
        stretched = {k: v for k, v in sizes.items() if v["scale"] > 1.01}
        assert not stretched, f"pictures stretched beyond their drawn size at {width}: {stretched}"
        blurry = {k: v for k, v in sizes.items() if v["image_px_per_screen_px"] < 1.9}
        assert not blurry, f"pictures with fewer than 2 image pixels per screen pixel: {blurry}"


def drive_feature_maps(page, root, deadline: Deadline, report: dict, prefix: str) -> None:
    """The image-index slider, by keyboard on its handle, changes the feature maps."""
    img = picture_of(root)
    before = snapshot(img)
    handle = root.locator(".cnnlab-image-index .noUi-handle").first
    handle.scroll_into_view_if_needed(timeout=deadline.ms(10))
    handle.focus()
    handle.press("ArrowRight")
    seconds = wait_changed(page, img, before, deadline)
    assert seconds is not None, (f"pressing ArrowRight on the image-index slider did not change the "
                                 f"feature-map picture\n{page_errors(page)}")
    report["answer seconds"]["feature maps: next image"] = round(seconds, 2)
    shoot(page, root, SCREENSHOTS / f"{prefix}_feature_maps.png")


def drive_filters(page, root, deadline: Deadline, report: dict, prefix: str) -> None:
    """Opens on the most trained stage (the last), not the random weights; conv2 changes the picture."""
    groups = root.locator(".widget-toggle-buttons").evaluate_all(TOGGLES_JS)
    for group in groups:
        if not any(label == "conv1" for label, _ in group):
            assert group[-1][1], (f"the filter viewer opens on "
                                  f"{[label for label, on in group if on]}, not on {group[-1][0]}")
            report["filters: opens on"] = group[-1][0]
    img = picture_of(root)
    before = snapshot(img)
    root.locator(".widget-toggle-button", has_text="conv2").first.click(timeout=deadline.ms(10))
    seconds = wait_changed(page, img, before, deadline)
    assert seconds is not None, f"choosing conv2 did not change the filter picture\n{page_errors(page)}"
    report["answer seconds"]["filters: conv2"] = round(seconds, 2)
    shoot(page, root, SCREENSHOTS / f"{prefix}_filters.png")


# The visible toggle groups: for each, its options as [label, chosen?].
TOGGLES_JS = """gs => gs.filter(g => g.offsetParent !== null).map(g =>
    [...g.querySelectorAll('.widget-toggle-button')].map(b => [b.innerText.trim(),
                                                                b.classList.contains('mod-active')]))"""


CELLS_JS = """bs => bs.map(b => [b.className, b.innerText.trim(), b.title,
                             getComputedStyle(b).outlineStyle, getComputedStyle(b).outlineWidth])"""


def drive_confusion(page, root, deadline: Deadline, report: dict, prefix: str) -> None:
    """At 1280 x 800: a clicked cell's gallery is on the screen, beside the matrix, and the
    chosen cell is framed; percentages never read 0 in a cell with images; the first switch to
    the training split shows a busy note."""
    page.set_viewport_size({"width": 1280, "height": 800})
    page.wait_for_timeout(300)
    cells = root.locator(".cnnlab-cm-cell")
    rows = cells.evaluate_all(CELLS_JS)
    assert len(rows) == 100, f"expected 10 x 10 confusion-matrix cells, found {len(rows)}"
    labelled = []
    for cls, text, _, _, _ in rows:
        m = re.search(r"\bcnnlab-cm-cell-(\d+)-(\d+)\b", cls)
        assert m, f"a .cnnlab-cm-cell button has no cnnlab-cm-cell-T-P class: {cls!r}"
        count = int(text) if text.isdigit() else 0
        labelled.append(("cnnlab-cm-selected" not in cls, m[1] != m[2] and count > 0, count, m[0]))
    root.evaluate("el => el.scrollIntoView({block: 'start'})")
    gallery = picture_of(root, "cnnlab-gallery")
    before = snapshot(gallery)
    seconds = None
    for *_, cell in sorted(labelled, reverse=True)[:2]:  # the largest mistake not shown, else a diagonal
        root.locator(f".{cell}").click(timeout=deadline.ms(10))
        seconds = wait_changed(page, gallery, before, deadline, at_most=20)
        if seconds is not None:
            break
    assert seconds is not None, f"clicking confusion-matrix cells did not change the gallery\n{page_errors(page)}"
    report["answer seconds"]["confusion: a cell's gallery"] = round(seconds, 2)
    box = gallery.evaluate("img => {const r = img.getBoundingClientRect(); return [r.top, r.bottom]}")
    report["confusion at 1280x800: gallery top, bottom (px)"] = [round(v) for v in box]
    assert 0 <= box[0] and box[1] <= 800, f"the gallery is off the 1280 x 800 screen: {box}"
    framed = [(style, width) for cls, _, _, style, width in cells.evaluate_all(CELLS_JS)
              if "cnnlab-cm-selected" in cls]
    assert len(framed) == 1 and framed[0][0] == "solid" and float(framed[0][1][:-2]) >= 3, \
        f"the chosen cell is not clearly framed: {framed}"
    report["confusion: chosen cell's frame"] = framed[0][1]
    shoot(page, root, SCREENSHOTS / f"{prefix}_confusion.png")

    # (with 100 test digits of each class, as in the embedded sample, the texts do not change)
    percent = root.locator(".widget-toggle-button", has_text="% of each row")
    percent.click(timeout=deadline.ms(10))
    page.wait_for_function("b => b.classList.contains('mod-active')", arg=percent.element_handle(),
                           timeout=deadline.ms(20))
    page.wait_for_timeout(1000)                     # every cell's new text has arrived
    zeros = [(cell[0], cell[2]) for cell in cells.evaluate_all(CELLS_JS)
             if re.fullmatch(r"0(\.0+)?%?", cell[1]) and not re.search(r": 0 of", cell[2])]
    assert not zeros, f"cells with images read 0 in the row percentages: {zeros[:3]}"
    shoot(page, root, SCREENSHOTS / f"{prefix}_confusion_percent.png")

    summary = root.locator(".cnnlab-cm-summary").first
    summary.evaluate("""el => { window.__notes = [];
        new MutationObserver(() => window.__notes.push(el.innerText))
            .observe(el, {subtree: true, childList: true, characterData: true}); }""")
    started = time.monotonic()
    root.locator(".widget-toggle-button", has_text=re.compile(r"^\s*train\s*$")).click(
        timeout=deadline.ms(10))
    page.wait_for_function("el => el.innerText.trim().startsWith('train:')",
                           arg=summary.element_handle(), timeout=deadline.ms(60))
    report["answer seconds"]["confusion: first switch to train"] = round(time.monotonic() - started, 2)
    notes = page.evaluate("window.__notes")
    assert any("computing the network's predictions" in note for note in notes), (
        f"no busy note while the training split's predictions were computed: {notes}")
    page.set_viewport_size(VIEWPORT)


def drive_draw_digit(page, root, deadline: Deadline, report: dict, prefix: str) -> None:
    """Starts empty; a stroke like a "1" is read as a 1, with the runner-up named."""
    caption = root.locator(".cnnlab-caption").first
    assert "Nothing drawn yet" in caption.inner_text(), (
        f"the canvas does not start empty: {caption.inner_text()!r}")
    img = picture_of(root)
    before = snapshot(img)
    canvas = root.locator(".cnnlab-canvas").first
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
    seconds = wait_changed(page, img, before, deadline)
    assert seconds is not None, f"a stroke on the canvas did not change the DrawDigit picture\n{page_errors(page)}"
    report["answer seconds"]["draw: read a stroke"] = round(seconds, 2)
    text = " ".join(caption.inner_text().split())
    report["draw: caption after a 1"] = text
    assert re.search(r"reads a 1 with probability .+; next: \d \(", text), (
        f"a 1 drawn on the empty canvas is not read as a 1 with its runner-up: {text!r}")
    shoot(page, root, SCREENSHOTS / f"{prefix}_draw_digit.png")
    assert canvas.evaluate(CANVAS_AS_SEEN_JS) != ink_before, (
        "the stroke changed the picture but does not show on the canvas: the canvas's drawing "
        "commands got lost (ipycanvas commands sent before the browser showed the canvas, e.g. "
        "while Voila executed the notebook, never arrive, and leave later ones without a target "
        "canvas), or the ink is the colour of the page")


def exercise_explorers(page, roots: dict, deadline: Deadline, prefix: str, report: dict) -> None:
    """Drive every explorer, measure how legible its picture is, screenshot each."""
    report.setdefault("answer seconds", {})
    check_legibility(page, {name: roots[name] for name in roots}, report)
    drive_feature_maps(page, roots[FEATURE_MAPS], deadline, report, prefix)
    drive_filters(page, roots[FILTERS], deadline, report, prefix)
    drive_confusion(page, roots[CONFUSION], deadline, report, prefix)
    drive_draw_digit(page, roots[DRAW], deadline, report, prefix)
    if TRAINING in roots:
        shoot(page, roots[TRAINING], SCREENSHOTS / f"{prefix}_training.png")


def check_dashboard_page(page, roots: dict) -> None:
    """No toggle with a single option, no explorer repeating its section's heading."""
    single = [group for group in page.locator(".widget-toggle-buttons").evaluate_all(TOGGLES_JS)
              if len(group) < 2]
    assert not single, f"toggles with one option on the dashboard: {single}"
    headings = [h.strip().rstrip("¶").strip().lower() for h in page.locator("h2").all_inner_texts()]
    for name, root in roots.items():
        bold = [b.strip().lower() for b in root.locator("b").all_inner_texts()]
        repeated = [b for b in bold if b in headings]
        assert not repeated, f"{name} repeats the section heading {repeated[0]!r} above it"


class TrainingControls:
    """While Run All runs the extra cells of ``TRAINING_CELLS``: click Stop in the first long
    run, interrupt the kernel in the second, and time how long each took to take effect."""

    def __init__(self, deadline: Deadline, report: dict):
        self.deadline, self.report, self.todo = deadline, report, ["bt-stop-run", "bt-interrupt-run"]
        self.pressed = None

    def __call__(self, page) -> None:
        if not self.todo:
            return
        run = self.todo[0]
        status = page.locator(f".{run} .cnnlab-status")
        if status.count() == 0:
            return
        text = status.first.inner_text()
        if self.pressed is None and re.search(r"training · step \d", text):
            if run == "bt-stop-run":
                page.locator(f".{run} .cnnlab-stop").first.click(timeout=self.deadline.ms(10))
            else:
                page.locator(".lm-MenuBar-item", has_text="Kernel").first.click(timeout=self.deadline.ms(10))
                page.locator(".lm-Menu-item", has=page.locator(".lm-Menu-itemLabel", has_text=re.compile(
                    r"^Interrupt Kernel$"))).click(timeout=self.deadline.ms(10))
            self.pressed = time.monotonic()
        elif self.pressed is not None and text.startswith("stopped"):
            self.report["answer seconds"][f"training: {run[3:-4]} to stopped"] = round(
                time.monotonic() - self.pressed, 2)
            self.report[f"training: {run[3:-4]} status"] = text
            self.todo.pop(0)
            self.pressed = None


# Appended to the notebook's copy: two long runs to stop (button, then interrupt), the lines
# after each proving that the cell ended well, and a run whose loss is NaN at once.
TRAINING_CELLS = [
    """# browser test: a long run, for the Stop button
import dataclasses
from cnnlab.datasets import load_mnist
from cnnlab.models import MLP
from cnnlab.optim import Adam
from cnnlab.train import fit
from cnnlab.widgets import TrainingView


def long_run(view, data, num_epochs=200):
    net = MLP((784, 64, 10), rng=np.random.default_rng(0))
    with view:
        return fit(net, data, optimizer=Adam(net), num_epochs=num_epochs, batch_size=32,
                   rng=np.random.default_rng(1), callbacks=[view])


bt_data = load_mnist(source="sample", n_train=2000, n_test=200)
stop_view = TrainingView(every=10)
stop_view.widget.add_class("bt-stop-run")
display(stop_view)
h_stop = long_run(stop_view, bt_data)""",
    """print("BT-STOP:", h_stop.num_steps, "steps,", h_stop.num_epochs, "epochs:", h_stop.stopped)""",
    """# browser test: a long run, for the kernel's interrupt
int_view = TrainingView(every=10)
int_view.widget.add_class("bt-interrupt-run")
display(int_view)
h_int = long_run(int_view, bt_data)""",
    """print("BT-INTERRUPT:", h_int.num_steps, "steps:", h_int.stopped)""",
    """# browser test: a loss that is NaN from the first step
nan_view = TrainingView(every=10)
nan_view.widget.add_class("bt-nan-run")
display(nan_view)
long_run(nan_view, dataclasses.replace(bt_data, x_train=np.full_like(bt_data.x_train, np.nan)), 1)""",
]


def check_training_outputs(page, outputs: list[str], report: dict) -> None:
    """After Run All: each stopped run said how far it got, and the cells after it ran; the NaN
    run's error reached its cell (and the view says it failed)."""
    text = "\n".join(outputs)
    for marker, why in (("BT-STOP:", "the Stop button was pressed"), ("BT-INTERRUPT:", "interrupted")):
        line = next((line for line in text.splitlines() if line.startswith(marker)), None)
        assert line and "stopped after" in line and why in line, (
            f"the cell after the {marker[3:-1].lower()} run did not report an honest stop: {line!r}")
        report[f"training: {marker[3:-1].lower()} printed"] = line
    assert "NonFiniteLossError" in text, "the NaN run's error did not reach its cell"
    status = page.locator(".bt-nan-run .cnnlab-status").first.inner_text()
    assert status.startswith("failed · NonFiniteLossError"), f"the NaN run's view says {status!r}"
    report["training: NaN run status"] = status

