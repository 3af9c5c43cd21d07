"""Shared test helpers: random operator configurations and the matrix oracle."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import strategies as st

import tconv


@dataclass(frozen=True)
class TransposeCase:
    """One random transposed convolution: arrays and keyword arguments."""

    x: np.ndarray
    weight: np.ndarray
    bias: np.ndarray | None
    kwargs: dict
    batched: bool

    @property
    def ndim(self) -> int:
        return self.weight.ndim - 2

    def function(self):
        return getattr(tconv, f"conv_transpose{self.ndim}d")

    def matrix(self) -> np.ndarray:
        """C_K^T of this case: the oracle."""
        kw = dict(self.kwargs)
        sample = self.x.shape[1:] if self.batched else self.x.shape
        return tconv.conv_transpose_matrix(
            self.weight, sample, kw["stride"], kw["padding"], kw["output_padding"],
            kw["dilation"], kw["groups"],
        )

    def expected(self) -> np.ndarray:
        """The output computed as matrix products, sample by sample, plus the bias."""
        m = self.matrix()
        samples = self.x if self.batched else self.x[None]
        out_channels = self.weight.shape[1] * self.kwargs["groups"]
        ys = np.stack([m @ s.ravel() for s in samples]).reshape(len(samples), out_channels, -1)
        if self.bias is not None:
            ys = ys + self.bias[None, :, None]
        out_spatial = tconv.conv_transpose_output_size(
            self.x.shape[-self.ndim:], self.weight.shape[2:], self.kwargs["stride"],
            self.kwargs["padding"], self.kwargs["output_padding"], self.kwargs["dilation"],
        )
        ys = ys.reshape((len(samples), out_channels) + tuple(out_spatial))
        return ys if self.batched else ys[0]


#: The forms a padding argument takes (tconv.padding), drawn by the strategies below; "ints" twice
#: as often, being the common case.
PADDING_FORMS = ("ints", "ints", "pairs", "same", "same_lower", "valid")


@st.composite
def transpose_cases(draw, ndims=(1, 2, 3), dtype=np.float64, max_size=5,
                    disjoint=False) -> TransposeCase:
    """A random, valid transposed convolution in one of ``ndims`` dimensions.

    With ``disjoint``, taps never overlap: along each axis the kernel is at most the stride
    (dilation 1), or is 1 (any dilation); padding and output padding still vary.
    """
    ndim = draw(st.sampled_from(ndims))
    groups = draw(st.integers(1, 3))
    c_in = groups * draw(st.integers(1, 2))
    c_out_per_group = draw(st.integers(1, 2))
    size = 6 if ndim == 1 else (max_size if ndim == 2 else 3)
    spatial = tuple(draw(st.lists(st.integers(1, size), min_size=ndim, max_size=ndim)))
    kernel = tuple(draw(st.lists(st.integers(1, 3), min_size=ndim, max_size=ndim)))
    stride = tuple(draw(st.lists(st.integers(1, 3), min_size=ndim, max_size=ndim)))
    dilation = tuple(draw(st.lists(st.integers(1, 2), min_size=ndim, max_size=ndim)))
    if disjoint:
        kernel = tuple(draw(st.integers(1, s)) for s in stride)
        dilation = tuple(d if k == 1 else 1 for k, d in zip(kernel, dilation))
    output_padding = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    # Padding in each of its forms: ints (PyTorch's), (begin, end) pairs, or a string. Numbers
    # may crop up to the full output minus one element.
    form = draw(st.sampled_from(PADDING_FORMS))
    if form in ("same", "same_lower", "valid"):
        padding = form
    else:
        padding = []
        for i, k, s, d, a in zip(spatial, kernel, stride, dilation, output_padding):
            full = (i - 1) * s + d * (k - 1) + 1 + a
            if form == "ints":
                padding.append(draw(st.integers(0, (full - 1) // 2)))
            else:
                begin = draw(st.integers(0, full - 1))
                padding.append((begin, draw(st.integers(0, full - 1 - begin))))
        padding = tuple(padding)
    batched = draw(st.booleans())
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    batch = draw(st.integers(1, 2))
    shape = ((batch,) if batched else ()) + (c_in,) + spatial
    x = rng.standard_normal(shape).astype(dtype)
    weight = rng.standard_normal((c_in, c_out_per_group) + kernel).astype(dtype)
    bias = rng.standard_normal(groups * c_out_per_group).astype(dtype) if draw(st.booleans()) else None
    kwargs = dict(stride=stride, padding=padding, output_padding=output_padding,
                  dilation=dilation, groups=groups)
    return TransposeCase(x, weight, bias, kwargs, batched)


@dataclass(frozen=True)
class ConvCase:
    """One random, valid convolution: shapes, keyword arguments and a seed for the arrays."""

    weight_shape: tuple
    input_shape: tuple  # (C_in, *spatial) of one sample
    kwargs: dict  # stride, padding, dilation, groups
    seed: int


@st.composite
def conv_cases(draw) -> ConvCase:
    """A random convolution in 1, 2 or 3 dims whose kernel fits its padded input."""
    ndim = draw(st.sampled_from([1, 2, 3]))
    groups = draw(st.integers(1, 3))
    c_in = groups * draw(st.integers(1, 2))
    c_out = groups * draw(st.integers(1, 2))
    size = {1: 9, 2: 6, 3: 4}[ndim]
    spatial = tuple(draw(st.lists(st.integers(1, size), min_size=ndim, max_size=ndim)))
    dilation = tuple(draw(st.lists(st.integers(1, 2), min_size=ndim, max_size=ndim)))
    stride = tuple(draw(st.lists(st.integers(1, 3), min_size=ndim, max_size=ndim)))
    form = draw(st.sampled_from(PADDING_FORMS))
    kernel, padding = [], []
    for i, d in zip(spatial, dilation):
        b = draw(st.integers(0, 2)) if form in ("ints", "pairs") else 0
        e = draw(st.integers(0, 2)) if form == "pairs" else b
        # a string's padding fits any kernel ("same") or none ("valid"): keep the kernel small
        room = i + 2 if form in ("same", "same_lower") else i + b + e
        kernel.append(draw(st.integers(1, max(1, (room - 1) // d + 1))))
        padding.append(b if form == "ints" else (b, e))
    padding = form if form in ("same", "same_lower", "valid") else tuple(padding)
    return ConvCase(
        weight_shape=(c_out, c_in // groups) + tuple(kernel),
        input_shape=(c_in,) + spatial,
        kwargs=dict(stride=stride, padding=padding, dilation=dilation, groups=groups),
        seed=draw(st.integers(0, 2**32 - 1)),
    )


def adjoint_arguments(geometry):
    """padding and output_padding of the transposed convolution that restores the input shape
    of the convolution ``geometry``: its (begin, end) pairs, and the tail of the input that no
    window reads (less than the stride) given back."""
    pairs = geometry.padding_pairs
    back = geometry.adjoint()
    return pairs, tuple(e - a for (_, e), a in zip(pairs, back.padding_end))


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)
