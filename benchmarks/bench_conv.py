"""Naive (loops) versus fast (im2col) conv2d, forward + backward, on LeNet-5's two conv layers.

* conv1: x (N, 1, 28, 28), w (6, 1, 5, 5), pad 2 -> (N, 6, 28, 28)
* conv2: x (N, 6, 14, 14), w (16, 6, 5, 5), pad 0 -> (N, 16, 10, 10)

Each timing is one ``forward`` followed by one ``backward`` with a random
upstream gradient, measured with ``time.perf_counter``: the fast pair as the
median of ``--repeats`` runs after one warm-up run, the naive pair (seconds per
run) as the median of ``--naive-repeats``. Before any timing, both pairs run
once on the same data and must agree (output, dx, dw, db), so the benchmark
never times wrong code. The speed-up is naive time / fast time, both from
this run.

    python benchmarks/bench_conv.py [--dtype float32|float64] [--batch 64]
                                    [--repeats 20] [--naive-repeats 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

import numpy as np

from cnnlab import functional as F

# name, input (C, H, W), filters F, kernel K, pad
LAYERS = [
    ("conv1", (1, 28, 28), 6, 5, 2),
    ("conv2", (6, 14, 14), 16, 5, 0),
]
# naive versus fast agree to rounding: relative to the largest value of each array
AGREEMENT = {"float32": 1e-4, "float64": 1e-10}


def conv_pair(forward, backward, x, w, b, pad, dout):
    """One forward and one backward; returns ``(out, Conv2dGrads)``."""
    out, cache = forward(x, w, b, 1, pad)
    return out, backward(dout, cache)


def median_ms(fn, repeats: int, warmup: int) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times)


def check_agreement(name, naive, fast, tol):
    """Raise unless the naive and fast results agree to ``tol`` times each array's largest value."""
    (out_n, grads_n), (out_f, grads_f) = naive, fast
    for label, a, b in [("out", out_n, out_f), *zip(("dx", "dw", "db"), grads_n, grads_f)]:
        scale = float(np.max(np.abs(a)))
        np.testing.assert_allclose(b, a, rtol=tol, atol=tol * scale,
                                   err_msg=f"{name}: naive and fast conv2d disagree on {label}")


def blas_line() -> str:
    """The BLAS NumPy uses, and its thread count when threadpoolctl is installed; '' if unknown."""
    parts = []
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        parts.append(f"{blas.get('name', '?')} {blas.get('version', '')}".strip())
    except Exception:  # mode="dicts" needs NumPy >= 1.25; its layout is not a stable API
        pass
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        threads = {k: os.environ[k] for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
                   if k in os.environ}
        parts.append("threads: " + (", ".join(f"{k}={v}" for k, v in threads.items()) if threads
                                    else "BLAS default (threadpoolctl not installed)"))
    else:
        pools = [f"{p['internal_api']} {p['num_threads']} threads" for p in threadpool_info()
                 if p.get("user_api") == "blas"]
        parts.append(", ".join(pools) or "no BLAS pool found")
    return "; ".join(parts)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Whole script at the defaults: under a minute on a 2-core machine (the naive loops dominate).")
    parser.add_argument("--dtype", choices=sorted(AGREEMENT), default="float32",
                        help="dtype of x, w, b and dout (default: %(default)s)")
    parser.add_argument("--batch", type=int, default=64, help="N, examples per batch (default: %(default)s)")
    parser.add_argument("--repeats", "--repeat", type=int, default=20,
                        help="timed runs of the fast pair; the median is reported (default: %(default)s)")
    parser.add_argument("--naive-repeats", type=int, default=3,
                        help="timed runs of the slow naive pair (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    for option in ("batch", "repeats", "naive_repeats"):
        if getattr(args, option) < 1:
            parser.error(f"--{option.replace('_', '-')} must be at least 1, got {getattr(args, option)}")

    dtype = np.dtype(args.dtype)
    rng = np.random.default_rng(args.seed)
    print(f"numpy {np.__version__}, Python {platform.python_version()}, {os.cpu_count()} CPUs")
    blas = blas_line()
    if blas:
        print(f"BLAS: {blas}")
    print(f"conv2d forward + backward, {args.dtype}, batch {args.batch}; fast: median of "
          f"{args.repeats} (after 1 warm-up), naive: median of {args.naive_repeats}", flush=True)

    rows = []
    for name, (c, h, w), n_filters, k, pad in LAYERS:
        x = rng.standard_normal((args.batch, c, h, w)).astype(dtype)
        weights = (rng.standard_normal((n_filters, c, k, k)) / np.sqrt(c * k * k)).astype(dtype)
        b = rng.standard_normal(n_filters).astype(dtype)
        h_out, w_out = h + 2 * pad - k + 1, w + 2 * pad - k + 1
        dout = rng.standard_normal((args.batch, n_filters, h_out, w_out)).astype(dtype)

        def naive():
            return conv_pair(F.conv2d_forward_naive, F.conv2d_backward_naive, x, weights, b, pad, dout)

        def fast():
            return conv_pair(F.conv2d_forward, F.conv2d_backward, x, weights, b, pad, dout)

        # the naive run doubles as the naive warm-up
        check_agreement(name, naive(), fast(), AGREEMENT[args.dtype])
        fast_ms = median_ms(fast, args.repeats, warmup=1)
        naive_ms = median_ms(naive, args.naive_repeats, warmup=0)
        shape = (f"x ({args.batch},{c},{h},{w}) w ({n_filters},{c},{k},{k}) pad {pad} "
                 f"-> ({args.batch},{n_filters},{h_out},{w_out})")
        rows.append((name, shape, naive_ms, fast_ms))
        print(f"  {name}: naive and fast agree (out, dx, dw, db); timed", file=sys.stderr, flush=True)

    shape_width = max(len(r[1]) for r in rows)
    header = f"{'layer':<6}  {'shape':<{shape_width}}  {'naive ms':>10}  {'fast ms':>9}  {'speed-up':>8}"
    print(header)
    print("-" * len(header))
    for name, shape, naive_ms, fast_ms in rows:
        print(f"{name:<6}  {shape:<{shape_width}}  {naive_ms:>10.1f}  {fast_ms:>9.2f}  "
              f"{naive_ms / fast_ms:>7.0f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
