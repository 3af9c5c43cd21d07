"""Every CUDA kernel compiles to PTX for the GPUs we target: the typing the simulator skips."""

from __future__ import annotations

import re

import pytest

from tconv import cuda as tcuda

CCS = [(7, 5), (8, 0), (9, 0)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("cc", CCS, ids=lambda cc: f"sm_{cc[0]}{cc[1]}")
def test_every_kernel_compiles_to_ptx(cc, dtype):
    other = "float64" if dtype == "float32" else "float32"
    texts = tcuda.ptx(cc, dtype)
    assert set(texts) == {"gather", "scatter", "fill_bias", "copy_window", "cast_from_int64",
                          f"cast_from_{other}"}
    suffix = "f32" if dtype == "float32" else "f64"
    for name, text in texts.items():
        assert f".target sm_{cc[0]}{cc[1]}" in text, name
        assert len(re.findall(r"^\.visible \.entry ", text, flags=re.M)) == 1, name
    # The scatter's overlapping stamps are atomic adds of the array's type; the gather has none.
    assert re.search(rf"\batom\.global\.add\.{suffix}\b", texts["scatter"])
    assert "atom." not in texts["gather"]
    assert re.search(rf"\bst\.global\.{suffix}\b", texts["gather"])


def test_ptx_names_a_bad_dtype():
    with pytest.raises(ValueError, match=r"dtype must be 'float32' or 'float64', got 'int8'"):
        tcuda.ptx((8, 0), "int8")
