"""The benchmark's workloads: eleven transposed convolutions, from the worked example to a
DCGAN layer (float32, channels first)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ..geometry import ConvGeometry

__all__ = ["Workload", "WORKLOADS", "LAYERS", "by_name"]


@dataclass(frozen=True)
class Workload:
    """One transposed convolution to time: shapes and hyper-parameters, as in PyTorch.

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
        """Keyword arguments of ``conv_transpose{ndim}d`` (tconv and PyTorch alike)."""
        return dict(stride=self.stride, padding=self.padding, output_padding=self.output_padding,
                    groups=self.groups, dilation=self.dilation)

    def arrays(self, dtype=np.float32, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """A random input ``(N, C_in, *spatial)`` and weight ``(C_in, C_out/groups, *k)``."""
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


def by_name(name: str) -> Workload:
    """The workload called ``name`` (a ``ValueError`` lists the names otherwise).

    Examples
    --------
    >>> by_name("DCGAN").out_channels
    128
    """
    for workload in WORKLOADS:
        if workload.name == name:
            return workload
    raise ValueError(f"workload must be one of {', '.join(repr(w.name) for w in WORKLOADS)}, "
                     f"got {name!r}")
