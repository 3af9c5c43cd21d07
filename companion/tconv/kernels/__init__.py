"""The compute kernels. Each reads a :class:`tconv.ConvGeometry` and checked, C-contiguous arrays.

- :mod:`~tconv.kernels.auto`: the rule behind ``backend="auto"``.
- :mod:`~tconv.kernels.loops`: plain scatter and gather loops, and the convolution's loop.
- :mod:`~tconv.kernels.taps`: which input reaches which output through which tap.
- :mod:`~tconv.kernels.direct`: a vectorized direct kernel for few channels per group.
- :mod:`~tconv.kernels.gemm`: a BLAS matrix product and col2im, for channel-heavy layers.
- :mod:`~tconv.kernels.im2col`: im2col and a BLAS product: the convolution and the weight
  gradients.
- :mod:`~tconv.kernels.workers`: the threads they run on.
- :mod:`~tconv.kernels.cuda_kernels`: the numba.cuda kernels (imported only when they run).
"""
