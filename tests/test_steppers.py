"""The steppers of cnnlab.widgets.steppers: every frame holds the library's numbers, and the
widget builds (Play linked to a slider, an Output redrawn) without a browser."""

import matplotlib

matplotlib.use("Agg")

import ipywidgets  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cnnlab import functional as F  # noqa: E402
from cnnlab.widgets.steppers import (  # noqa: E402
    BatchNormStepper,
    ConvBackwardStepper,
    ConvStepper,
    Im2colStepper,
    PoolStepper,
)
from cnnlab.widgets.steppers_base import num  # noqa: E402

X5 = np.array([[1, 0, 2, 1, 0], [0, 1, 3, 1, 1], [2, 1, 0, 0, 2], [1, 3, 1, 2, 0], [0, 2, 1, 1, 3]],
              dtype=float)
W3 = np.array([[1, 0, -1], [2, 1, 0], [0, -1, 1]], dtype=float)
DOUT3 = np.array([[1, 2, 0], [-1, 1, 3], [2, 0, 1]], dtype=float)
X_TIES = np.array([[1, 3, 2, 2], [4, 4, 0, 1], [1, 1, 5, 6], [0, 2, 7, 3]], dtype=float)
PNG = "iVBORw0KGgo"  # b"\x89PNG" in base64


def nchw(a):
    return a[None, None]


def test_conv_frames_are_conv2d_forward_output_and_its_windows():
    stepper = ConvStepper(X5, W3, b=0.5, stride=2, pad=1)
    out, _ = F.conv2d_forward(nchw(X5), nchw(W3), np.array([0.5]), stride=2, pad=1)
    assert len(stepper) == 9 == out.size
    np.testing.assert_array_equal([frame.value for frame in stepper.frames], out.ravel())
    for frame in stepper.frames:
        window = stepper.x_pad[frame.top:frame.top + 3, frame.left:frame.left + 3]
        np.testing.assert_array_equal(frame.patch, window)
        assert (frame.top, frame.left) == (2 * frame.i, 2 * frame.j)
        assert np.isclose(np.sum(window * W3) + 0.5, frame.value)
        assert frame.text.startswith(f"out[{frame.i}, {frame.j}] = ")
        assert frame.text.endswith(f"+ 0.5 = {num(frame.value)}")


def test_conv_frame_writes_out_the_multiply_add():
    stepper = ConvStepper([[2, 0], [1, 3]], [[1, -1], [2, 1]])
    assert len(stepper) == 1
    assert stepper.frames[0].text == "out[0, 0] = 2·1 + 0·(-1) + 1·2 + 3·1 = 7"


def test_im2col_rows_are_the_library_im2col():
    x = np.arange(1.0, 17.0).reshape(4, 4)
    stepper = Im2colStepper(x, 2, stride=2, pad=1)
    cols = F.im2col(nchw(x), (2, 2), (2, 2), (1, 1))
    assert len(stepper) == cols.shape[0] == 9
    np.testing.assert_array_equal(stepper.cols, cols)
    for k, frame in enumerate(stepper.frames):
        np.testing.assert_array_equal(frame.row, cols[k])
        window = stepper.x_pad[frame.top:frame.top + 2, frame.left:frame.left + 2]
        np.testing.assert_array_equal(window.ravel(), frame.row)


def test_conv_backward_adds_g_times_w_and_ends_at_conv2d_backward():
    stepper = ConvBackwardStepper(X5, W3, DOUT3, stride=2, pad=1)
    _, cache = F.conv2d_forward(nchw(X5), nchw(W3), None, stride=2, pad=1)
    dx = F.conv2d_backward(nchw(DOUT3), cache).dx[0, 0]
    assert len(stepper) == DOUT3.size == 9
    for frame in stepper.frames:
        assert frame.g == DOUT3[frame.i, frame.j]
        np.testing.assert_allclose(frame.added, frame.g * W3)
    np.testing.assert_allclose(stepper.frames[-1].dx_pad[1:-1, 1:-1], dx)
    np.testing.assert_allclose(stepper.dx, dx)
    # the padding's share is kept on the way, then cropped: here some of it is not zero
    assert np.abs(stepper.frames[-1].dx_pad[0]).sum() > 0


def test_max_pool_backward_frames_follow_the_library_ties_included():
    stepper = PoolStepper(X_TIES, 2, mode="max")
    out, cache = F.max_pool_forward(nchw(X_TIES), 2)
    dout = np.arange(1.0, 5.0).reshape(2, 2)
    dx = F.max_pool_backward(nchw(dout), cache).dx[0, 0]
    assert len(stepper) == 4
    np.testing.assert_array_equal([frame.value for frame in stepper.frames], out.ravel())
    np.testing.assert_array_equal(stepper.frames[-1].dx, dx)
    first = stepper.frames[0]  # window [[1, 3], [4, 4]]: a tie, the first 4 gets it all
    assert first.winner == (1, 0) and first.ties == ((1, 1),)
    np.testing.assert_array_equal(first.added, [[0, 0], [1, 0]])
    assert "a tie" in first.text
    for frame in stepper.frames:
        p, q = divmod(int(cache.argmax[0, 0, frame.i, frame.j]), 2)
        assert frame.winner == (p, q)
        assert frame.added[p, q] == frame.g and np.count_nonzero(frame.added) == 1


