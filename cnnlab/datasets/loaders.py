"""``load_mnist`` and ``load_fashion_mnist``: from files on disk to ready arrays.

What happens, in order:

1. **Find** the four files (see :mod:`cnnlab.datasets.sources` for the
   search order), or download them, or, for MNIST only, fall back to the
   embedded sample with one warning. A folder named by the caller
   (``data_dir``) is the only one used: the files are read from it or
   downloaded into it, or the error says what it lacks; it is never replaced
   by another folder or by the sample.
2. **Verify** each file (SHA-256 of its content) and **read** it (IDX
   checks: magic number, dimensions against file size, one label per image).
3. **Select** examples, all on the uint8 data, in this order: the class
   subset; the validation split carved from the training set; the first-n or
   stratified subsets of what remains of the training set and of the test set.
4. **Convert** to NCHW float32 in [0, 1] (or float64, or raw uint8), and
   optionally **standardise** every split with the mean and standard deviation
   of the final training split only.
"""

from __future__ import annotations

import warnings

import numpy as np

from .._options import check_bool, check_choice, check_int, check_rng, is_int
from .checksums import check_content
from .dataset import Dataset
from .download import download_dataset
from .errors import DataDirError, DatasetNotFoundError, DownloadError, SampleFallbackWarning
from .idx import check_images, check_labels, check_pair, parse_idx, read_content
from .registry import FASHION_MNIST, MNIST, SAMPLE, DatasetSpec
from .sample import load_sample_arrays, sample_path
from .sources import OFFLINE_ENV, Location, cache_dir, locate, offline_help, offline_requested
from .splits import (
    _check_classes,
    _check_val_size,
    _select_classes,
    _split_indices,
    _stratified_indices,
)

__all__ = ["load_mnist", "load_fashion_mnist"]

_DTYPES = (np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.uint8))
_SOURCES = ("auto", "full", "sample")
_SUBSETS = ("first", "stratified")
_warned: set[str] = set()  # datasets whose sample fallback was already announced


def _read_location(spec: DatasetSpec, loc: Location, func: str) -> dict:
    """Read and verify the four files found at ``loc``; uint8 arrays by split."""
    arrays = {}
    for split in ("train", "test"):
        parts = {}
        for kind in ("images", "labels"):
            f = spec.file(split, kind)
            path = loc.found[f.filename]
            content = read_content(path, func=func)
            arr = parse_idx(content, name=str(path), func=func)
            check_content(content, f, path, func, spec.name)
            parts[kind] = (arr, str(path))
        (images, image_name), (labels, label_name) = parts["images"], parts["labels"]
        check_images(images, image_name, func)
        check_labels(labels, label_name, func, len(spec.class_names))
        check_pair(images, labels, image_name, label_name, func)
        arrays[f"x_{split}"], arrays[f"y_{split}"] = images, labels
    return arrays


def _not_found(message: str, why: str) -> DatasetNotFoundError:
    exc = DatasetNotFoundError(message)
    exc.why = why  # short reason, quoted by the sample-fallback warning
    return exc


def _files_named(names: list[str]) -> str:
    return f"{', '.join(names)} (or the same file{'s' if len(names) > 1 else ''} uncompressed)"


def _named_folder(spec: DatasetSpec, data_dir, download: bool, func: str) -> tuple[dict, str]:
    """The arrays from the folder the caller named, downloading what it lacks into it, or raise."""
    loc = locate(spec, data_dir)[0]
    if not loc.folder.is_dir():
        state = "is not a folder" if loc.folder.exists() else "does not exist"
        raise DataDirError(func, loc.folder, f"{state}; expected a folder holding the four "
                                             f"{spec.name.upper()} files: "
                                             f"{_files_named([f.filename for f in spec.files])}")
    if not loc.complete:
        lacks = f"lacks {_files_named(loc.missing)}"
        if not download or offline_requested():
            why = "download=False" if not download else f"{OFFLINE_ENV} is set"
            raise DataDirError(func, loc.folder, f"{lacks}; not downloaded into it ({why})")
        try:
            download_dataset(spec, loc.folder)
        except DownloadError as exc:
            raise DatasetNotFoundError(f"{func}: data_dir {loc.folder} {lacks}; downloading "
                                       f"{'them' if len(loc.missing) > 1 else 'it'} into that "
                                       f"folder failed:\n{exc}") from None
        loc = locate(spec, loc.folder)[0]
    return _read_location(spec, loc, func), str(loc.folder)


