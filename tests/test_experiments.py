"""cnnlab.experiments: the helpers of the appendix notebook 12."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cnnlab.experiments import ensemble_proba, plot_feature_maps_over_training, plot_runs  # noqa: E402
from cnnlab.models import LeNet5  # noqa: E402
from cnnlab.train import History, predict_proba  # noqa: E402


def history(accs):
    h = History()
    for epoch, acc in enumerate(accs, start=1):
        h.log_epoch(epoch=epoch, train_loss=1.0 / epoch, train_acc=acc, test_acc=acc, test_loss=1.0, lr=0.1)
    return h


def test_plot_runs_one_panel_per_metric_one_line_per_run():
    fig = plot_runs({"a": history([0.5, 0.7, 0.8]), "b": history([0.4, 0.6, 0.9])},
                    metrics=("train_loss", "test_acc"), title="t")
    axes = fig.axes
    assert len(axes) == 2 and all(len(ax.lines) == 2 for ax in axes)
    assert axes[1].get_ylabel() == "test accuracy (after the epoch)" and axes[0].get_xlabel() == "epoch"
    assert all(float(t).is_integer() for t in axes[0].get_xticks())
    assert [t.get_text() for t in axes[1].get_legend().get_texts()] == ["a", "b"]


def test_plot_runs_errors_are_named():
    with pytest.raises(ValueError, match=r"plot_runs: unknown metrics \['acc'\]"):
        plot_runs({"a": history([0.5])}, metrics=("acc",))
    with pytest.raises(TypeError, match="plot_runs: expected a dict"):
        plot_runs([history([0.5])])
    import matplotlib.pyplot as plt
    _, ax = plt.subplots()
    with pytest.raises(ValueError, match=r"plot_runs: expected one Axes per metric \(2\), got 1"):
        plot_runs({"a": history([0.5])}, ax=ax)
    plt.close("all")


def test_feature_maps_over_training_one_row_per_digit_and_snapshot():
    models = {f"epoch {e}": LeNet5(rng=np.random.default_rng(e)) for e in (0, 1, 2)}
    x = np.random.default_rng(0).random((2, 1, 28, 28)).astype(np.float32)
    before = {label: m.state_dict() for label, m in models.items()}
    fig = plot_feature_maps_over_training(models, x, layers=("relu1", "relu2"))
    assert len(fig.axes) == 2 * 3 * 3  # (digits x snapshots) rows, image + two layers
    assert fig.axes[0].get_ylabel() == "epoch 0"
    for label, model in models.items():  # the models are left alone
        for name, value in model.state_dict().items():
            np.testing.assert_array_equal(value, before[label][name])
    with pytest.raises(ValueError, match=r"plot_feature_maps_over_training: no layer \['relu9'\]"):
        plot_feature_maps_over_training(models, x, layers=("relu9",))


def test_ensemble_proba_is_the_mean_of_the_members_probabilities():
    models = [LeNet5(rng=np.random.default_rng(seed)) for seed in range(3)]
    x = np.random.default_rng(1).random((4, 1, 28, 28)).astype(np.float32)
    p = ensemble_proba(models, x)
    assert p.shape == (4, 10)
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-5)
    np.testing.assert_allclose(p, np.mean([predict_proba(m, x) for m in models], axis=0))
    np.testing.assert_array_equal(ensemble_proba(models[:1], x), predict_proba(models[0], x))
    with pytest.raises(ValueError, match="ensemble_proba: expected at least one model"):
        ensemble_proba([], x)
