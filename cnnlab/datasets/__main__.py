"""Command line: ``python -m cnnlab.datasets info`` and ``... download NAME``.

``info``
    For each dataset, every folder searched (in order), what is there, whether
    the files verify, and which one a loader would use; then the embedded
    sample. Exit status 0.
``download mnist|fashion-mnist|all``
    Fetch and verify the files ahead of time (e.g. before a class). Does
    nothing when a verified copy is already found, unless ``--data-dir`` names
    a folder, which then gets its own copy. Exit status 1, with the offline
    instructions, when every mirror fails; 2, in one line, when
    ``CNNLAB_OFFLINE`` is set and a file would have to be downloaded (offline
    mode never touches the network, ``--mirror`` or not).
"""

from __future__ import annotations

import argparse
import sys

from .checksums import md5_file, sha256_hex
from .download import DEFAULT_TIMEOUT, download_dataset
from .errors import ChecksumError, DownloadError, IdxFormatError, OfflineError
from .idx import read_content
from .registry import DATASETS, SAMPLE, DatasetSpec
from .sample import load_sample_arrays, sample_path
from .sources import CACHE_ENV, OFFLINE_ENV, Location, cache_root, locate, offline_requested


def _verify_location(spec: DatasetSpec, loc: Location) -> tuple[bool, list[str]]:
    """Check every file at a complete location; (all good, one line per file)."""
    ok, lines = True, []
    for f in spec.files:
        path = loc.found[f.filename]
        try:
            digest = sha256_hex(read_content(path))
        except (IdxFormatError, OSError) as exc:
            ok = False
            lines.append(f"       {path.name}: unreadable ({exc})")
            continue
        if digest != f.sha256:
            ok = False
            lines.append(f"       {path.name}: SHA-256 MISMATCH ({digest[:16]}..., expected "
                         f"{f.sha256[:16]}...)")
            continue
        note = ""
        if path.name.endswith(".gz"):
            note = (", MD5 as published" if md5_file(path) == f.md5
                    else " (a recompressed copy: its .gz MD5 differs from the published one)")
        lines.append(f"       {path.name}: SHA-256 of content OK{note}")
    return ok, lines


def info_text(data_dir=None, names=None) -> str:
    """The report printed by ``python -m cnnlab.datasets info``."""
    out = [f"cache root: {cache_root()}  (set {CACHE_ENV} to move it)"]
    for name in names or list(DATASETS):
        spec = DATASETS[name]
        out.append("")
        out.append(f"{spec.name}: {spec.title}  (licence {spec.licence}; {spec.credit})")
        chosen = None
        for i, loc in enumerate(locate(spec, data_dir), 1):
            out.append(f"  {i}. {loc.describe()}")
            if loc.complete and chosen is None:
                ok, lines = _verify_location(spec, loc)
                out.extend(lines)
                chosen = (loc, ok)
        n = i + 1
        out.append(f"  {n}. download from: {', '.join(spec.mirrors)}"
                   + (f"  ({OFFLINE_ENV} is set: skipped)" if offline_requested() else ""))
        if chosen is not None:
            loc, ok = chosen
            verdict = "verified" if ok else "DOES NOT VERIFY: loading will fail; replace the files"
            out.append(f"  -> loads from {loc.label}: {loc.folder} ({verdict})")
        elif spec.name == "mnist":
            out.append("  -> no complete copy: a loader would download, and if that fails use "
                       "the embedded sample")
        else:
            out.append("  -> no complete copy: a loader would download, and fail if that fails")
    out.append("")
    try:
        arrays = load_sample_arrays("info")
        out.append(f"embedded MNIST sample: {sample_path()}  ({len(arrays['y_train'])} train + "
                   f"{len(arrays['y_test'])} test, verified; built from {SAMPLE.source_file} "
                   f"of {SAMPLE.source_package})")
    except (OSError, ChecksumError) as exc:
        out.append(f"embedded MNIST sample: NOT AVAILABLE ({exc})")
    return "\n".join(out)


def _download(args, parser) -> int:
    names = list(DATASETS) if args.name == "all" else [args.name]
    status = 0
    for name in names:
        spec = DATASETS[name]
        if args.data_dir is None:
            ready = None
            for loc in locate(spec):
                if loc.complete:
                    ok, _ = _verify_location(spec, loc)
                    if ok:
                        ready = loc
                        break
            if ready is not None:
                print(f"{name}: already available and verified in {ready.label}: {ready.folder}; "
                      f"nothing to download")
                continue
        try:
            folder = download_dataset(spec, args.data_dir, mirrors=args.mirror or None,
                                      timeout=args.timeout, progress=not args.no_progress)
        except OfflineError as exc:
            parser.exit(2, f"{parser.prog}: error: {str(exc).split(': ', 1)[-1]}\n")
        except (DownloadError, OSError) as exc:
            print(f"{name}: download failed.\n{exc}", file=sys.stderr)
            status = 1
            continue
        print(f"{name}: 4 files verified in {folder}")
    return status


def main(argv=None) -> int:
    """Run the command line; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m cnnlab.datasets",
        description="Find, download and verify MNIST and Fashion-MNIST for cnnlab.")
    sub = parser.add_subparsers(dest="command", required=True)
    p_info = sub.add_parser("info", help="say where each dataset would be loaded from and "
                                         "whether it verifies")
    p_info.add_argument("name", nargs="*", metavar="NAME",
                        help=f"datasets to report, of {', '.join(DATASETS)} (default: all)")
    p_info.add_argument("--data-dir", help="also search this folder first")
    p_dl = sub.add_parser("download", help="fetch and verify a dataset ahead of time")
    p_dl.add_argument("name", choices=[*DATASETS, "all"])
    p_dl.add_argument("--data-dir", help="folder to download into (default: the project cache)")
    p_dl.add_argument("--mirror", action="append", metavar="URL",
                      help="base address to use instead of the built-in mirrors (repeatable)")
    p_dl.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                      help=f"seconds to wait for data before trying the next mirror "
                           f"(default {DEFAULT_TIMEOUT:g})")
    p_dl.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if args.command == "info":
        unknown = [n for n in args.name if n not in DATASETS]
        if unknown:
            parser.error(f"info: unknown dataset {unknown[0]!r}; choose from {', '.join(DATASETS)}")
        print(info_text(args.data_dir, args.name or None))
        return 0
    return _download(args, p_dl)


if __name__ == "__main__":
    sys.exit(main())