def _full_arrays(spec: DatasetSpec, data_dir, download: bool, func: str) -> tuple[dict, str]:
    """The full dataset's uint8 arrays and the folder they came from, or raise."""
    if data_dir is not None:
        return _named_folder(spec, data_dir, download, func)
    locations = locate(spec, data_dir)
    for loc in locations:
        if loc.complete:
            return _read_location(spec, loc, func), str(loc.folder)
    searched = "\n".join(f"  {i}. {loc.describe()}" for i, loc in enumerate(locations, 1))
    head = (f"{func}: the full {spec.title} dataset was not found.\n"
            f"Searched, in order:\n{searched}\n")
    if not download or offline_requested():
        why = "download=False" if not download else f"{OFFLINE_ENV} is set"
        raise _not_found(head + f"Download: not attempted ({why}).\n" + offline_help(spec), why)
    target = cache_dir(spec)
    try:
        folder = download_dataset(spec, target)
    except DownloadError as exc:
        raise _not_found(head + f"Download into {target} failed:\n{exc}",
                         "the download failed") from None
    except OSError as exc:  # e.g. the cache folder cannot be created
        raise _not_found(head + f"Download into {target} failed: {exc}\n" + offline_help(spec),
                         "the download failed") from None
    loc = next(x for x in locate(spec, folder) if x.complete)
    return _read_location(spec, loc, func), str(folder)


def _fallback_warning(func: str, why: str) -> SampleFallbackWarning:
    """The warning, with its Python advice, and the same news in flags for a command line."""
    news = (f"full MNIST is in none of the folders searched and was not downloaded ({why}), so "
            f"this uses the embedded sample of 5,000 real MNIST digits ({SAMPLE.n_train:,} train, "
            f"{SAMPLE.n_test:,} test). For the full 60,000/10,000: run `python -m cnnlab.datasets "
            f"download mnist`, or set {MNIST.env_var} to a folder holding the four MNIST files")
    where = "(`python -m cnnlab.datasets info` shows where it looks)."
    return SampleFallbackWarning(
        f"{func}: {news} {where} Pass source='sample' to use the sample without this warning, "
        f"or source='full' to get an error instead.",
        command_line=f"{news}, or name one with --data-dir {where} --dataset mnist-sample uses "
                     f"the sample without this warning.")


def _check_dtype(func: str, dtype) -> np.dtype:
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt not in _DTYPES:
        raise ValueError(f"{func}: expected dtype np.float32, np.float64 or np.uint8, "
                         f"got {dtype!r}")
    return dt


def _subset(func, x, y, n, subset, rng, arg, what):
    """The first ``n`` or a stratified ``n`` of ``(x, y)``; ``arg``/``what`` name them."""
    if n is None:
        return x, y
    if n > y.shape[0]:
        raise ValueError(f"{func}: {arg}={n} is more than the {y.shape[0]} {what} available")
    if subset == "first":
        return x[:n], y[:n]
    idx = _stratified_indices(func, y, n, rng, what)
    return x[idx], y[idx]


def _to_nchw(x: np.ndarray, dtype: np.dtype) -> np.ndarray:
    x = x.reshape(x.shape[0], 1, x.shape[1], x.shape[2])
    if dtype == np.uint8:
        return x.copy()  # never hand out a view on cached or read-only data
    out = x.astype(dtype)
    out /= dtype.type(255)
    return out


