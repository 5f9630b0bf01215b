"""One training step: forward, loss, backward, update. :func:`~cnnlab.train.fit` repeats it."""

from __future__ import annotations

import math

__all__ = ["train_step"]


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
