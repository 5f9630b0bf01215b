"""ConfusionExplorer: a confusion matrix whose cells open the images behind them."""

from __future__ import annotations

import numpy as np

from ..i18n import N_, _
from ..metrics import confusion_matrix
from ..viz import percent, plot_image_gallery
from ._common import Explorer, check_images, check_labels, instructions, is_model, picture, show_figure

__all__ = ["ConfusionExplorer"]

_SPLITS = ("test", "train", "val")
#: The splits as the toggle names them (translated; its values stay the English names).
_SPLIT_LABELS = {"test": N_("test"), "train": N_("train"), "val": N_("val")}

#: Images predicted per step when a split is first shown (each step updates the busy note).
_CHUNK = 10_000

#: The chosen cell: a thick dark frame inside the button, visible on red, green and grey.
_STYLE = ("<style>.cnnlab-cm-selected {outline: 4px solid #111 !important; "
          "outline-offset: -4px; font-weight: bold}</style>")


class ConfusionExplorer(Explorer):
    """Click a cell of the confusion matrix: see exactly the images it counts.

    The matrix is a grid of buttons, rows the true class and columns the
    predicted one; the gallery stands beside it, so both fit on a screen of
    1280 x 800. Choosing cell (t, p) shows the images of class t that the
    network predicted as p, most confident first (up to ``max_images``), each
    with its index in the split and the probabilities of p (and of t, for a
    mistake). Toggles switch between the test and the training split, between
    counts and percentages of each row (a cell that is not empty never reads
    0: ``0.4``, ``<0.01``), and the order of the gallery. The first switch to a
    large split computes its predictions, with a busy note that counts them.

    Parameters
    ----------
    model_or_predictions : model, ndarray or dict
        A model (predictions are computed, in eval mode, for each split when
        first shown); or the predictions for the test split: probabilities
        (N, K) or predicted classes (N,); or a dict ``{"test": ..., "train": ...}``
        of them.
    data : cnnlab.datasets.Dataset
        Or any object with ``x_test``, ``y_test`` (and ``x_train``, ``y_train``,
        ``x_val``, ``y_val`` for the other splits).
    max_images : int
        The most images the gallery shows.
    class_names : sequence of str, optional
    split : str
        The split shown first (default ``"test"``).

    Attributes
    ----------
    widget : ipywidgets.VBox
        The root, CSS class ``cnnlab-confusion-explorer``.
    cells : dict of (int, int) -> ipywidgets.Button
        ``cells[t, p]``: CSS classes ``cnnlab-cm-cell`` and ``cnnlab-cm-cell-t-p``; the
        chosen cell's text is bold and it has the class ``cnnlab-cm-selected`` (framed).
    split, normalize, order : ipywidgets.ToggleButtons
    gallery : ipywidgets.Image
        The images of the chosen cell (CSS classes ``cnnlab-gallery`` and ``cnnlab-picture``).
    caption : ipywidgets.HTML
    summary : ipywidgets.HTML
        The split's accuracy; while a split's predictions are computed, a busy
        note (the root then has the CSS class ``cnnlab-busy``).
    selected : tuple (int, int)
        The chosen cell, (true class, predicted class).
    cell_indices : ndarray of int
        Indices (into the split) of every image in the chosen cell, in gallery order.
    shown_indices : ndarray of int
        The first ``max_images`` of them: the images in the gallery.
    """

    css_class = "cnnlab-confusion-explorer"

    def __init__(self, model_or_predictions, data, *, max_images=24, class_names=None,
                 split="test"):
        import ipywidgets as widgets

        func = "ConfusionExplorer"
        if isinstance(max_images, bool) or not isinstance(max_images, (int, np.integer)) or max_images < 1:
            raise ValueError(f"{func}: expected max_images to be a positive int, got {max_images!r}")
        self.max_images = int(max_images)
        self._splits = {}
        for name in _SPLITS:
            x, y = getattr(data, f"x_{name}", None), getattr(data, f"y_{name}", None)
            if x is not None and y is not None:
                self._splits[name] = (check_images(func, x), check_labels(func, y, x.shape[0], f"y_{name}"))
        if not self._splits:
            raise TypeError(f"{func}: expected data with x_test and y_test (a cnnlab.datasets.Dataset), "
                            f"got {type(data).__name__}")
        self.model = None
        self._predictions: dict[str, tuple] = {}
        if is_model(model_or_predictions):
            self.model = model_or_predictions
        else:
            given = model_or_predictions
            if not isinstance(given, dict):
                given = {"test": given}
            for name, value in given.items():
                if name not in self._splits:
                    raise ValueError(f"{func}: predictions for split {name!r}, which data lacks; "
                                     f"data has {list(self._splits)}")
                self._predictions[name] = self._as_predictions(func, name, value)
            self._splits = {name: self._splits[name] for name in self._splits if name in given}
        if split not in self._splits:
            raise ValueError(f"{func}: expected split to be one of {list(self._splits)}, got {split!r}")
        labels = np.concatenate([y for _, y in self._splits.values()])
        k = int(labels.max()) + 1
        if self.model is None:
            k = max([k] + [int(p.max()) + 1 for p, _, _ in self._predictions.values()]
                    + [probs.shape[1] for _, _, probs in self._predictions.values() if probs is not None])
        names = getattr(data, "class_names", None) if class_names is None else class_names
        self.class_names = [str(c) for c in names] if names is not None and len(names) >= k \
            else [str(c) for c in range(k)]
        self.num_classes = k = len(self.class_names)

        self.split = widgets.ToggleButtons(options=[(_split_label(name), name) for name in self._splits],
                                           value=split, description=_("split"),
                                           style={"button_width": "auto"})
        self.normalize = widgets.ToggleButtons(options=[(_("counts"), False), (_("% of each row"), True)],
                                               value=False, description=_("show"),
                                               style={"button_width": "auto"})
        orders = (N_("most confident first"), N_("least confident first"))
        self.order = widgets.ToggleButtons(options=[(_(order), order) for order in orders],
                                           description=_("gallery"), style={"button_width": "auto"})
        self.cells = {}
        cell_layout = widgets.Layout(width="100%", height="30px", padding="0px", margin="0px")
        label = "<div style='font-size:15px;text-align:{};{}'><b>{}</b></div>"
        grid = [widgets.HTML(label.format("center", "line-height:1.1", _("true ↓<br>pred →")))]
        grid += [widgets.HTML(label.format("center", "", name)) for name in self.class_names]
        for t in range(k):
            grid.append(widgets.HTML(label.format("right", "padding-right:4px", self.class_names[t])))
            for p in range(k):
                button = widgets.Button(layout=cell_layout,   # one layout for all: a lighter page
                                        style=widgets.ButtonStyle(font_size="15px"))
                button.add_class("cnnlab-cm-cell")
                button.add_class(f"cnnlab-cm-cell-{t}-{p}")
                button.add_class("cnnlab-cm-diagonal" if t == p else "cnnlab-cm-off-diagonal")
                button.on_click(lambda _, t=t, p=p: self.select(t, p))
                self.cells[t, p] = button
                grid.append(button)
        self.matrix = widgets.GridBox(grid, layout=widgets.Layout(
            grid_template_columns=f"64px repeat({k}, 46px)", grid_gap="2px", width="max-content",
            height="max-content"))
        self.gallery = picture("cnnlab-gallery")
        self.gallery.add_class("cnnlab-picture")
        self.caption = widgets.HTML()
        self.caption.add_class("cnnlab-caption")
        self.summary = widgets.HTML()
        self.summary.add_class("cnnlab-cm-summary")
        self.widget = widgets.VBox([
            instructions(_STYLE + _("Rows are the true classes, columns the predicted ones; click a cell "
                                    "to see its images.")),
            widgets.HBox([self.split, self.normalize], layout=widgets.Layout(flex_flow="row wrap")),
            self.summary,
            # the gallery beside the matrix on a page 1280 pixels wide, below it on a narrow one
            widgets.HBox([
                self.matrix,
                widgets.VBox([self.order, self.caption, self.gallery],
                             layout=widgets.Layout(flex="1 1 480px", min_width="0",
                                                   margin="0 0 0 16px")),
            ], layout=widgets.Layout(flex_flow="row wrap")),
        ])
        self.widget.add_class(self.css_class)
        self.selected = None
        self.cell_indices = self.shown_indices = np.zeros(0, dtype=np.int64)
        self.split.observe(self._split_changed, names="value")
        self.normalize.observe(lambda _: self._paint(), names="value")
        self.order.observe(lambda _: self.select(*self.selected), names="value")
        self._paint()
        self.select(*self._most_confused())

    # -- predictions ------------------------------------------------------------------------
    @staticmethod
    def _as_predictions(func, split, value):
        """(predicted classes (N,), confidence (N,), probabilities (N, K) or None)."""
        value = np.asarray(value)
        if value.ndim == 2 and np.issubdtype(value.dtype, np.floating):
            pred = value.argmax(axis=1).astype(np.int64)
            return pred, value[np.arange(value.shape[0]), pred].astype(np.float64), value
        if value.ndim == 1 and np.issubdtype(value.dtype, np.integer):
            return value.astype(np.int64), np.full(value.shape[0], np.nan), None
        raise ValueError(f"{func}: expected the {split} predictions as probabilities (N, K) or "
                         f"predicted classes (N,) of ints, got {value.dtype} of shape {value.shape}")

    def predictions(self, split=None):
        """``(predicted (N,), confidence (N,), probabilities (N, K) or None)`` for a split.

        Computed when first asked for, in steps of 10,000 images, with a busy note in
        ``summary`` that counts them.
        """
        split = self.split.value if split is None else split
        if split not in self._predictions:
            self._predictions[split] = self._as_predictions("ConfusionExplorer", split,
                                                            self._predict(split))
        pred, _, _ = self._predictions[split]
        n = self._splits[split][0].shape[0]
        if pred.shape[0] != n:
            raise ValueError(f"ConfusionExplorer: {pred.shape[0]} {split} predictions for {n} images")
        return self._predictions[split]

    def _predict(self, split) -> np.ndarray:
        from ..train import predict_proba
        x = self._splits[split][0]
        n = x.shape[0]
        busy = hasattr(self, "summary")            # not while the explorer is being built
        if busy:
            self.widget.add_class("cnnlab-busy")
            self.split.disabled = True
        try:
            parts = []
            note = _("<span style='font-size:15px'>⏳ <b>computing the network's predictions for the {n:,} "
                     "{split} images</b>: {done:,} done…</span>")
            for start in range(0, n, _CHUNK):
                if busy:
                    self.summary.value = note.format(n=n, split=_split_label(split), done=start)
                parts.append(predict_proba(self.model, x[start:start + _CHUNK]))
            return np.concatenate(parts)
        finally:
            if busy:
                self.split.disabled = False
                self.widget.remove_class("cnnlab-busy")

    def matrix_counts(self, split=None) -> np.ndarray:
        """The confusion matrix (K, K) of a split: rows true, columns predicted."""
        split = self.split.value if split is None else split
        return confusion_matrix(self._splits[split][1], self.predictions(split)[0], self.num_classes)

    def _most_confused(self):
        cm = self.matrix_counts().copy()
        np.fill_diagonal(cm, -1)
        t, p = np.unravel_index(np.argmax(cm), cm.shape)
        return (int(t), int(p)) if cm[t, p] > 0 else (0, 0)

    # -- drawing ----------------------------------------------------------------------------
    def _paint(self) -> None:
        """Descriptions and colours of every cell."""
        cm = self.matrix_counts()
        totals = cm.sum(axis=1)
        fractions = cm / np.maximum(totals, 1)[:, None]
        off = cm.copy()
        np.fill_diagonal(off, 0)
        worst = max(int(off.max()), 1)
        for (t, p), button in self.cells.items():
            count = int(cm[t, p])
            button.description = (percent(fractions[t, p], sign=False) if self.normalize.value
                                  else str(count))
            button.tooltip = _("true {true}, predicted {pred}: {count} of {total} ({percent})").format(
                true=self.class_names[t], pred=self.class_names[p], count=count, total=int(totals[t]),
                percent=percent(fractions[t, p]))
            if t == p:
                alpha = 0.25 + 0.6 * fractions[t, p]
                button.style.button_color = f"rgba(44, 160, 44, {alpha:.2f})"
            elif count:
                alpha = 0.15 + 0.75 * count / worst
                button.style.button_color = f"rgba(214, 39, 40, {alpha:.2f})"
            else:
                button.style.button_color = "#f4f4f4"
            selected = self.selected == (t, p)
            button.style.font_weight = "bold" if selected else "normal"
            if selected:
                button.add_class("cnnlab-cm-selected")
            else:
                button.remove_class("cnnlab-cm-selected")
        split = self.split.value
        n, right = int(cm.sum()), int(np.trace(cm))
        self.summary.value = _("<span style='font-size:15px'>{split}: {right:,} of {n:,} images right, "
                               "accuracy <b>{accuracy:.2%}</b>; {wrong:,} mistakes</span>").format(
            split=_split_label(split), right=right, n=n, accuracy=right / max(n, 1), wrong=n - right)

    def select(self, true, pred) -> np.ndarray:
        """Show the cell (true class, predicted class); return the indices shown.

        Sets ``selected``, ``cell_indices`` (every image of the split with that
        label and that prediction, most confident first unless the order
        toggle says otherwise) and ``shown_indices`` (the first ``max_images``).
        """
        k = self.num_classes
        for name, value in (("true", true), ("pred", pred)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 0 <= value < k:
                raise ValueError(f"ConfusionExplorer.select: expected {name} to be a class index in "
                                 f"0..{k - 1}, got {value!r}")
        t, p = int(true), int(pred)
        x, y = self._splits[self.split.value]
        predicted, confidence, probs = self.predictions()
        indices = np.flatnonzero((y == t) & (predicted == p))
        if not np.all(np.isnan(confidence[indices])):
            key = -confidence[indices] if self.order.value.startswith("most") else confidence[indices]
            indices = indices[np.argsort(key, kind="stable")]
        self.selected = (t, p)
        self.cell_indices = indices
        self.shown_indices = indices[:self.max_images]
        self._paint()
        self._draw_gallery(x, probs)
        return self.shown_indices

    def _draw_gallery(self, x, probs) -> None:
        t, p = self.selected
        names, split, shown = self.class_names, self.split.value, self.shown_indices
        titles = []
        for i in shown:
            title = f"#{i}"
            if probs is not None:
                title += f"\n{names[p]}: {probs[i, p]:.2f}"
                if t != p:
                    title += f"\n{names[t]}: {probs[i, t]:.2f}"
            titles.append(title)
        count = len(self.cell_indices)
        heading = (_("true {true}, predicted {pred}: {count:,} image") if count == 1 else
                   _("true {true}, predicted {pred}: {count:,} images")).format(
            true=names[t], pred=names[p], count=count)
        if len(self.cell_indices) > len(shown):
            heading += _(", the first {n}").format(n=len(shown))
        # eight across, about 5 inches: beside the matrix on a page 1280 pixels wide
        fig = plot_image_gallery(x[shown], titles, ncols=8, tile=0.6,
                                 frame_colors=["#2ca02c" if t == p else "#d62728"] * len(shown),
                                 title=heading)
        show_figure(self.gallery, fig)
        split = _split_label(split)
        text = (_("<b>{count}</b> {split} images of a <b>{true}</b> predicted as <b>{pred}</b>") if count != 1
                else _("<b>{count}</b> {split} image of a <b>{true}</b> predicted as <b>{pred}</b>"))
        if probs is not None:
            text += (_(", most confident first; above each, its index in the {split} set and the probability "
                       "given to {classes}") if self.order.value.startswith("most") else
                     _(", least confident first; above each, its index in the {split} set and the "
                       "probability given to {classes}"))
        classes = names[p] if t == p else _("{pred} and to {true}").format(pred=names[p], true=names[t])
        self.caption.value = "<div style='font-size:15px'>" + text.format(
            count=count, split=split, true=names[t], pred=names[p], classes=classes) + "</div>"

    def _split_changed(self, _change) -> None:
        self._paint()
        self.select(*self.selected)

    def __repr__(self):
        return (f"<ConfusionExplorer: splits {list(self._splits)}, {self.num_classes} classes; "
                f"run the notebook to use it>")


def _split_label(split: str) -> str:
    """``"test"`` as the explorer names it, in the course's language."""
    return _(_SPLIT_LABELS.get(split, split))
