"""Where the dataset files are looked for, in order.

For a dataset such as ``"mnist"`` the folders searched are:

1. the ``data_dir`` argument, if given;
2. the folder in the environment variable (``CNNLAB_MNIST_DIR`` or
   ``CNNLAB_FASHION_MNIST_DIR``), if set;
3. the project cache, ``<cache>/<dataset>/`` (see :func:`cache_root`);
4. for Fashion-MNIST, Debian's copy in ``/usr/share/datasets/fashion-mnist/``
   (``apt-get install dataset-fashion-mnist``).

The first folder that holds all four files (``.gz`` or uncompressed) is
used; if none does, the files are downloaded into ``data_dir`` if given, else
into the project cache.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .registry import DatasetSpec

__all__ = ["Location", "cache_root", "cache_dir", "locate", "find_file", "offline_help"]

CACHE_ENV = "CNNLAB_CACHE_DIR"
OFFLINE_ENV = "CNNLAB_OFFLINE"

_REPO_ROOT = Path(__file__).resolve().parents[2]


def cache_root() -> Path:
    """The folder that holds one sub-folder per dataset.

    In order: ``$CNNLAB_CACHE_DIR`` if set; the repository's ``data/``
    folder when the package is used from a checkout (an editable install,
    recognised by ``data/README.md`` next to the package); otherwise
    ``$XDG_CACHE_HOME/cnnlab`` or ``~/.cache/cnnlab``.
    """
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    repo_data = _REPO_ROOT / "data"
    if (repo_data / "README.md").is_file() and (_REPO_ROOT / "cnnlab").is_dir():
        return repo_data
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "cnnlab"


def cache_dir(spec: DatasetSpec) -> Path:
    """The project cache folder of one dataset, e.g. ``data/mnist``."""
    return cache_root() / spec.name


def offline_requested() -> bool:
    """True when ``CNNLAB_OFFLINE`` is set to something other than ``""``/``0``."""
    return os.environ.get(OFFLINE_ENV, "").strip().lower() not in ("", "0", "false", "no")


def find_file(folder: Path, names) -> Path | None:
    """The first of ``names`` that exists as a file in ``folder``, else None."""
    for name in names:
        p = folder / name
        if p.is_file():
            return p
    return None


@dataclass(frozen=True)
class Location:
    """One folder searched for a dataset.

    Attributes
    ----------
    label : str
        How the folder was chosen, e.g. ``"CNNLAB_MNIST_DIR"``.
    folder : pathlib.Path or None
        None when the setting is absent (argument not given, variable unset).
    found : dict
        Canonical file name -> path found, or None when missing.
    """

    label: str
    folder: Path | None
    found: dict

    @property
    def complete(self) -> bool:
        """All four files are present (not yet verified)."""
        return self.folder is not None and all(p is not None for p in self.found.values())

    @property
    def missing(self) -> list[str]:
        """Canonical names of the files not found."""
        return [name for name, p in self.found.items() if p is None]

    def describe(self) -> str:
        """One line: the label, the folder and what is there."""
        if self.folder is None:
            return f"{self.label}: not set"
        if not self.folder.is_dir():
            return f"{self.label}: {self.folder} (no such folder)"
        if self.complete:
            return f"{self.label}: {self.folder} (all 4 files present)"
        return f"{self.label}: {self.folder} (missing {', '.join(self.missing)})"


def _location(spec: DatasetSpec, label: str, folder) -> Location:
    if folder is None:
        return Location(label, None, {f.filename: None for f in spec.files})
    folder = Path(folder).expanduser()
    return Location(label, folder,
                    {f.filename: find_file(folder, f.accepted_names) for f in spec.files})


def locate(spec: DatasetSpec, data_dir=None) -> list[Location]:
    """Every folder searched for ``spec``, in search order, with the files found.

    Parameters
    ----------
    spec : DatasetSpec
        The dataset.
    data_dir : str or os.PathLike, optional
        A folder named by the caller; searched first.

    Returns
    -------
    list of Location
        Including absent settings (folder None), so a report can show them.
    """
    env_value = os.environ.get(spec.env_var) or None
    locations = [
        _location(spec, "data_dir (--data-dir)", data_dir),
        _location(spec, spec.env_var, env_value),
        _location(spec, "project cache", cache_dir(spec)),
    ]
    for d in spec.system_dirs:
        locations.append(_location(spec, "Debian package", d))
    return locations


def offline_help(spec: DatasetSpec) -> str:
    """The instructions printed when a dataset cannot be had: which files, where."""
    names = "\n".join(f"    {f.filename}" for f in spec.files)
    lines = [
        "To work offline, get these four files (the .gz files, or the same files uncompressed):",
        names,
        f"  and either put them in {cache_dir(spec)}/ (the project cache),",
        f"  or put them in any folder and set {spec.env_var}=/that/folder "
        f"(or pass data_dir='/that/folder').",
    ]
    if spec.system_dirs:
        lines.append(f"  On Debian/Ubuntu, `apt-get install dataset-{spec.name}` installs them "
                     f"in {spec.system_dirs[0]}/.")
    lines.append("  Where they can be downloaded from, and their checksums: data/README.md; "
                 "`python -m cnnlab.datasets info` shows what is found where.")
    return "\n".join(lines)
