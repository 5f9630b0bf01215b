"""LeNet-5 trained on full MNIST, shipped with the package: explore a trained network at once.

>>> from cnnlab.pretrained import load_lenet5, pretrained_info
>>> model = load_lenet5()                  # a cnnlab.models.LeNet5 in eval mode
>>> pretrained_info()["test_acc"] > 0.99
True

The weights (``lenet5_mnist.npz``, 61,706 float32 numbers) were produced by
one recorded command, ``python -m cnnlab.pretrained build``, which trains with
:data:`RECIPE` through ``python -m cnnlab train`` and keeps the model's part of
the final checkpoint, with the options, the per-epoch history and the test
results as metadata. The file is a cnnlab checkpoint (see
:mod:`cnnlab.train.checkpoint`), read with ``allow_pickle=False``.

Inputs are what :func:`cnnlab.datasets.load_mnist` returns by default:
(N, 1, 28, 28) floats in [0, 1], not standardised.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..train.checkpoint import load_checkpoint

__all__ = ["RECIPE", "WEIGHTS", "load_lenet5", "pretrained_info"]

#: The file of weights, inside the package.
WEIGHTS = Path(__file__).with_name("lenet5_mnist.npz")

#: The training options of ``python -m cnnlab train`` that made :data:`WEIGHTS`
#: (every other option at its default): Adam at 2e-3 with a cosine decay over
#: 10 epochs, each training image shifted by up to 2 pixels at random.
RECIPE = {"model": "lenet5", "dataset": "mnist", "epochs": 10, "optimizer": "adam", "lr": 2e-3,
          "schedule": "cosine", "augment_shift": 2, "batch_size": 64, "seed": 0}


def pretrained_info(path=WEIGHTS) -> dict:
    """What the weights file records about itself.

    Returns
    -------
    dict
        ``command`` (the shell command that made it), ``config`` (every
        training option), ``test_acc``, ``test_loss``, ``per_class_acc``,
        ``confusion_matrix`` (10 x 10 lists, rows true, columns predicted),
        ``epochs`` (the per-epoch history), ``train_seconds``, ``cnnlab_version``.
    """
    meta = dict(load_checkpoint(path).meta)
    meta.pop("epoch", None)
    return meta


def load_lenet5(*, fast: bool = False, dtype=np.float32, path=WEIGHTS):
    """The pretrained LeNet-5, in eval mode.

    Parameters
    ----------
    fast : bool
        Compute with :mod:`cnnlab.fast`'s kernels (the same numbers).
    dtype : numpy dtype
        float32 (as trained) or float64 (for gradient checks).
    path : path, optional
        Another weights file in the same format (e.g. a run's ``checkpoint.npz``
        from ``python -m cnnlab train``, whose ``config.json`` options must be
        those of a LeNet-5).

    Returns
    -------
    cnnlab.models.LeNet5
    """
    from ..recipe import DEFAULTS, build_model  # the same builder that trained it

    checkpoint = load_checkpoint(path)
    config = checkpoint.meta.get("config")
    if not isinstance(config, dict) or not str(config.get("model", "")).startswith("lenet5"):
        raise ValueError(f"load_lenet5: {path} does not record the options of a LeNet-5 "
                         f"(meta['config']['model'] should be 'lenet5' or 'lenet5-classic')")
    # The weights replace the initial ones, so the generator's numbers do not matter.
    model = build_model({**DEFAULTS, **config, "fast": fast}, np.random.default_rng(0))
    model.astype(dtype)
    try:
        model.load_state_dict(checkpoint.model)
    except ValueError as exc:
        raise ValueError(f"load_lenet5: {path} does not fit the LeNet-5 it describes: {exc}") from None
    model.eval()
    return model
