"""The sweep's progress bar: trials done, and the best mean validation accuracy so far."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["Best", "progress_bar", "show", "say"]


class Best:
    """The best mean validation accuracy over the configurations whose folds are all done."""

    def __init__(self, n_folds, rows=()):
        self.n_folds, self.scores, self.best, self.best_fold = n_folds, {}, None, None
        for row in rows:
            self.add(row)

    def add(self, row):
        scores = self.scores.setdefault(row["config"], [])
        scores.append(row["val_acc"] if row["status"] == "ok" else math.nan)
        if not math.isnan(scores[-1]) and (self.best_fold is None or scores[-1] > self.best_fold):
            self.best_fold = scores[-1]
        if len(scores) == self.n_folds and not any(math.isnan(s) for s in scores):
            mean = float(np.mean(scores))
            if self.best is None or mean > self.best[0]:
                self.best = (mean, row["config"])

    def text(self) -> str:
        if self.best is not None:
            return f"best cv acc {self.best[0]:.4f} (config {self.best[1]})"
        if self.best_fold is not None:
            return f"best fold acc {self.best_fold:.4f}"
        return ""


def progress_bar(progress, total, initial):
    if not progress:
        return None
    from tqdm.auto import tqdm
    return tqdm(total=total, initial=initial, desc="sweep", unit="trial", dynamic_ncols=True)


def show(bar, tracker):
    if bar is not None:
        bar.set_postfix_str(tracker.text(), refresh=True)


def say(bar, text):
    if bar is not None:
        from tqdm.auto import tqdm
        tqdm.write(text)
