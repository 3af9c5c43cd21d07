"""The rule behind ``backend="auto"``: which CPU kernel computes an operator.

For the convolution (:func:`choose_conv_backend`): ``"gemm"``, im2col and one BLAS product
(:mod:`tconv.kernels.im2col`), except for tiny operators (at most ``LOOPS_MAX_MACS``
multiply-adds per sample), where the loop of the definition (``"loops"``) costs less than the
GEMM path's set-up. Measured with 2 threads (loops against gemm): the worked example 9 against
37 us, a 32 x 32 single-channel image with k = 3 25 against 38 us, the same with 4 channels 91
against 38 us; a 256 x 256 image 1.7 against 0.8 ms; a depthwise layer (64 channels at 32 x 32,
N = 4) 4.0 against 2.5 ms; 3 -> 32 channels at 64 x 64 20.6 against 0.67 ms.

For the transposed convolution (:func:`choose_backend`) two kernels cover every shape (each is checked against the explicit matrix in the tests):

- ``"direct"`` (:mod:`tconv.kernels.direct`) when a group has few channels,
  ``C_in/groups * C_out/groups <= DIRECT_MAX_CHANNEL_PAIRS``: single-channel images, depthwise
  layers. There the matrix product of the GEMM path would have a tiny inner dimension, and the
  direct kernel's unit-stride, vectorized loops over output columns do all the work.
- ``"gemm"`` (:mod:`tconv.kernels.gemm`) otherwise: channel-heavy layers, where one BLAS
  product per chunk does all multiply-adds near the machine's peak and col2im only adds
  (:func:`tconv.kernels.gemm.choose_col2im` picks the col2im).

The threshold was measured on the benchmark's workloads (``python -m tconv.bench``): the
direct kernel wins for depthwise layers (1 x 1 channels per group) and the single-channel
images; GEMM already wins for 64 -> 3 channels (192 pairs: 0.77 against 1.06 ms for the
direct kernel on the RGB out workload, in the harness with 2 threads).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..geometry import ConvGeometry

__all__ = ["choose_backend", "choose_conv_backend", "DIRECT_MAX_CHANNEL_PAIRS",
           "LOOPS_MAX_MACS"]

#: Largest ``C_in/groups * C_out/groups`` for which ``"auto"`` picks the direct kernel.
DIRECT_MAX_CHANNEL_PAIRS = 16

#: Most multiply-adds per sample for which ``"auto"`` computes a convolution with ``"loops"``.
LOOPS_MAX_MACS = 2**13


def choose_backend(geometry: ConvGeometry) -> str:
    """The CPU backend that ``backend="auto"`` uses for ``geometry``: ``"direct"`` or ``"gemm"``.

    Examples
    --------
    >>> from tconv import ConvGeometry
    >>> # worked example
    >>> choose_backend(
    ...     ConvGeometry.for_conv_transpose((1, 1, 3, 3), (1, 2, 2))
    ... )
    'direct'
    >>> # depthwise
    >>> choose_backend(
    ...     ConvGeometry.for_conv_transpose(
    ...         (64, 1, 4, 4), (64, 32, 32), 2, 1, groups=64
    ...     )
    ... )
    'direct'
    >>> choose_backend(
    ...     ConvGeometry.for_conv_transpose(
    ...         (256, 128, 4, 4), (256, 16, 16), 2, 1
    ...     )
    ... )
    'gemm'
    """
    pairs = (geometry.in_channels // geometry.groups) * (geometry.out_channels // geometry.groups)
    return "direct" if pairs <= DIRECT_MAX_CHANNEL_PAIRS else "gemm"


def choose_conv_backend(geometry: ConvGeometry) -> str:
    """The CPU backend that ``backend="auto"`` uses for the convolution ``geometry``:
    ``"loops"`` or ``"gemm"``.

    Examples
    --------
    >>> from tconv import ConvGeometry
    >>> # worked example
    >>> choose_conv_backend(ConvGeometry.for_conv((1, 1, 3, 3), (1, 4, 4)))
    'loops'
    >>> choose_conv_backend(
    ...     ConvGeometry.for_conv((64, 64, 3, 3), (64, 56, 56), padding=1)
    ... )
    'gemm'
    """
    return "loops" if geometry.macs <= LOOPS_MAX_MACS else "gemm"