def _load(func: str, spec: DatasetSpec, data_dir, source, download, classes, relabel,
          val_size, n_train, n_test, subset, rng, dtype, standardize) -> Dataset:
    # 1. check every argument before touching any file
    check_choice(func, "source", source, _SOURCES)
    download = check_bool(func, "download", download)
    relabel = check_bool(func, "relabel", relabel)
    standardize = check_bool(func, "standardize", standardize)
    check_choice(func, "subset", subset, _SUBSETS)
    n_train = check_int(func, "n_train", n_train, low=1, optional=True)
    n_test = check_int(func, "n_test", n_test, low=1, optional=True)
    rng = check_rng(func, rng, optional=True)
    _check_val_size(func, val_size)
    dt = _check_dtype(func, dtype)
    if standardize and dt == np.uint8:
        raise ValueError(f"{func}: standardize=True needs a float dtype (np.float32 or "
                         f"np.float64), got dtype=np.uint8")
    if classes is not None:
        _check_classes(func, classes, len(spec.class_names))
    if relabel and classes is None:
        raise ValueError(f"{func}: relabel=True needs classes=[...] to say which classes to "
                         f"keep and renumber")
    if data_dir is not None and not isinstance(data_dir, (str, bytes)) \
            and not hasattr(data_dir, "__fspath__"):
        raise TypeError(f"{func}: expected data_dir to be a folder path (str or pathlib.Path), "
                        f"got {type(data_dir).__name__}")
    if source == "sample" and spec.name != MNIST.name:
        raise ValueError(f"{func}: there is no embedded {spec.title} sample; expected source "
                         f"'auto' or 'full', got 'sample'")
    if source == "sample" and data_dir is not None:
        raise ValueError(f"{func}: data_dir applies to the full dataset, not to source='sample' "
                         f"(the sample ships in the package); drop one of them")

    # 2. find and read the uint8 arrays
    if source == "sample":
        raw, origin, location = load_sample_arrays(func), "sample", str(sample_path())
    else:
        try:
            raw, location = _full_arrays(spec, data_dir, download, func)
            origin = "full"
        except DatasetNotFoundError as exc:
            if source == "full" or spec.name != MNIST.name or data_dir is not None:
                raise
            if spec.name not in _warned:
                _warned.add(spec.name)
                warnings.warn(_fallback_warning(func, getattr(exc, "why", "not found")), stacklevel=3)
            raw, origin, location = load_sample_arrays(func), "sample", str(sample_path())

    # 3. select examples on the uint8 data
    x_train, y_train, x_test, y_test = raw["x_train"], raw["y_train"], raw["x_test"], raw["y_test"]
    class_names = spec.class_names
    if classes is not None:
        x_train, y_train, kept = _select_classes(func, x_train, y_train, classes, relabel,
                                                 len(class_names))
        x_test, y_test, _ = _select_classes(func, x_test, y_test, kept, relabel,
                                            len(class_names))
        if relabel:
            class_names = tuple(class_names[c] for c in kept)
    x_val = y_val = None
    if not (is_int(val_size) and val_size == 0):
        train_idx, val_idx = _split_indices(func, y_train.shape[0], val_size, rng)
        x_val, y_val = x_train[val_idx], y_train[val_idx]
        x_train, y_train = x_train[train_idx], y_train[train_idx]
    x_train, y_train = _subset(func, x_train, y_train, n_train, subset, rng, "n_train",
                               "training examples")
    x_test, y_test = _subset(func, x_test, y_test, n_test, subset, rng, "n_test",
                             "test examples")

    # 4. convert, then standardise with training statistics only
    x_train, x_test = _to_nchw(x_train, dt), _to_nchw(x_test, dt)
    x_val = None if x_val is None else _to_nchw(x_val, dt)
    mean = std = None
    if standardize:
        mean = float(x_train.mean(dtype=np.float64))
        std = float(x_train.std(dtype=np.float64))
        if std == 0.0:
            raise ValueError(f"{func}: cannot standardize: the training images have standard "
                             f"deviation 0 (all pixels equal)")
        for x in (x_train, x_test, x_val):
            if x is not None:
                x -= dt.type(mean)
                x /= dt.type(std)

    def labels(y):
        return None if y is None else y.astype(np.int64)

    return Dataset(x_train=x_train, y_train=labels(y_train), x_test=x_test,
                   y_test=labels(y_test), x_val=x_val, y_val=labels(y_val), name=spec.name,
                   source=origin, location=location, class_names=tuple(class_names),
                   mean=mean, std=std)


