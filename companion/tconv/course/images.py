"""Real images for the book, from the files scikit-learn ships inside its wheel (no download).

scikit-learn's package holds two colour photographs, ``china.jpg`` and ``flower.jpg``
(427 x 640 pixels; see ``sklearn.datasets.load_sample_image``), and 1,797 handwritten digits of
8 x 8 pixels (``sklearn.datasets.load_digits``). This module turns a photograph into the
greyscale array of floats a single-channel convolution takes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["PHOTOS", "grey_photo"]

#: The photographs in scikit-learn's package.
PHOTOS = ("china.jpg", "flower.jpg")


def grey_photo(name: str = "china.jpg", *, rows: Any = None, cols: Any = None) -> np.ndarray:
    """One of scikit-learn's sample photographs, in grey levels from 0 (black) to 1 (white).

    The grey level is the mean of the red, green and blue values, divided by 255.

    Parameters
    ----------
    name : {'china.jpg', 'flower.jpg'}, default 'china.jpg'
        The photograph.
    rows, cols : slice, optional
        The part to keep (default: all 427 rows and 640 columns).

    Returns
    -------
    numpy.ndarray
        2-D, float64, values in [0, 1].

    Raises
    ------
    ValueError
        If ``name`` is not one of :data:`PHOTOS`, or ``rows``/``cols`` is not a slice or
        keeps no pixel.
    ImportError
        If scikit-learn (or Pillow, which it reads JPEG files with) is not installed.

    Examples
    --------
    >>> x = grey_photo(rows=slice(60, 188), cols=slice(220, 348))
    >>> x.shape, x.dtype, bool(0 <= x.min() <= x.max() <= 1)
    ((128, 128), dtype('float64'), True)
    """
    if name not in PHOTOS:
        raise ValueError(f"name must be one of {PHOTOS}, got {name!r}")
    for label, part in (("rows", rows), ("cols", cols)):
        if part is not None and not isinstance(part, slice):
            raise ValueError(f"{label} must be a slice (or None for all), got {part!r}")
    try:
        from sklearn.datasets import load_sample_image
    except ImportError as error:
        raise ImportError("grey_photo needs scikit-learn, whose package holds the photographs: "
                          "pip install scikit-learn") from error
    photo = load_sample_image(name)
    grey = photo.astype(np.float64).mean(axis=2) / 255.0
    grey = grey[rows if rows is not None else slice(None), cols if cols is not None else slice(None)]
    if grey.size == 0:
        raise ValueError(f"rows={rows!r} and cols={cols!r} keep no pixel of the "
                         f"{photo.shape[0]}×{photo.shape[1]} photograph")
    return np.ascontiguousarray(grey)
