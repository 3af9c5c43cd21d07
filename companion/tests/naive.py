"""Naive oracles, written for obviousness, not speed: Python loops straight from the definitions.

They share no code with tconv's vectorized builders and kernels.
"""

from __future__ import annotations

import itertools

import numpy as np


def conv_output_shape(spatial, kernel, stride, padding, dilation):
    """Count window positions one by one (no formula)."""
    shape = []
    for i, k, s, p, d in zip(spatial, kernel, stride, padding, dilation):
        count, start = 0, 0
        while start + d * (k - 1) <= i + 2 * p - 1:
            count += 1
            start += s
        shape.append(count)
    return tuple(shape)


def conv_matrix(weight, input_shape, stride, padding, dilation, groups):
    """C_K by loops: row = (output channel, output position), column = (input channel, position).

    ``out[co, o] = sum over ci in co's group, taps t of w[co, ci_local, t] * x[ci, o*s - p + t*d]``.
    """
    c_out, c_in_group = weight.shape[:2]
    kernel = weight.shape[2:]
    c_in, spatial = input_shape[0], tuple(input_shape[1:])
    out_shape = conv_output_shape(spatial, kernel, stride, padding, dilation)
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
                    pos = tuple(oo * s - p + t * d for oo, s, p, t, d
                                in zip(o, stride, padding, tap, dilation))
                    if pos in in_index:
                        m[co * len(out_index) + row, ci * len(in_index) + in_index[pos]] = \
                            weight[(co, ci_local) + tap]
    return m


def conv_transpose_by_scatter(x, weight, stride, padding, output_padding, dilation, groups):
    """One sample (C_in, *spatial): stamp every input value times the kernel, then crop."""
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
    crop = tuple(slice(p, f - p) for p, f in zip(padding, full))
    return out[(slice(None),) + crop]
