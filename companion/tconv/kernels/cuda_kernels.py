"""The CUDA kernels (numba.cuda) of the ``"cuda"`` and ``"cuda_scatter"`` backends.

This module imports ``numba.cuda`` at the top, so nothing imports it until a CUDA backend runs:
:mod:`tconv.cuda` is the light front end that validates, moves data and launches these.
Under ``NUMBA_ENABLE_CUDASIM=1`` the same kernels run, slowly, in Numba's CUDA simulator.

Like :mod:`tconv.kernels.loops`, every kernel works on 3 spatial dimensions (1-D and 2-D problems
are viewed as 3-D ones with leading spatial sizes of 1) and on C-contiguous arrays:

- ``x``: input, ``(N, C_in, D, H, W)``
- ``w``: weight, ``(C_in, C_out/groups, kD, kH, kW)``, as in PyTorch
- ``out``: output, ``(N, C_out, oD, oH, oW)``
- ``sd, sh, sw``, ``pd, ph, pw``, ``dd, dh, dw``: stride, padding (cropped at the start) and
  dilation per dimension; ``groups``.

Each kernel is a *grid-stride loop*: thread ``t`` of a grid of ``T`` threads handles the elements
``t, t + T, t + 2T, ...`` of its index space, so any launch size computes the whole result, and
the launch size can be tuned (or kept tiny in the simulator) without touching the kernels.

The two kernels are the two readings of ``y = C_K^T x``:

- :func:`scatter`, one thread per *input* element (a column of ``C_K^T``): it stamps its value
  times the kernel into the output. Stamps overlap, so the additions are atomic
  (``cuda.atomic.add``); float additions then happen in whatever order the threads reach them,
  so the last bits of a result can change from run to run.
- :func:`gather`, one thread per *output* element (a row of ``C_K^T``): it sums the inputs whose
  stamps cover it, in a fixed order, and writes its element once. No atomics, deterministic.
"""

from __future__ import annotations

from numba import cuda

__all__ = ["gather", "scatter", "fill_bias", "copy_window", "cast", "KERNELS"]


@cuda.jit
def gather(x, w, bias, out, sd, sh, sw, pd, ph, pw, dd, dh, dw, groups):
    """``out[n, co, od, oh, ow]``: ``bias[co]`` + the stamps reaching it."""
    n_batch, c_in, depth, height, width = x.shape
    c_out_group, kd, kh, kw = w.shape[1], w.shape[2], w.shape[3], w.shape[4]
    c_out = out.shape[1]
    od_size, oh_size, ow_size = out.shape[2], out.shape[3], out.shape[4]
    c_in_group = c_in // groups
    total = n_batch * c_out * od_size * oh_size * ow_size
    for index in range(cuda.grid(1), total, cuda.gridsize(1)):
        # Unravel the flat index in C order (next thread: next ow).
        ow = index % ow_size
        rest = index // ow_size
        oh = rest % oh_size
        rest //= oh_size
        od = rest % od_size
        rest //= od_size
        co = rest % c_out
        n = rest // c_out
        g = co // c_out_group
        co_local = co - g * c_out_group
        acc = bias[co]
        # Input i reaches od through tap a when i*sd - pd + a*dd == od.
        for a in range(kd):
            ti = od + pd - a * dd
            if ti < 0 or ti % sd != 0 or ti // sd >= depth:
                continue
            i = ti // sd
            for b in range(kh):
                tj = oh + ph - b * dh
                if tj < 0 or tj % sh != 0 or tj // sh >= height:
                    continue
                j = tj // sh
                for c in range(kw):
                    tk = ow + pw - c * dw
                    if tk < 0 or tk % sw != 0 or tk // sw >= width:
                        continue
                    k = tk // sw
                    for ci in range(g * c_in_group, (g + 1) * c_in_group):
                        acc += x[n, ci, i, j, k] * w[ci, co_local, a, b, c]
        out[n, co, od, oh, ow] = acc


@cuda.jit
def scatter(x, w, out, sd, sh, sw, pd, ph, pw, dd, dh, dw, groups):
    """Add ``x[n, ci, i, j, k] * w[ci, :, ...]`` into ``out`` (the stamp)."""
    n_batch, c_in, depth, height, width = x.shape
    c_out_group, kd, kh, kw = w.shape[1], w.shape[2], w.shape[3], w.shape[4]
    od_size, oh_size, ow_size = out.shape[2], out.shape[3], out.shape[4]
    c_in_group = c_in // groups
    total = n_batch * c_in * depth * height * width
    for index in range(cuda.grid(1), total, cuda.gridsize(1)):
        k = index % width
        rest = index // width
        j = rest % height
        rest //= height
        i = rest % depth
        rest //= depth
        ci = rest % c_in
        n = rest // c_in
        value = x[n, ci, i, j, k]
        # The first output channel of ci's group.
        co_first = (ci // c_in_group) * c_out_group
        for a in range(kd):
            od = i * sd - pd + a * dd
            if od < 0 or od >= od_size:
                continue
            for b in range(kh):
                oh = j * sh - ph + b * dh
                if oh < 0 or oh >= oh_size:
                    continue
                for c in range(kw):
                    ow = k * sw - pw + c * dw
                    if ow < 0 or ow >= ow_size:
                        continue
                    for co_local in range(c_out_group):
                        # Other threads add into the same element:
                        # only an atomic add is safe.
                        co = co_first + co_local
                        cuda.atomic.add(out, (n, co, od, oh, ow),
                                        value * w[ci, co_local, a, b, c])


@cuda.jit
def fill_bias(out, bias):
    """``out[n, co, ...] = bias[co]``: the starting value the scatter kernel adds into."""
    n_batch, c_out, od_size, oh_size, ow_size = out.shape
    spatial = od_size * oh_size * ow_size
    total = n_batch * c_out * spatial
    for index in range(cuda.grid(1), total, cuda.gridsize(1)):
        rest = index // spatial
        co = rest % c_out
        n = rest // c_out
        s = index % spatial
        ow = s % ow_size
        s //= ow_size
        out[n, co, s // oh_size, s % oh_size, ow] = bias[co]


@cuda.jit
def copy_window(src, dst, o0, o1, o2, o3, o4):
    """``dst[a, b, c, d, e] = src[a + o0, b + o1, c + o2, d + o3, e + o4]``: a window of a
    5-D array, copied into a contiguous one."""
    n0, n1, n2, n3, n4 = dst.shape
    total = n0 * n1 * n2 * n3 * n4
    for index in range(cuda.grid(1), total, cuda.gridsize(1)):
        e = index % n4
        rest = index // n4
        d = rest % n3
        rest //= n3
        c = rest % n2
        rest //= n2
        b = rest % n1
        a = rest // n1
        dst[a, b, c, d, e] = src[a + o0, b + o1, c + o2, d + o3, e + o4]


@cuda.jit
def cast(src, dst):
    """``dst[i] = src[i]`` for two 1-D arrays: a dtype conversion on the device."""
    for index in range(cuda.grid(1), src.shape[0], cuda.gridsize(1)):
        dst[index] = src[index]


#: Every kernel of this module, by name.
KERNELS = {"gather": gather, "scatter": scatter, "fill_bias": fill_bias,
           "copy_window": copy_window, "cast": cast}
