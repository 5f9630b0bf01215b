"""Small pieces of the notebooks' experiments, kept here so a notebook cell stays short.

* :class:`Point`, :func:`run` and :func:`draw_runs` (notebook 08): an optimizer of
  :mod:`cnnlab.optim` driving a point of the plane over a loss written by hand,
  and the picture of its path;
* :func:`small_cnn` (notebook 07): the small CNN of the batch-norm and dropout
  experiments;
* :class:`FairComparison`, :class:`GradNorms`, :class:`TrainSetScores`,
  :func:`first_epoch_reaching` and :func:`smooth` (the appendix,
  ``extras/11_experiments``): the data and seeds every experiment shares, with
  its seeded subsets and training runs; two callbacks of :func:`cnnlab.train.fit`
  that watch training, and two ways to read a curve.

A notebook shows what matters with ``inspect.getsource`` (``Point`` and ``run``
are the glue notebook 08 explains); the plotting stays out of sight.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ._options import check_int
from .datasets import stratified_subset
from .i18n import _
from .i18n.fonts import figure_text
from .layers import BatchNorm2d, Conv2d, Dropout, Flatten, Linear, MaxPool2d, ReLU, Sequential
from .train import Callback, evaluate, fit

__all__ = ["Point", "run", "draw_runs", "small_cnn", "FairComparison", "weight_grad_norms", "GradNorms",
           "TrainSetScores", "first_epoch_reaching", "smooth"]


class Point:
    """A "model" with one parameter ``"p"``: a point of the plane, shape (2,) (any shape works).

    ``named_params()`` and ``named_grads()`` are what :mod:`cnnlab.optim` needs; the
    gradient is written into ``grads["p"]`` by hand, where a network's backward pass
    would write it.
    """

    def __init__(self, start):
        self.params = {"p": np.array(start, dtype=np.float64)}   # a copy: start is never changed
        self.grads = {"p": np.zeros_like(self.params["p"])}

    def named_params(self):
        return self.params

    def named_grads(self):
        return self.grads


def run(make_optimizer, loss_fn, start, num_steps):
    """Minimise ``loss_fn`` from ``start`` with the optimizer ``make_optimizer(model)`` builds.

    ``loss_fn``: p (2,) -> (loss, gradient (2,)). Returns the path (num_steps + 1, 2),
    start included, and the loss at each point of it (num_steps + 1,).
    """
    num_steps = check_int("run", "num_steps", num_steps, low=0)
    point = Point(start)
    optimizer = make_optimizer(point)
    path, losses = [point.params["p"].copy()], []
    for _ in range(num_steps):
        loss, grad = loss_fn(point.params["p"])
        point.grads["p"][...] = grad
        optimizer.step()
        path.append(point.params["p"].copy())
        losses.append(loss)
    losses.append(loss_fn(point.params["p"])[0])
    return np.array(path), np.array(losses)


@figure_text
def draw_runs(runs, loss_fn, xlim, ylim, levels, minimum, title, mark=None, legend_loc="upper right"):
    """Contours of ``loss_fn`` with the path of each run (left), and each run's loss per step (right).

    ``runs``: {label: (path (T+1, 2), losses (T+1,))} as :func:`run` returns them.
    ``loss_fn`` must accept a grid, p of shape (2, H, W). ``levels``: the contour
    levels; ``minimum``: (p_1, p_2), drawn as a star; ``mark``: a step at which
    to put a large dot on every path. Draws with pyplot (the notebook's
    ``plt.show()`` shows it) and returns the two axes.
    """
    import matplotlib.pyplot as plt

    from .viz.style import SMALL, label_axes

    fig, (ax_path, ax_loss) = plt.subplots(1, 2, figsize=(12, 4.2),
                                           gridspec_kw={"width_ratios": [1.5, 1]})
    xs, ys = np.meshgrid(np.linspace(*xlim, 300), np.linspace(*ylim, 300))
    ax_path.contour(xs, ys, loss_fn(np.array([xs, ys]))[0], levels=levels, colors="grey",
                    linewidths=0.6)
    ax_path.plot(*minimum, "k*", markersize=12, label=_("minimum"))
    for index, (label, (path, losses)) in enumerate(runs.items()):
        ax_path.plot(path[:, 0], path[:, 1], ".-", color=f"C{index}", linewidth=1,
                     markersize=3 if len(path) <= 101 else 0, label=label)
        ax_loss.semilogy(losses, color=f"C{index}", label=label)
        if mark is not None:
            ax_path.plot(*path[mark], "o", color=f"C{index}", markersize=8, markeredgecolor="k")
            ax_loss.plot(mark, losses[mark], "o", color=f"C{index}", markersize=6, markeredgecolor="k")
    ax_path.set(xlim=xlim, ylim=ylim)
    label_axes(ax_path, xlabel="$p_1$", ylabel="$p_2$", title=title)
    label_axes(ax_loss, xlabel=_("step"), ylabel=_("loss"), title=_("loss (log scale)"))
    ax_path.legend(fontsize=SMALL, loc=legend_loc)
    ax_loss.legend(fontsize=SMALL)
    fig.tight_layout()
    return ax_path, ax_loss


def small_cnn(*, rng, batchnorm=False, dropout=0.0, init="he"):
    """conv(8) [BN] ReLU pool, conv(16) [BN] ReLU pool, flatten, [dropout], linear(10).

    Input (N, 1, 28, 28), output scores (N, 10); 3x3 convolutions with padding 1,
    2x2 max pooling, so the linear layer sees 16 * 7 * 7 = 784 features. With
    ``batchnorm`` the convolutions have no bias (batch norm's beta takes its
    role); ``dropout`` > 0 drops those 784 features with that probability.
    ``init`` is any initialisation :class:`~cnnlab.layers.Linear` accepts; the
    weights, then the dropout masks, are drawn from ``rng`` (a numpy Generator).
    """
    layers = [("conv1", Conv2d(1, 8, 3, pad=1, rng=rng, init=init, bias=not batchnorm))]
    if batchnorm:
        layers.append(("bn1", BatchNorm2d(8)))
    layers += [("relu1", ReLU()), ("pool1", MaxPool2d(2)),
               ("conv2", Conv2d(8, 16, 3, pad=1, rng=rng, init=init, bias=not batchnorm))]
    if batchnorm:
        layers.append(("bn2", BatchNorm2d(16)))
    layers += [("relu2", ReLU()), ("pool2", MaxPool2d(2)), ("flatten", Flatten())]
    if dropout:
        layers.append(("dropout", Dropout(dropout, rng=rng)))
    layers.append(("fc", Linear(16 * 7 * 7, 10, rng=rng, init=init)))
    return Sequential(*layers)


class FairComparison:
    """What every run of a comparison shares: the data, which subset, the batch size and batch order.

    Two models that differ in one option, trained with :meth:`train`, see the
    same images in the same mini-batches in the same order, so the option is
    the only difference (their initial weights are the caller's to seed alike).

    Parameters
    ----------
    data : cnnlab.datasets.Dataset
        ``x_train`` (N, 1, 28, 28), ``y_train`` (N,), and the test split that
        ``fit`` scores after every epoch.
    data_seed : int
        Which images :meth:`subset` takes: the same ones for the same ``n``.
    batch_size : int >= 1
    batch_seed : int
        The order of the mini-batches, the same in every :meth:`train` run.
    """

    def __init__(self, data, *, data_seed, batch_size, batch_seed):
        func = "FairComparison"
        self.data = data
        self.data_seed = check_int(func, "data_seed", data_seed, low=0)
        self.batch_size = check_int(func, "batch_size", batch_size, low=1)
        self.batch_seed = check_int(func, "batch_seed", batch_seed, low=0)

    def subset(self, n, with_test=True):
        """The data with its training set cut to a class-balanced, seeded subset of ``n`` images.

        ``n`` None, or not below N, keeps all N. ``with_test=False`` drops the
        test split (``x_test``, ``y_test`` None), so that ``fit`` does not score
        it after every epoch. Returns a new Dataset; ``x_train`` (n, 1, 28, 28).
        """
        x, y = self.data.x_train, self.data.y_train
        if n is not None and n < len(y):
            x, y = stratified_subset(x, y, n, rng=np.random.default_rng(self.data_seed))
        no_test = {} if with_test else {"x_test": None, "y_test": None}
        return replace(self.data, x_train=x, y_train=y, **no_test)

    def train(self, model, optimizer, num_epochs, train_data=None, schedule=None, callbacks=()):
        """:func:`cnnlab.train.fit` on ``train_data`` (default: all of ``data``), in batches of
        ``batch_size`` drawn in ``batch_seed``'s order, without a progress bar; returns its History."""
        return fit(model, self.data if train_data is None else train_data, optimizer=optimizer,
                   num_epochs=num_epochs, batch_size=self.batch_size,
                   rng=np.random.default_rng(self.batch_seed), schedule=schedule,
                   callbacks=list(callbacks), progress=False)


def weight_grad_norms(model):
    """{layer: ||dL/dW||}, the Frobenius norm of the gradient of each layer's weights ``"w"``."""
    return {name[:-2]: float(np.linalg.norm(grad)) for name, grad in model.named_grads().items()
            if name.endswith(".w")}


class GradNorms(Callback):
    """After every optimizer step, the norm of each layer's weight gradient.

    ``norms[layer]`` is a list with one float per step, in order.
    """

    def __init__(self):
        self.norms = {}   # layer -> [norm after step 1, after step 2, ...]

    def on_step_end(self, step, history, model):
        for layer, norm in weight_grad_norms(model).items():
            self.norms.setdefault(layer, []).append(norm)


class TrainSetScores(Callback):
    """After every epoch, loss and accuracy on the training images, in eval mode.

    ``x``: (N, ...) the training inputs, ``y``: (N,) their labels: scored the way
    ``fit`` scores the test set, unlike its ``train_loss`` and ``train_acc``
    (means over the epoch's batches, in train mode, while the weights change).
    ``loss`` and ``acc`` get one float per epoch.
    """

    def __init__(self, x, y):
        self.x, self.y = x, y
        self.loss, self.acc = [], []

    def on_epoch_end(self, epoch, history, model):
        loss, acc = evaluate(model, self.x, self.y)
        self.loss.append(loss)
        self.acc.append(acc)


def first_epoch_reaching(values, level):
    """The first epoch (from 1) whose value is at least ``level``, as text; ``"-"`` if none is."""
    reached = [epoch for epoch, value in enumerate(values, start=1) if value >= level]
    return str(reached[0]) if reached else "-"


def smooth(values, window=10):
    """Means of ``window`` consecutive values: (len(values) - window + 1,) of them."""
    window = check_int("smooth", "window", window, low=1)
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or len(values) < window:
        raise ValueError(f"smooth: expected a 1-D sequence of at least window={window} values, "
                         f"got shape {values.shape}")
    return np.convolve(values, np.ones(window) / window, mode="valid")
