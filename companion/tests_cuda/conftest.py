"""The CUDA backends' tests, run in the CUDA simulator unless a real GPU is asked for.

Run them in their own pytest process (the simulator is chosen when numba is first imported):

    NUMBA_ENABLE_CUDASIM=1 python -m pytest companion/tests_cuda

The variable is also set here, before anything imports numba. On a machine with a GPU,
``TCONV_TEST_GPU=1 python -m pytest companion/tests_cuda`` runs the same tests on it.
"""

from __future__ import annotations

import os
import sys

ON_GPU = os.environ.get("TCONV_TEST_GPU", "") == "1"
if not ON_GPU:
    os.environ["NUMBA_ENABLE_CUDASIM"] = "1"
    if "numba" in sys.modules:  # too late to switch the simulator on
        from numba.core import config

        if not config.ENABLE_CUDASIM:
            raise RuntimeError(
                "numba was imported before companion/tests_cuda/conftest.py could enable the "
                "CUDA simulator: run these tests in their own process, with "
                "NUMBA_ENABLE_CUDASIM=1 python -m pytest companion/tests_cuda"
            )

from dataclasses import dataclass  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import tconv  # noqa: E402


@dataclass(frozen=True)
class Case:
    """One random transposed convolution: arrays and keyword arguments."""

    x: np.ndarray
    weight: np.ndarray
    bias: np.ndarray | None
    kwargs: dict

    @property
    def ndim(self) -> int:
        return self.weight.ndim - 2

    @property
    def batched(self) -> bool:
        return self.x.ndim == self.ndim + 2

    def function(self):
        return getattr(tconv, f"conv_transpose{self.ndim}d")

    def expected(self) -> np.ndarray:
        """The oracle: C_K^T times each flattened sample, plus the bias, in float64."""
        k = self.kwargs
        samples = self.x if self.batched else self.x[None]
        matrix = tconv.conv_transpose_matrix(
            self.weight.astype(np.float64), samples.shape[1:], k["stride"], k["padding"],
            k["output_padding"], k["dilation"], k["groups"])
        out_spatial = tconv.conv_transpose_output_size(
            samples.shape[2:], self.weight.shape[2:], k["stride"], k["padding"],
            k["output_padding"], k["dilation"])
        out_channels = self.weight.shape[1] * k["groups"]
        ys = np.stack([matrix @ s.astype(np.float64).ravel() for s in samples])
        ys = ys.reshape((len(samples), out_channels) + tuple(out_spatial))
        if self.bias is not None:
            ys = ys + self.bias.astype(np.float64).reshape((1, -1) + (1,) * self.ndim)
        return ys if self.batched else ys[0]


@st.composite
def cases(draw, dtype=np.float64) -> Case:
    """A small random, valid transposed convolution in 1, 2 or 3 dims (the simulator is slow)."""
    ndim = draw(st.sampled_from([1, 2, 3]))
    groups = draw(st.integers(1, 2))
    c_in = groups * draw(st.integers(1, 2))
    c_out_per_group = draw(st.integers(1, 2))
    size = {1: 5, 2: 3, 3: 2}[ndim]
    spatial = tuple(draw(st.lists(st.integers(1, size), min_size=ndim, max_size=ndim)))
    kernel = tuple(draw(st.lists(st.integers(1, 3), min_size=ndim, max_size=ndim)))
    stride = tuple(draw(st.lists(st.integers(1, 3), min_size=ndim, max_size=ndim)))
    dilation = tuple(draw(st.lists(st.integers(1, 2), min_size=ndim, max_size=ndim)))
    output_padding = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    # every form of padding (ints, (begin, end) pairs, strings), cropping all but >= 1 element
    form = draw(st.sampled_from(["ints", "pairs", "same", "same_lower"]))
    padding = []
    for i, k, s, d, a in zip(spatial, kernel, stride, dilation, output_padding):
        full = (i - 1) * s + d * (k - 1) + 1 + a
        if form == "ints":
            padding.append(draw(st.integers(0, (full - 1) // 2)))
        else:
            begin = draw(st.integers(0, full - 1))
            padding.append((begin, draw(st.integers(0, full - 1 - begin))))
    padding = form if form.startswith("same") else tuple(padding)
    batch = draw(st.sampled_from([None, 1, 2]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    shape = (() if batch is None else (batch,)) + (c_in,) + spatial
    x = rng.standard_normal(shape).astype(dtype)
    weight = rng.standard_normal((c_in, c_out_per_group) + kernel).astype(dtype)
    bias = None
    if draw(st.booleans()):
        bias = rng.standard_normal(groups * c_out_per_group).astype(dtype)
    kwargs = dict(stride=stride, padding=padding, output_padding=output_padding,
                  dilation=dilation, groups=groups)
    return Case(x, weight, bias, kwargs)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20260601)
