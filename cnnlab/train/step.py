"""One training step: forward, loss, backward, update. :func:`~cnnlab.train.fit` repeats it."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["train_step", "first_non_finite"]


def train_step(model, x, y, *, optimizer, loss):
    """One step of gradient descent on one batch.

    Parameters
    ----------
    model : cnnlab.layers.Module
        Maps ``x`` (B, ...) to class scores (B, K); in train mode for training.
        Its backward is asked for no gradient of ``x`` (``input_grad=False``),
        which a fast model then skips.
    x : ndarray, shape (B, ...), float
        A batch, e.g. (B, 1, 28, 28) images.
    y : ndarray, shape (B,), int
        Its labels.
    optimizer : cnnlab.optim.Optimizer
        Built on ``model``; ``optimizer.step()`` updates every parameter from its gradient.
    loss : loss object
        ``forward(scores, y) -> mean loss`` and ``backward() -> dscores`` (B, K),
        e.g. :class:`~cnnlab.layers.SoftmaxCrossEntropyLoss`.

    Returns
    -------
    loss : float
        The batch's mean loss, before the update.
    scores : ndarray, shape (B, K)
        The model's scores, before the update.

    A loss that is NaN or infinite is returned without a backward or an
    update, so that no weight takes a NaN (:func:`~cnnlab.train.fit` then stops).

    Examples
    --------
    >>> model = LeNet5(rng=np.random.default_rng(0))                    # doctest: +SKIP
    >>> optimizer, loss = SGD(model, lr=0.05), SoftmaxCrossEntropyLoss()  # doctest: +SKIP
    >>> for xb, yb in iterate_minibatches(x, y, 64, rng):                # doctest: +SKIP
    ...     batch_loss, _ = train_step(model, xb, yb, optimizer=optimizer, loss=loss)
    """
    scores = model.forward(x)                       # (B, K)
    value = float(loss.forward(scores, y))
    if math.isfinite(value):
        model.backward(loss.backward(), input_grad=False)  # fills every layer's grads; no dx needed
        optimizer.step()                            # e.g. w -= lr * dw
    return value, scores


def first_non_finite(model, optimizer) -> str | None:
    """What holds a NaN or an infinity after a step, or None if nothing does.

    Looks at every gradient (the cause, usually), then every array of the
    optimizer's state (``optimizer.state[buffer][param]``), then every
    parameter, and names the first that is not finite: ``"the gradient of
    fc1.w"``, ``"the optimizer state exp_avg_sq.conv1.w"``, ``"the parameter
    fc3.b"``. The loss alone can stay finite while a run diverges: Adam's
    second moment overflows to inf at a huge learning rate, and every update is
    then 0. One ``np.isfinite`` per array: about 2% of a LeNet-5 step.
    """
    groups = [("the gradient of ", model.named_grads())]
    groups += [(f"the optimizer state {buffer}.", arrays)
               for buffer, arrays in getattr(optimizer, "state", {}).items()]
    groups.append(("the parameter ", model.named_params()))
    for label, arrays in groups:
        for name, array in arrays.items():
            if not np.isfinite(array).all():
                return label + name
    return None