def load_mnist(data_dir=None, *, source: str = "auto", download: bool = True, classes=None,
               relabel: bool = False, val_size=0, n_train: int | None = None,
               n_test: int | None = None, subset: str = "first", rng=None, dtype=np.float32,
               standardize: bool = False) -> Dataset:
    """Load MNIST handwritten digits as NCHW arrays.

    Parameters
    ----------
    data_dir : str or os.PathLike, optional
        A folder holding the four files (``.gz`` or uncompressed). If given,
        the only folder used: what it lacks is downloaded into it (unless
        ``download=False`` or offline), else an error names the missing files;
        never another folder, nor the sample. Without it: ``$CNNLAB_MNIST_DIR``,
        then the project cache ``data/mnist/``, then a download into the cache.
    source : {'auto', 'full', 'sample'}
        ``'auto'`` (default): the full dataset if it can be had, else the
        embedded sample of 5,000 real MNIST digits (4,000 train, 1,000 test)
        with one warning per process. ``'full'``: the full dataset or an
        error that says how to get it. ``'sample'``: the sample, no warning.
    download : bool
        Try the mirrors when no folder has the files (default True). The
        environment variable ``CNNLAB_OFFLINE=1`` has the same effect as False.
    classes : sequence of int, optional
        Keep only these classes, e.g. ``[0, 1, 2]``.
    relabel : bool
        With ``classes``, renumber them ``0..len(classes)-1`` in the order
        given (``class_names`` follows). Default False: labels keep their values.
    val_size : int or float
        Validation examples carved from the training set: a count, or a
        fraction such as 0.1. Default 0: no validation split (``x_val`` is
        None). Chosen at random with ``rng``; without ``rng``, the last ones.
    n_train, n_test : int, optional
        Keep only this many training examples (after the validation split)
        and test examples.
    subset : {'first', 'stratified'}
        How ``n_train`` and ``n_test`` choose: the first examples in file
        order, or equal numbers per class (at random with ``rng``, else the
        first of each class).
    rng : numpy.random.Generator, optional
        The only source of randomness: the same seed gives the same arrays.
    dtype : {np.float32, np.float64, np.uint8}
        float32 (default) or float64 images are scaled to [0, 1]; uint8 keeps
        the raw pixels 0..255.
    standardize : bool
        Subtract the training split's mean pixel value and divide by its
        standard deviation, in every split (default False). The statistics
        come from the final training split only and are returned as
        ``Dataset.mean`` and ``Dataset.std``.

    Returns
    -------
    Dataset
        ``x_train (N_train, 1, 28, 28)``, ``y_train (N_train,)`` int64,
        ``x_test (N_test, 1, 28, 28)``, ``y_test (N_test,)`` int64, ``x_val``
        and ``y_val`` (or None), plus ``source`` ('full' or 'sample'),
        ``location``, ``class_names``, ``mean`` and ``std``. The full
        dataset has 60,000 training and 10,000 test images.

    Raises
    ------
    DatasetNotFoundError
        The full dataset is wanted and cannot be had; the message says which
        files to put in which folder. :class:`~cnnlab.datasets.DataDirError`
        (a subclass) when ``data_dir`` does not exist or lacks files.
    ChecksumError, IdxFormatError
        A file found is corrupt, truncated or not the expected one.
    ValueError, TypeError
        A bad argument; the message starts with the function's name.

    Examples
    --------
    >>> data = load_mnist()                                   # doctest: +SKIP
    >>> data.x_train.shape, data.y_train.shape                # doctest: +SKIP
    ((60000, 1, 28, 28), (60000,))
    >>> small = load_mnist(classes=[0, 1, 2], n_train=300, subset="stratified",
    ...                    val_size=100, rng=np.random.default_rng(0))   # doctest: +SKIP
    """
    return _load("load_mnist", MNIST, data_dir, source, download, classes, relabel, val_size,
                 n_train, n_test, subset, rng, dtype, standardize)


def load_fashion_mnist(data_dir=None, *, source: str = "auto", download: bool = True,
                       classes=None, relabel: bool = False, val_size=0,
                       n_train: int | None = None, n_test: int | None = None,
                       subset: str = "first", rng=None, dtype=np.float32,
                       standardize: bool = False) -> Dataset:
    """Load Fashion-MNIST (Zalando article images, 10 classes) as NCHW arrays.

    A drop-in, harder replacement for MNIST: same shapes, same file format,
    and the parameters, returns and errors of :func:`load_mnist`, except:

    data_dir : str or os.PathLike, optional
        The only folder used if given (as in :func:`load_mnist`); else
        ``$CNNLAB_FASHION_MNIST_DIR``, then the project cache
        ``data/fashion-mnist/``, then Debian's copy in
        ``/usr/share/datasets/fashion-mnist/`` (``apt-get install
        dataset-fashion-mnist``), then a download into the cache.
    source : {'auto', 'full'}
        Both mean the full dataset or an error that says how to get it:
        there is no embedded Fashion-MNIST sample.

    Examples
    --------
    >>> data = load_fashion_mnist()                           # doctest: +SKIP
    >>> data.class_names[data.y_train[0]]                     # doctest: +SKIP
    'Ankle boot'
    """
    return _load("load_fashion_mnist", FASHION_MNIST, data_dir, source, download, classes,
                 relabel, val_size, n_train, n_test, subset, rng, dtype, standardize)
