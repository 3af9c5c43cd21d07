"""Compute kernels: ``cpu`` (Numba). Each reads a :class:`tconv.geometry.ConvGeometry`."""
