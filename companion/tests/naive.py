"""Naive oracles, written for obviousness, not speed: Python loops straight from the definitions.

They share no code with tconv's vectorized builders and kernels.
"""

from __future__ import annotations

import itertools

import numpy as np


def _windows(size, k, s, d):
    """Count the positions of a dilated window stepping by s over `size` elements."""
    count, start = 0, 0
    while start + d * (k - 1) <= size - 1:
        count += 1
        start += s
    return count


def conv_pads(spatial, kernel, stride, padding, dilation):
    """Zeros (begin, end) per dimension: ints or pairs as given; for "same", the fewest zeros
    that give ceil(i / s) windows, found by trying 0, 1, 2, ... ("same" puts the larger half at
    the end, "same_lower" at the start)."""
    if padding == "valid":
        return [(0, 0)] * len(kernel)
    if isinstance(padding, str):
        pads = []
        for i, k, s, d in zip(spatial, kernel, stride, dilation):
            total = 0
            while _windows(i + total, k, s, d) < -(-i // s):
                total += 1
            larger, smaller = total - total // 2, total // 2
            pads.append((larger, smaller) if padding == "same_lower" else (smaller, larger))
        return pads
    return [p if isinstance(p, tuple) else (p, p) for p in padding]


def conv_output_shape(spatial, kernel, stride, padding, dilation):
    """Count window positions one by one (no formula)."""
    pads = conv_pads(spatial, kernel, stride, padding, dilation)
    return tuple(_windows(i + b + e, k, s, d)
                 for i, k, s, (b, e), d in zip(spatial, kernel, stride, pads, dilation))


def conv_matrix(weight, input_shape, stride, padding, dilation, groups):
    """C_K by loops: row = (output channel, output position), column = (input channel, position).

    ``out[co, o] = sum over ci in co's group, taps t of w[co, ci_local, t] * x[ci, o*s - p + t*d]``.
    """
    c_out, c_in_group = weight.shape[:2]
    kernel = weight.shape[2:]
    c_in, spatial = input_shape[0], tuple(input_shape[1:])
    out_shape = conv_output_shape(spatial, kernel, stride, padding, dilation)
    begins = [b for b, _ in conv_pads(spatial, kernel, stride, padding, dilation)]
    rows = c_out * int(np.prod(out_shape))
    cols = c_in * int(np.prod(spatial))
    m = np.zeros((rows, cols), dtype=weight.dtype)
    out_index = {pos: n for n, pos in enumerate(itertools.product(*map(range, out_shape)))}
    in_index = {pos: n for n, pos in enumerate(itertools.product(*map(range, spatial)))}
    c_out_group = c_out // groups
    for co in range(c_out):
        group = co // c_out_group
        for ci_local in range(c_in_group):
            ci = group * c_in_group + ci_local
            for o, row in out_index.items():
                for tap in itertools.product(*map(range, kernel)):
                    pos = tuple(oo * s - b + t * d for oo, s, b, t, d
                                in zip(o, stride, begins, tap, dilation))
                    if pos in in_index:
                        m[co * len(out_index) + row, ci * len(in_index) + in_index[pos]] = \
                            weight[(co, ci_local) + tap]
    return m


def conv_transpose_by_scatter(x, weight, stride, padding, output_padding, dilation, groups):
    """One sample (C_in, *spatial): stamp every input value times the kernel, add
    ``output_padding`` zeros at the end, then crop (ints or pairs as given; for "same", the
    output is cut, or extended with zeros at the end, to input size times stride)."""
    c_in, spatial = x.shape[0], x.shape[1:]
    c_out_group = weight.shape[1]
    kernel = weight.shape[2:]
    full = tuple((i - 1) * s + d * (k - 1) + 1 + a
                 for i, s, d, k, a in zip(spatial, stride, dilation, kernel, output_padding))
    out = np.zeros((c_out_group * groups,) + full, dtype=np.float64)
    c_in_group = c_in // groups
    for ci in range(c_in):
        group = ci // c_in_group
        for pos in itertools.product(*map(range, spatial)):
            for co_local in range(c_out_group):
                for tap in itertools.product(*map(range, kernel)):
                    target = tuple(q * s + t * d for q, s, t, d in zip(pos, stride, tap, dilation))
                    if all(tt < f for tt, f in zip(target, full)):
                        out[(group * c_out_group + co_local,) + target] += \
                            x[(ci,) + pos] * weight[(ci, co_local) + tap]
    if padding == "valid":
        padding = (0,) * len(full)
    if isinstance(padding, str):
        crops = []
        for i, s, f in zip(spatial, stride, full):
            extra = max(0, f - i * s)
            larger, smaller = extra - extra // 2, extra // 2
            begin = larger if padding == "same_lower" else smaller
            crops.append(slice(begin, begin + i * s))
        extended = np.zeros((out.shape[0],) + tuple(max(f, c.stop) for f, c in zip(full, crops)))
        extended[(slice(None),) + tuple(slice(0, f) for f in full)] = out
        return extended[(slice(None),) + tuple(crops)]
    pairs = [p if isinstance(p, tuple) else (p, p) for p in padding]
    crop = tuple(slice(b, f - e) for (b, e), f in zip(pairs, full))
    return out[(slice(None),) + crop]
