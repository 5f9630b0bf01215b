"""Training throughput of LeNet-5: cnnlab's fast path against PyTorch, on this CPU.

Trains the modern LeNet-5 (conv 6@5x5 pad 2, ReLU, max pool, conv 16@5x5, ReLU,
max pool, fc 400-120-84-10) on MNIST-shaped random data: float32 pixels in
[0, 1), shape (N, 1, 28, 28), random integer labels. One training step is a
forward pass, softmax cross-entropy, a backward pass and an optimizer step
(SGD with momentum 0.9 by default, or Adam), for

* cnnlab fast: ``LeNet5(..., fast=True)`` with :mod:`cnnlab.optim`;
* cnnlab reference: the plain layers, for context (fewer steps: it is slow);
* PyTorch (when installed; CPU, ``torch.set_num_threads``): the same
  architecture, starting from the same weights, with ``torch.optim``.

Fairness: all run in one process, on the same batches, interleaved: after a
warm-up, each round times ``--steps`` steps of every contender in turn (the
order rotates from round to round), so a noisy neighbour slows all of them
alike. Before each timed run the script sleeps ``--pause`` seconds: the
worker threads of the contender that just ran (OpenBLAS's for NumPy, OpenMP's
for PyTorch) spin for a while after their last task, and would otherwise steal
a core from the next one (without the pause PyTorch lost up to 40%).
Throughputs are medians over ``--rounds`` rounds; the ratio cnnlab/PyTorch is
the median of the per-round ratios. Neither framework
computes the gradient of the input images (PyTorch's input has
``requires_grad=False``; cnnlab's ``backward(dout, input_grad=False)``) unless
``--input-grad`` is given. Before timing, the fast model's scores are checked
against the reference model's and PyTorch's on the same batch.

``--layers`` then prints where a fast training step spends its time, stage by
stage (the fused conv blocks, each linear layer and activation, the loss, the
optimizer).

Note: on machines that set OPENBLAS_CORETYPE (see the environment notes) unset it together with
OPENBLAS_L2_SIZE in the benchmark command only, e.g.
``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/bench_train.py``,
and check the BLAS kernel this prints.

    python benchmarks/bench_train.py [--rounds 7] [--steps 40] [--pause 0.3]
                                     [--batch-sizes 64 256] [--optimizer sgd|adam] [--threads 2]
                                     [--input-grad] [--no-reference] [--layers]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

import numpy as np

from cnnlab.layers import SoftmaxCrossEntropyLoss
from cnnlab.models import LeNet5
from cnnlab.optim import SGD, Adam

try:
    import torch
except ImportError:  # the comparison is optional: cnnlab's figures still print
    torch = None

NUM_DATA_BATCHES = 8  # distinct batches cycled through, so no step reuses the previous one's data
SCORE_RTOL = 1e-4  # float32 scores of two implementations of the same network agree to this


# -- the contenders -------------------------------------------------------------------------
class CnnlabTrainer:
    """One training step of a cnnlab LeNet5: forward, loss, backward, optimizer step."""

    def __init__(self, name, model, optimizer, input_grad):
        self.name, self.model, self.optimizer = name, model, optimizer
        self.loss = SoftmaxCrossEntropyLoss()
        self.input_grad = input_grad

    def scores(self, x):
        return self.model.forward(x)

    def step(self, x, y):
        self.loss.forward(self.model.forward(x), y)
        self.model.backward(self.loss.backward(), input_grad=self.input_grad)
        self.optimizer.step()


class TorchTrainer:
    """The same step in PyTorch, on the same NumPy batches (converted without copying)."""

    def __init__(self, state, optimizer, lr, input_grad):
        nn = torch.nn
        self.name = "PyTorch"
        self.model = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
            nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
        # cnnlab's linear weights are (in, out); torch's are (out, in)
        weights = {"0": "conv1", "3": "conv2", "7": "fc1", "9": "fc2", "11": "fc3"}
        with torch.no_grad():
            for index, name in weights.items():
                w = state[f"{name}.w"]
                self.model[int(index)].weight.copy_(torch.from_numpy(w if w.ndim == 4 else w.T.copy()))
                self.model[int(index)].bias.copy_(torch.from_numpy(state[f"{name}.b"]))
        params = self.model.parameters()
        self.optimizer = (torch.optim.SGD(params, lr=lr, momentum=0.9) if optimizer == "sgd"
                          else torch.optim.Adam(params, lr=lr))
        self.loss = nn.CrossEntropyLoss()
        self.input_grad = input_grad

    def scores(self, x):
        with torch.no_grad():
            return self.model(torch.from_numpy(x)).numpy()

    def step(self, x, y):
        x = torch.from_numpy(x)
        if self.input_grad:
            x.requires_grad_(True)
        self.optimizer.zero_grad(set_to_none=True)
        self.loss(self.model(x), torch.from_numpy(y)).backward()
        self.optimizer.step()


def cnnlab_trainer(name, *, fast, seed, optimizer, lr, input_grad):
    model = LeNet5(rng=np.random.default_rng(seed), fast=fast)
    opt = SGD(model, lr=lr, momentum=0.9) if optimizer == "sgd" else Adam(model, lr=lr)
    return CnnlabTrainer(name, model, opt, input_grad)


# -- measuring --------------------------------------------------------------------------------
def make_batches(rng, batch_size):
    """MNIST-shaped data: pixels in [0, 1) as float32 (N, 1, 28, 28), labels int64 (N,)."""
    return [(rng.random((batch_size, 1, 28, 28), dtype=np.float32),
             rng.integers(0, 10, batch_size, dtype=np.int64)) for _ in range(NUM_DATA_BATCHES)]


def run_steps(trainer, batches, steps):
    """Time ``steps`` training steps; return images per second."""
    start = time.perf_counter()
    for i in range(steps):
        trainer.step(*batches[i % len(batches)])
    elapsed = time.perf_counter() - start
    return steps * len(batches[0][1]) / elapsed


def check_scores(trainers, batches):
    """Raise unless every trainer gives the first trainer's scores on one batch (before training)."""
    x = batches[0][0]
    expected = trainers[0].scores(x)
    for trainer in trainers[1:]:
        got = trainer.scores(x)
        scale = float(np.max(np.abs(expected)))
        np.testing.assert_allclose(got, expected, rtol=SCORE_RTOL, atol=SCORE_RTOL * scale,
                                   err_msg=f"{trainer.name} and {trainers[0].name} compute different scores")


