"""cnnlab.demos: the helpers of notebooks 07, 08 and the appendix 11 behave as the notebooks say."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cnnlab.demos import (FairComparison, GradNorms, Point, TrainSetScores, draw_runs,  # noqa: E402
                          first_epoch_reaching, run, small_cnn, smooth)
from cnnlab.optim import SGD  # noqa: E402


def bowl(p):
    """f(p) = (p_1^2 + 4 p_2^2) / 2 and its gradient; p: (2,) or (2, H, W)."""
    return 0.5 * (p[0] ** 2 + 4 * p[1] ** 2), np.array([p[0], 4 * p[1]])


def test_point_copies_its_start():
    start = np.array([1.0, 2.0])
    point = Point(start)
    point.params["p"] += 1
    assert start.tolist() == [1.0, 2.0]
    assert point.named_grads()["p"].shape == (2,)


def test_run_is_gradient_descent_step_by_step():
    path, losses = run(lambda model: SGD(model, lr=0.1), bowl, (1.0, -1.0), 3)
    assert path.shape == (4, 2) and losses.shape == (4,)
    expected = [np.array([1.0, -1.0])]
    for _ in range(3):
        expected.append(expected[-1] - 0.1 * bowl(expected[-1])[1])
    np.testing.assert_allclose(path, expected, rtol=0, atol=1e-15)
    np.testing.assert_allclose(losses, [bowl(p)[0] for p in expected], rtol=1e-15)


@pytest.mark.parametrize("bad", [-1, 2.5, True])
def test_run_rejects_a_bad_number_of_steps(bad):
    with pytest.raises((TypeError, ValueError), match="run: expected num_steps"):
        run(lambda model: SGD(model, lr=0.1), bowl, (1.0, 1.0), bad)


def test_draw_runs_labels_both_panels():
    runs = {"SGD": run(lambda model: SGD(model, lr=0.1), bowl, (1.0, -1.0), 5)}
    ax_path, ax_loss = draw_runs(runs, bowl, xlim=(-1.5, 1.5), ylim=(-1.5, 1.5),
                                 levels=np.geomspace(0.01, 5, 6), minimum=(0, 0), title="bowl", mark=2)
    try:
        assert ax_path.get_xlabel() and ax_path.get_ylabel() and ax_path.get_title() == "bowl"
        assert ax_loss.get_xlabel() == "step" and ax_loss.get_ylabel() == "loss"
        assert ax_loss.get_yscale() == "log"
    finally:
        plt.close(ax_path.figure)


@pytest.mark.parametrize("batchnorm, dropout", [(False, 0.0), (True, 0.5)])
def test_small_cnn_shapes_and_layers(batchnorm, dropout):
    net = small_cnn(batchnorm=batchnorm, dropout=dropout, rng=np.random.default_rng(0))
    names = [name for name, _ in net.layers]
    assert ("bn1" in names) == batchnorm and ("dropout" in names) == (dropout > 0)
    assert ("b" in net["conv1"].params) == (not batchnorm)
    out = net.forward(np.random.default_rng(1).standard_normal((2, 1, 28, 28)).astype(np.float32))
    assert out.shape == (2, 10)


def test_small_cnn_is_a_function_of_its_generator():
    a, b = (small_cnn(rng=np.random.default_rng(3)) for _ in range(2))
    for name, value in a.named_params().items():
        np.testing.assert_array_equal(value, b.named_params()[name])


def test_the_callbacks_watch_a_short_fit():
    from cnnlab.models import MLP
    from cnnlab.optim import SGD as Sgd
    from cnnlab.train import fit
    gen = np.random.default_rng(0)
    x = gen.standard_normal((40, 1, 4, 4)).astype(np.float32)
    y = gen.integers(0, 3, 40)

    class Data:
        x_train, y_train, x_val, y_val, x_test, y_test = x, y, None, None, None, None

    model = MLP((16, 8, 3), rng=np.random.default_rng(1))
    norms, scores = GradNorms(), TrainSetScores(x, y)
    fit(model, Data(), optimizer=Sgd(model, lr=0.1), num_epochs=2, batch_size=10,
        rng=np.random.default_rng(2), callbacks=[norms, scores], progress=False)
    assert sorted(norms.norms) and all(len(v) == 8 for v in norms.norms.values())
    assert all(v > 0 for values in norms.norms.values() for v in values)
    assert len(scores.loss) == len(scores.acc) == 2 and all(0 <= a <= 1 for a in scores.acc)


def test_first_epoch_reaching_and_smooth():
    assert first_epoch_reaching([0.5, 0.9, 0.95], 0.9) == "2"
    assert first_epoch_reaching([0.5], 0.9) == "-"
    np.testing.assert_allclose(smooth([1, 2, 3, 4], window=2), [1.5, 2.5, 3.5])
    with pytest.raises(ValueError, match="smooth: expected a 1-D sequence"):
        smooth([1.0], window=2)


def _comparison(**kw):
    from cnnlab.datasets import load_mnist
    data = load_mnist(source="sample", n_train=200, n_test=50)
    return data, FairComparison(data, data_seed=1, batch_size=32, batch_seed=2, **kw)


def test_a_fair_comparison_takes_the_same_class_balanced_subset_every_time():
    data, comparison = _comparison()
    a, b = comparison.subset(100), comparison.subset(100)
    assert a.x_train.shape == (100, 1, 28, 28) and np.bincount(a.y_train).tolist() == [10] * 10
    np.testing.assert_array_equal(a.x_train, b.x_train)
    assert a.x_test is data.x_test and comparison.subset(None).x_train is data.x_train
    assert comparison.subset(500).x_train is data.x_train      # more than there is: all of it
    no_test = comparison.subset(100, with_test=False)
    assert no_test.x_test is None and no_test.y_test is None and data.x_test is not None


def test_a_fair_comparison_trains_with_the_same_batches_as_fit_seeded_alike():
    from cnnlab.models import MLP
    from cnnlab.train import fit
    data, comparison = _comparison()
    small = comparison.subset(64)
    models = [MLP((784, 16, 10), rng=np.random.default_rng(0)) for _ in range(2)]
    ours = comparison.train(models[0], SGD(models[0], lr=0.1), 2, small)
    direct = fit(models[1], small, optimizer=SGD(models[1], lr=0.1), num_epochs=2, batch_size=32,
                 rng=np.random.default_rng(2), progress=False)
    assert ours.num_epochs == 2 and ours.epochs["test_acc"] == direct.epochs["test_acc"]
    for name, value in models[0].named_params().items():
        np.testing.assert_array_equal(value, models[1].named_params()[name], err_msg=name)


@pytest.mark.parametrize("bad, message", [(dict(batch_size=0), "batch_size >= 1"),
                                          (dict(data_seed=1.5), "data_seed to be an int")])
def test_a_fair_comparison_rejects_bad_settings(bad, message):
    from cnnlab.datasets import load_mnist
    settings = {"data_seed": 1, "batch_size": 32, "batch_seed": 2, **bad}
    with pytest.raises((TypeError, ValueError), match=f"FairComparison: expected {message}"):
        FairComparison(load_mnist(source="sample", n_train=20, n_test=10), **settings)