def test_avg_pool_backward_frames_spread_evenly():
    dout = np.array([[2.0, -1.0], [0.5, 4.0]])
    stepper = PoolStepper(X_TIES, 2, mode="avg", dout=dout)
    out, cache = F.avg_pool_forward(nchw(X_TIES), 2)
    np.testing.assert_array_equal([frame.value for frame in stepper.frames], out.ravel())
    np.testing.assert_allclose(stepper.frames[-1].dx, F.avg_pool_backward(nchw(dout), cache).dx[0, 0])
    for frame in stepper.frames:
        np.testing.assert_allclose(frame.added, np.full((2, 2), frame.g / 4))


def test_overlapping_pool_windows_add_up():
    x = np.zeros((5, 5))
    x[2, 2] = 9.0
    stepper = PoolStepper(x, 3, stride=2, mode="max", dout=np.ones((2, 2)))
    assert stepper.frames[-1].dx[2, 2] == 4.0


def test_batchnorm_stages_are_the_library_forward():
    x = np.random.default_rng(0).normal([5.0, -2.0], [3.0, 0.5], size=(50, 2))
    stepper = BatchNormStepper(x, gamma=[2.0, 0.5], beta=[1.0, -1.0])
    out, cache = F.batchnorm_forward(x, np.array([2.0, 0.5]), np.array([1.0, -1.0]))
    assert [stage.name for stage in stepper.frames] == ["x", "x − μ", "x̂", "y"]
    np.testing.assert_array_equal(stepper.frames[0].values, x)
    np.testing.assert_allclose(stepper.frames[1].values, x - x.mean(axis=0))
    np.testing.assert_array_equal(stepper.frames[2].values, cache.x_hat)
    np.testing.assert_array_equal(stepper.frames[3].values, out)
    np.testing.assert_allclose(stepper.frames[3].values.mean(axis=0), [1.0, -1.0], atol=1e-12)


def tiny():
    """Two frames, quick to draw."""
    return Im2colStepper(np.arange(6.0).reshape(2, 3), 2)


def test_widget_builds_and_the_slider_redraws_the_frame():
    stepper = tiny()
    root = stepper.widget()
    assert isinstance(root, ipywidgets.VBox) and "cnnlab-stepper" in root._dom_classes
    assert isinstance(stepper.play, ipywidgets.Play) and isinstance(stepper.slider, ipywidgets.IntSlider)
    assert (stepper.slider.min, stepper.slider.max) == (0, 1) == (stepper.play.min, stepper.play.max)
    assert stepper.output in root.children
    first = stepper.output.outputs[0]["data"]["image/png"]
    assert first.startswith(PNG)
    stepper.slider.value = 1
    assert len(stepper.output.outputs) == 1
    assert stepper.output.outputs[0]["data"]["image/png"] != first
    assert "step 2 of 2" in stepper.output.outputs[0]["data"]["text/plain"]


def test_show_displays_the_strip_then_the_widget(monkeypatch):
    import IPython.display
    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj))
    stepper = tiny()
    stepper.show()
    assert isinstance(shown[0], IPython.display.Image) and shown[0].data.startswith(b"\x89PNG")
    bundle = shown[1]._repr_mimebundle_()
    assert bundle["text/plain"] == "<Im2colStepper: 2 steps; run the notebook to play them>"
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == shown[1].widget.model_id


def test_strip_has_one_panel_per_frame():
    stepper = Im2colStepper(np.arange(9.0).reshape(3, 3), 2)  # 4 rows, 4 frames
    assert len(stepper.strip().axes) == 4  # 2 x 2
    fig = stepper.strip(ncols=3)  # 2 rows of 3, the last two panels empty
    assert len(fig.axes) == 6 and sum(bool(ax.texts) for ax in fig.axes) == len(stepper) == 4


@pytest.mark.parametrize("make, message", [
    (lambda: ConvStepper(np.zeros((1, 1, 5, 5)), W3), r"ConvStepper: expected x of shape \(H, W\)"),
    (lambda: ConvStepper(X5, W3, stride=3), "conv2d: stride 3 does not fit"),
    (lambda: Im2colStepper(X5, 0), "Im2colStepper: expected kernel_size >= 1"),
    (lambda: ConvBackwardStepper(X5, W3, np.ones((2, 2)), stride=2, pad=1),
     r"ConvBackwardStepper: expected dout of the output's shape \(3, 3\)"),
    (lambda: PoolStepper(X5, 2, mode="min"), "PoolStepper: expected mode 'max' or 'avg'"),
    (lambda: BatchNormStepper(np.ones(1)), r"BatchNormStepper: expected x of shape \(N, D\)"),
    (lambda: PoolStepper(X_TIES).figure(4), "PoolStepper: expected a step from 0 to 3"),
])
def test_bad_input_gets_a_one_line_error(make, message):
    with pytest.raises((TypeError, ValueError), match=message) as error:
        make()
    assert "\n" not in str(error.value)


def test_inputs_are_not_modified():
    x, w, dout = X5.copy(), W3.copy(), DOUT3.copy()
    ConvStepper(x, w, stride=2, pad=1)
    ConvBackwardStepper(x, w, dout, stride=2, pad=1)
    PoolStepper(x[:4, :4], 2)
    np.testing.assert_array_equal(x, X5)
    np.testing.assert_array_equal(w, W3)
    np.testing.assert_array_equal(dout, DOUT3)
