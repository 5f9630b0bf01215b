"""Hypothesis strategies for layer geometries that fit exactly."""

from hypothesis import strategies as st

seeds = st.integers(min_value=0, max_value=2**32 - 1)


@st.composite
def window_geometry(draw, max_kernel=4, max_stride=3, max_out=4, pool=False):
    """Kernel, stride, pad and input size along one axis, such that the windows tile
    the padded input exactly: ``size = (out - 1) * stride + kernel - 2 * pad``."""
    kernel = draw(st.integers(1, max_kernel))
    stride = draw(st.integers(1, max_stride))
    max_pad = kernel // 2 if pool else 2
    pad = draw(st.integers(0, max_pad))
    out = draw(st.integers(1, max_out))
    size = (out - 1) * stride + kernel - 2 * pad
    if size < 1:
        size += stride * ((1 - size + stride - 1) // stride)
    return kernel, stride, pad, size


@st.composite
def conv_case(draw):
    """``(x_shape, w_shape, stride, pad)`` with rectangular kernels and per-axis strides and pads."""
    kh, sh, ph, h = draw(window_geometry())
    kw, sw, pw, w = draw(window_geometry())
    n, c, f = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    return (n, c, h, w), (f, c, kh, kw), (sh, sw), (ph, pw)


@st.composite
def pool_case(draw):
    """``(x_shape, kernel_size, stride, pad)``, overlapping windows included."""
    kh, sh, ph, h = draw(window_geometry(pool=True))
    kw, sw, pw, w = draw(window_geometry(pool=True))
    n, c = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    return (n, c, h, w), (kh, kw), (sh, sw), (ph, pw)