def interleaved(trainers, batches, *, rounds, steps, warmup, pause):
    """``{name: [images/s per round]}``, contenders alternating within each round."""
    for trainer, trainer_steps in trainers:
        run_steps(trainer, batches, max(1, warmup * trainer_steps // steps))
    results = {trainer.name: [] for trainer, _ in trainers}
    for r in range(rounds):
        shift = r % len(trainers)
        for trainer, trainer_steps in trainers[shift:] + trainers[:shift]:
            time.sleep(pause)  # let the previous contender's worker threads go to sleep
            results[trainer.name].append(run_steps(trainer, batches, trainer_steps))
        print(f"  round {r + 1}/{rounds}: " + ", ".join(f"{name} {values[-1]:,.0f}"
                                                       for name, values in results.items()),
              file=sys.stderr, flush=True)
    return results


def layer_times(trainer, batches, steps):
    """Milliseconds per step spent in each stage and layer of a fast cnnlab model."""
    totals = {}

    def timed(obj, method, label):
        original = getattr(obj, method)

        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                totals[label] = totals.get(label, 0.0) + time.perf_counter() - start
        setattr(obj, method, wrapper)  # an instance attribute: shadows the method, removed below
        return obj

    stages = trainer.model._fast_path.stages
    wrapped = [timed(stage, m, f"{stage.name} {m}") for stage in stages for m in ("forward", "backward")]
    wrapped += [timed(trainer.loss, m, f"loss {m}") for m in ("forward", "backward")]
    wrapped += [timed(trainer.optimizer, "step", "optimizer step")]
    try:
        run_steps(trainer, batches, 5)
        totals.clear()
        start = time.perf_counter()
        run_steps(trainer, batches, steps)
        elapsed = time.perf_counter() - start
    finally:
        for obj in wrapped:
            for method in ("forward", "backward", "step"):
                obj.__dict__.pop(method, None)
    return {label: 1000 * t / steps for label, t in totals.items()}, 1000 * elapsed / steps


# -- reporting ----------------------------------------------------------------------------------
def environment_lines(threads):
    lines = [f"Python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} CPUs"]
    try:
        from threadpoolctl import threadpool_info
        blas = [f"{p['internal_api']} {p.get('version', '')} kernel {p.get('architecture', '?')}, "
                f"{p['num_threads']} threads" for p in threadpool_info() if p.get("user_api") == "blas"]
        lines.append("numpy BLAS: " + ("; ".join(blas) or "not found"))
    except ImportError:
        lines.append("numpy BLAS: (install threadpoolctl to see the kernel and threads)")
    forced = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ}
    if forced:
        lines.append(f"note: {forced} is set and may slow numpy; see this script's docstring")
    if torch is None:
        lines.append("PyTorch: not installed (pip install -e '.[oracle]'); cnnlab figures only")
    else:
        lines.append(f"PyTorch {torch.__version__}, {threads} threads "
                     f"(torch.set_num_threads; intra-op), interop {torch.get_num_interop_threads()}")
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="At the defaults the whole run takes about a minute on a 2-core machine.")
    parser.add_argument("--rounds", type=int, default=7,
                        help="timed rounds per batch size; medians are reported (default: %(default)s)")
    parser.add_argument("--steps", type=int, default=40,
                        help="training steps per contender per round (default: %(default)s)")
    parser.add_argument("--warmup", type=int, default=20,
                        help="untimed steps per contender first (default: %(default)s)")
    parser.add_argument("--pause", type=float, default=0.3,
                        help="seconds of sleep before each timed run (default: %(default)s)")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[64, 256],
                        help="batch sizes to measure (default: %(default)s)")
    parser.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd",
                        help="sgd: SGD with momentum 0.9; adam: Adam (default: %(default)s)")
    parser.add_argument("--lr", type=float, default=None,
                        help="learning rate (default: 0.01 for sgd, 0.001 for adam)")
    parser.add_argument("--threads", type=int, default=2,
                        help="PyTorch intra-op threads (default: %(default)s); numpy's BLAS uses its own default")
    parser.add_argument("--input-grad", action="store_true",
                        help="also compute the gradient of the input images, in both frameworks")
    parser.add_argument("--no-reference", action="store_true",
                        help="skip the (slow) reference cnnlab path")
    parser.add_argument("--reference-steps", type=int, default=None,
                        help="steps per round for the reference path (default: steps / 10, at least 2)")
    parser.add_argument("--layers", action="store_true",
                        help="then time each stage and layer of the fast model")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    for option in ("rounds", "steps", "threads"):
        if getattr(args, option) < 1:
            parser.error(f"--{option} must be at least 1, got {getattr(args, option)}")
    if args.warmup < 0 or args.pause < 0 or min(args.batch_sizes) < 1:
        parser.error("--warmup and --pause must be >= 0 and every batch size >= 1")
    lr = args.lr if args.lr is not None else (0.01 if args.optimizer == "sgd" else 1e-3)
    reference_steps = args.reference_steps or max(2, args.steps // 10)

    if torch is not None:
        torch.set_num_threads(args.threads)
    print("\n".join(environment_lines(args.threads)))
    optimizer_name = "SGD, momentum 0.9" if args.optimizer == "sgd" else "Adam"
    print(f"LeNet-5 (modern), float32, {optimizer_name}, lr {lr}; input gradient "
          f"{'computed' if args.input_grad else 'not computed'}; {args.rounds} interleaved rounds of "
          f"{args.steps} steps (reference: {reference_steps}) after {args.warmup} warm-up steps", flush=True)

    rows = []
    for batch_size in args.batch_sizes:
        rng = np.random.default_rng(args.seed)
        batches = make_batches(rng, batch_size)
        common = dict(seed=args.seed, optimizer=args.optimizer, lr=lr, input_grad=args.input_grad)
        fast = cnnlab_trainer("cnnlab fast", fast=True, **common)
        trainers = [(fast, args.steps)]
        if not args.no_reference:
            trainers.append((cnnlab_trainer("cnnlab reference", fast=False, **common), reference_steps))
        if torch is not None:
            trainers.append((TorchTrainer(fast.model.state_dict(), args.optimizer, lr, args.input_grad),
                             args.steps))
        check_scores([t for t, _ in trainers], batches)
        print(f"batch {batch_size}: scores agree before training; timing", file=sys.stderr, flush=True)
        results = interleaved(trainers, batches, rounds=args.rounds, steps=args.steps, warmup=args.warmup,
                              pause=args.pause)
        medians = {name: statistics.median(values) for name, values in results.items()}
        ratio = spread = None
        if "PyTorch" in results:
            ratios = [a / b for a, b in zip(results["cnnlab fast"], results["PyTorch"])]
            ratio, spread = statistics.median(ratios), (min(ratios), max(ratios))
        rows.append((batch_size, medians, ratio, spread))
        if args.layers:
            stage_ms, step_ms = layer_times(fast, batches, args.steps * 2)
            print(f"\nbatch {batch_size}: fast path, {step_ms:.3f} ms per step "
                  f"({batch_size / step_ms * 1000:,.0f} images/s while timed by layer)")
            for label, ms in sorted(stage_ms.items(), key=lambda item: -item[1]):
                print(f"  {label:<28}{ms:>8.3f} ms {100 * ms / step_ms:>6.1f}%")
            other = step_ms - sum(stage_ms.values())
            print(f"  {'(rest: loop, data, calls)':<28}{other:>8.3f} ms {100 * other / step_ms:>6.1f}%")

    names = list(rows[0][1])
    header = f"{'batch':>5}  " + "  ".join(f"{name:>17}" for name in names)
    if torch is not None:
        header += f"  {'cnnlab fast / PyTorch':>29}"
    print("\nimages per second (median of rounds)")
    print(header)
    print("-" * len(header))
    for batch_size, medians, ratio, spread in rows:
        line = f"{batch_size:>5}  " + "  ".join(f"{medians[name]:>17,.0f}" for name in names)
        if ratio is not None:
            line += f"  {ratio:>9.2f} (rounds {spread[0]:.2f}-{spread[1]:.2f})"
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
