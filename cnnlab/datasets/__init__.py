"""MNIST and Fashion-MNIST, loaded the same way online, offline and in CI.

>>> from cnnlab.datasets import load_mnist, iterate_minibatches
>>> data = load_mnist()              # doctest: +SKIP
>>> data.x_train.shape               # doctest: +SKIP
(60000, 1, 28, 28)

Where files are looked for, in order: the ``data_dir`` argument, the
``CNNLAB_MNIST_DIR`` / ``CNNLAB_FASHION_MNIST_DIR`` environment variable, the
project cache ``data/<dataset>/`` (``CNNLAB_CACHE_DIR`` moves it), Debian's
``/usr/share/datasets/fashion-mnist/``, then a verified download from public
mirrors. Without network and without a copy, ``load_mnist`` returns an
embedded sample of 5,000 real MNIST digits, saying so once.

From a shell::

    python -m cnnlab.datasets info              # where each dataset would load from
    python -m cnnlab.datasets download mnist    # fetch and verify ahead of a class

Modules, one idea each: :mod:`~cnnlab.datasets.idx` (the file format),
:mod:`~cnnlab.datasets.registry` (names, sizes, checksums, mirrors),
:mod:`~cnnlab.datasets.checksums`, :mod:`~cnnlab.datasets.sources` (where to
look), :mod:`~cnnlab.datasets.download`, :mod:`~cnnlab.datasets.sample`,
:mod:`~cnnlab.datasets.splits`, :mod:`~cnnlab.datasets.loaders`,
:mod:`~cnnlab.datasets.batches`, :mod:`~cnnlab.datasets.augment`,
:mod:`~cnnlab.datasets.dataset`.
"""

from .augment import RandomShift
from .batches import count_minibatches, iterate_minibatches
from .dataset import Dataset
from .download import download_dataset, download_file
from .errors import (
                     ChecksumError,
                     DataDirError,
                     DatasetNotFoundError,
                     DownloadError,
                     IdxFormatError,
                     OfflineError,
                     SampleFallbackWarning,
                     warnings_as_lines,
)
from .idx import read_idx, write_idx
from .loaders import load_fashion_mnist, load_mnist
from .registry import DATASETS, FASHION_MNIST, MNIST
from .sources import cache_root
from .splits import select_classes, stratified_subset, train_val_split

__all__ = [
    "load_mnist", "load_fashion_mnist", "Dataset",
    "iterate_minibatches", "count_minibatches", "RandomShift",
    "select_classes", "stratified_subset", "train_val_split",
    "read_idx", "write_idx",
    "download_dataset", "download_file", "cache_root",
    "DATASETS", "MNIST", "FASHION_MNIST",
    "IdxFormatError", "ChecksumError", "DownloadError", "OfflineError", "DatasetNotFoundError",
    "DataDirError", "SampleFallbackWarning", "warnings_as_lines",
]
