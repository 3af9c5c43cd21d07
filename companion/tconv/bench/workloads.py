"""The benchmark's workloads: eleven transposed convolutions, from the worked example to a
DCGAN layer, and five convolutions, from a ResNet block to a 1-D layer (float32, channels
first). The gradient suite times the input and weight gradients of the convolutions and of the
transposed layers (:data:`GRADIENT_WORKLOADS`)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ..geometry import ConvGeometry

__all__ = ["Workload", "WORKLOADS", "CONV_WORKLOADS", "GRADIENT_WORKLOADS", "LAYERS", "SUITES",
           "by_name"]


@dataclass(frozen=True)
class Workload:
    """One transposed convolution (or, with ``transposed=False``, convolution) to time: shapes
    and hyper-parameters, as in PyTorch.

    Examples
    --------
    >>> w = by_name("worked example")
    >>> w.ndim, w.output_shape, w.macs
    (2, (4, 4), 36)
    """

    name: str
    batch: int
    in_channels: int
    spatial: tuple[int, ...]
    out_channels: int
    kernel: int
    stride: int = 1
    padding: int = 0
    output_padding: int = 0
    dilation: int = 1
    groups: int = 1
    description: str = ""
    transposed: bool = True

    @property
    def function_name(self) -> str:
        """``conv_transpose{ndim}d`` or ``conv{ndim}d``."""
        return f"conv_transpose{self.ndim}d" if self.transposed else f"conv{self.ndim}d"

    @property
    def ndim(self) -> int:
        """Spatial dimensions (1, 2 or 3)."""
        return len(self.spatial)

    @property
    def single_channel(self) -> bool:
        """One input and one output channel (the image workloads)."""
        return self.in_channels == 1 and self.out_channels == 1

    @functools.cached_property
    def geometry(self) -> ConvGeometry:
        """The operator of one sample."""
        if not self.transposed:
            weight = (self.out_channels, self.in_channels // self.groups) + \
                (self.kernel,) * self.ndim
            return ConvGeometry.for_conv(weight, (self.in_channels, *self.spatial), self.stride,
                                         self.padding, self.dilation, self.groups)
        weight = (self.in_channels, self.out_channels // self.groups) + (self.kernel,) * self.ndim
        return ConvGeometry.for_conv_transpose(weight, (self.in_channels, *self.spatial),
                                               self.stride, self.padding, self.output_padding,
                                               self.dilation, self.groups)

    @property
    def output_shape(self) -> tuple[int, ...]:
        """Spatial output shape."""
        return self.geometry.output_shape

    @property
    def macs(self) -> int:
        """Multiply-adds of the whole batch."""
        return self.batch * self.geometry.macs

    @property
    def output_numel(self) -> int:
        """Elements of the whole output (all samples and channels)."""
        return self.batch * self.geometry.output_numel

    def kwargs(self) -> dict:
        """Keyword arguments of :attr:`function_name` (tconv and PyTorch alike)."""
        if not self.transposed:
            return dict(stride=self.stride, padding=self.padding, dilation=self.dilation,
                        groups=self.groups)
        return dict(stride=self.stride, padding=self.padding, output_padding=self.output_padding,
                    groups=self.groups, dilation=self.dilation)

    def arrays(self, dtype=np.float32, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """A random input ``(N, C_in, *spatial)`` and weight (of the geometry's weight shape)."""
        rng = np.random.default_rng(seed)
        x = rng.standard_normal((self.batch, self.in_channels) + self.spatial).astype(dtype)
        w = rng.standard_normal(self.geometry.weight_shape).astype(dtype)
        return x, w


WORKLOADS = (
    Workload("worked example", 1, 1, (2, 2), 1, 3, description="2x2 input, 3x3 kernel"),
    Workload("1ch-64", 1, 1, (64, 64), 1, 3, 2, 1, 1, description="image x2 upsampling"),
    Workload("1ch-256", 1, 1, (256, 256), 1, 3, 2, 1, description="image x2 upsampling"),
    Workload("1ch-1024", 1, 1, (1024, 1024), 1, 5, description="image, stride 1 (a full convolution)"),
    Workload("DCGAN", 16, 256, (16, 16), 128, 4, 2, 1, description="DCGAN generator layer"),
    Workload("U-Net", 4, 128, (64, 64), 64, 2, 2, 0, description="U-Net up-convolution"),
    Workload("RGB out", 8, 64, (32, 32), 3, 4, 2, 1, description="last generator layer, to RGB"),
    Workload("vocoder 1D", 4, 256, (1024,), 128, 16, 8, 4, description="audio upsampling"),
    Workload("3D", 2, 32, (16, 16, 16), 16, 2, 2, 0, description="volumetric up-convolution"),
    Workload("dilated", 4, 64, (32, 32), 64, 3, 1, 2, dilation=2, description="dilation 2"),
    Workload("depthwise", 8, 64, (32, 32), 64, 4, 2, 1, groups=64, description="groups = channels"),
)

#: Workloads with several channels (the layers); the others are single-channel images.
LAYERS = tuple(w.name for w in WORKLOADS if not w.single_channel)

#: The convolutions: a discriminator layer, a ResNet block, a 1x1 projection, an RGB stem, 1-D.
CONV_WORKLOADS = (
    Workload("discriminator", 16, 128, (32, 32), 256, 4, 2, 1, transposed=False,
             description="DCGAN discriminator layer"),
    Workload("resnet 3x3", 4, 64, (56, 56), 64, 3, 1, 1, transposed=False,
             description="ResNet basic block"),
    Workload("1x1", 8, 256, (28, 28), 64, 1, transposed=False,
             description="bottleneck projection"),
    Workload("stem", 4, 3, (128, 128), 64, 7, 2, 3, transposed=False,
             description="RGB stem, k7 s2"),
    Workload("conv 1D", 4, 128, (4096,), 128, 3, 1, 1, transposed=False,
             description="1-D layer"),
)

#: The gradient suite's operators: the convolutions and the transposed layers.
GRADIENT_WORKLOADS = CONV_WORKLOADS + tuple(w for w in WORKLOADS if w.name in LAYERS)

#: Each suite's workloads and what it times of them: ``"forward"``, or both gradients.
SUITES = {
    "transpose": (WORKLOADS, ("forward",)),
    "conv": (CONV_WORKLOADS, ("forward",)),
    "grad": (GRADIENT_WORKLOADS, ("input gradient", "weight gradient")),
}


def by_name(name: str, workloads: tuple[Workload, ...] = WORKLOADS) -> Workload:
    """The workload of ``workloads`` called ``name`` (a ``ValueError`` lists the names
    otherwise).

    Examples
    --------
    >>> by_name("DCGAN").out_channels
    128
    >>> by_name("stem", CONV_WORKLOADS).stride
    2
    """
    for workload in workloads:
        if workload.name == name:
            return workload
    raise ValueError(f"workload must be one of {', '.join(repr(w.name) for w in workloads)}, "
                     f"got {name!r}")
