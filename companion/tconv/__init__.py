"""tconv: transposed convolution as an exact operator.

Transposed convolution is ``y = C_K^T x``, where ``C_K`` is the matrix of a convolution with
kernel ``K``. tconv builds those matrices (:func:`conv_matrix`, :func:`conv_transpose_matrix`) and
computes convolutions and transposed convolutions on NumPy arrays with an API that mirrors
``torch.nn.functional`` (:func:`conv2d`, :func:`conv_transpose2d`, ...), and their gradients
with ``torch.nn.grad``'s names (:mod:`tconv.grad`: ``conv2d_input``, ``conv2d_weight``, ...),
using Numba kernels and BLAS on the CPU and, optionally, CUDA kernels on an NVIDIA GPU. Every fast path is checked against the
explicit matrix.

This package is the operator library: it needs NumPy, SciPy and Numba only. The course's
pictures, players and explorers live in :mod:`tconv.course` (which needs matplotlib).

Examples
--------
>>> import numpy as np, tconv
>>> K = np.arange(1, 10).reshape(3, 3)
>>> # the worked example's 4x16 matrix A
>>> tconv.conv_matrix(K, (4, 4)).shape
(4, 16)
>>> x = np.ones((1, 1, 2, 2))
>>> tconv.conv_transpose2d(x, K[None, None].astype(float)).shape
(1, 1, 4, 4)
"""

from .arithmetic import conv_output_size, conv_transpose_output_size, output_padding_for_size
from .cuda import CUDA_BACKENDS, CudaUnavailableError
from .functional import (
    BACKENDS,
    conv1d,
    conv2d,
    conv3d,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
)
from .geometry import ConvGeometry
from . import grad  # noqa: E402  (tconv.grad: the gradients, torch.nn.grad's names)
from .matrix import conv_matrix, conv_transpose_matrix, operator_matrix
from .padding import same_padding, same_padding_transpose

__version__ = "0.2.0"

__all__ = [
    "BACKENDS",
    "CUDA_BACKENDS",
    "ConvGeometry",
    "CudaUnavailableError",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_matrix",
    "conv_output_size",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "conv_transpose_matrix",
    "conv_transpose_output_size",
    "operator_matrix",
    "output_padding_for_size",
    "same_padding",
    "same_padding_transpose",
]
