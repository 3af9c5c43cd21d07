"""The size relationships of Dumoulin & Visin's guide to convolution arithmetic, as data.

*A guide to convolution arithmetic for deep learning* (arXiv:1603.07285) states the output size
of a convolution, a pooling and a transposed convolution in fifteen numbered relationships, one
per setting: no, zero, half ("same") or full padding; unit or larger strides; dilation. Each is
a :class:`Relationship` here, with its setting as a rule that a :class:`Case` passes or not and
its formula as code, so that the book and the tests can check every one against the operators.

The guide's letters are kept, for one spatial dimension: input size ``i``, kernel size ``k``,
stride ``s``, zero padding ``p``, dilation ``d``; output size ``o``. A transposed convolution is
described by the convolution it transposes: it reads ``i' = o`` elements and writes ``o'``, and
``a`` is the number of input elements at the end that the strided convolution never reached
(PyTorch's ``output_padding``), needed to make ``o' = i``.

Dilation spreads the kernel's taps ``d`` apart, so it covers ``k^ = k + (k - 1)(d - 1)``
elements; relationship 15 says that a dilated convolution is sized like an undilated one with
kernel size ``k^``. This module applies that substitution to all relationships (with ``d = 1``
they are the guide's as written).

The general sizes live in :mod:`tconv.arithmetic`; this module reads them and adds only the
relationships' own formulas, so that a test can compare the two.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .._validate import as_int
from ..arithmetic import conv_output_size, conv_transpose_size

__all__ = [
    "Case",
    "Relationship",
    "RELATIONSHIPS",
    "relationship",
    "conv_input_sizes",
    "measure_output_size",
    "relationship_table",
]

OPERATORS = ("convolution", "pooling", "transposed convolution")


@dataclass(frozen=True)
class Case:
    """One convolution in one dimension, in the guide's letters.

    Parameters
    ----------
    i : int
        Input size, >= 1.
    k : int
        Kernel size, >= 1.
    s : int, default 1
        Stride, >= 1.
    p : int, default 0
        Zero padding at both ends, >= 0.
    d : int, default 1
        Dilation, >= 1.

    Raises
    ------
    TypeError
        If an argument is not an integer.
    ValueError
        If an argument is out of range or the convolution leaves no output.

    Examples
    --------
    >>> case = Case(i=5, k=3, s=2, p=1)
    >>> case.o, case.a
    (3, 0)
    >>> # one element at the end is never reached
    >>> Case(i=6, k=3, s=2, p=1).a
    1
    >>> # a dilated 3-tap kernel spans 5 elements
    >>> Case(i=7, k=3, d=2).k_hat
    5
    """

    i: int
    k: int
    s: int = 1
    p: int = 0
    d: int = 1

    def __post_init__(self) -> None:
        for name, minimum in (("i", 1), ("k", 1), ("s", 1), ("p", 0), ("d", 1)):
            object.__setattr__(self, name, as_int(getattr(self, name), name, minimum=minimum))
        conv_output_size(self.i, self.k, self.s, self.p, self.d)  # raises if nothing is left

    def __str__(self) -> str:
        text = f"i={self.i}, k={self.k}, s={self.s}, p={self.p}"
        return text + (f", d={self.d}" if self.d != 1 else "")

    @property
    def k_hat(self) -> int:
        """Effective kernel size: the number of elements the dilated kernel spans."""
        return self.k + (self.k - 1) * (self.d - 1)

    @property
    def o(self) -> int:
        """Output size of the convolution (:func:`tconv.conv_output_size`)."""
        return conv_output_size(self.i, self.k, self.s, self.p, self.d)

    @property
    def a(self) -> int:
        """Input elements past the last window: ``(i + 2p - k^) mod s``, the guide's ``a``."""
        return (self.i + 2 * self.p - self.k_hat) % self.s


def _needs(**rules: Callable[[Case], bool]) -> Callable[[Case], list[str]]:
    """A setting: named conditions; returns the names of those a case breaks."""
    def broken(case: Case) -> list[str]:
        return [name for name, holds in rules.items() if not holds(case)]
    return broken


@dataclass(frozen=True)
class Relationship:
    """One numbered relationship of the guide: a setting and the output size it gives there.

    Attributes
    ----------
    number : int
        The relationship's number in the guide (1 to 15).
    operator : str
        ``'convolution'``, ``'pooling'`` or ``'transposed convolution'``.
    setting : str
        The setting in words.
    formula : str
        The relationship in the guide's letters (plain text). For a transposed convolution
        ``i'`` is its input size, the ``o`` of the convolution it transposes.
    example : Case
        A case inside the setting, used by the book's table.
    """

    number: int
    operator: str
    setting: str
    formula: str
    example: Case
    _broken: Callable[[Case], list[str]] = field(repr=False, compare=False)
    _size: Callable[[Case], int] = field(repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.operator not in OPERATORS:
            raise ValueError(f"operator must be one of {OPERATORS}, got {self.operator!r}")
        if not self.applies(self.example):
            raise ValueError(f"example {self.example} is outside the setting of relationship "
                             f"{self.number}: {', '.join(self._broken(self.example))}")

    @property
    def transposed(self) -> bool:
        """True for the relationships of a transposed convolution (8 to 14)."""
        return self.operator == "transposed convolution"

    def applies(self, case: Case) -> bool:
        """Whether ``case`` lies in this relationship's setting."""
        return not self._broken(_as_case(case))

    def output_size(self, case: Case) -> int:
        """The output size this relationship states for ``case``.

        For a convolution or a pooling, ``o``; for a transposed convolution, ``o'``, the size it
        writes when it reads ``i' = case.o`` elements (which the relationship makes ``case.i``).

        Raises
        ------
        TypeError
            If ``case`` is not a :class:`Case`.
        ValueError
            If ``case`` is outside the setting; the message names the broken conditions.

        Examples
        --------
        >>> relationship(2).output_size(Case(i=5, k=4, p=2))
        6
        >>> # i' = 3 -> o' = 6
        >>> relationship(14).output_size(Case(i=6, k=3, s=2, p=1))
        6
        """
        case = _as_case(case)
        broken = self._broken(case)
        if broken:
            raise ValueError(f"relationship {self.number} ({self.setting}) does not cover "
                             f"case {case}: it needs {', '.join(broken)}")
        return self._size(case)

    def equivalent_convolution(self, case: Case) -> dict[str, int]:
        """The direct convolution that computes this transposed convolution (the guide's view).

        Insert ``zeros_between = s - 1`` zeros between the ``i'`` input elements, add
        ``padding = k^ - p - 1`` zeros at both ends (a negative amount crops) and ``extra_end = a``
        more at the end, then convolve with stride 1, the same dilation and the flipped kernel.

        Returns
        -------
        dict
            ``input_size`` (i'), ``zeros_between``, ``padding``, ``extra_end``, ``stride`` (1)
            and ``stretched_size``, the length of the zero-inserted, padded input.

        Raises
        ------
        ValueError
            For a relationship that is not a transposed convolution's, or a case outside it.

        Examples
        --------
        >>> relationship(14).equivalent_convolution(Case(i=6, k=3, s=2, p=1))[
        ...     "stretched_size"
        ... ]
        8
        """
        size = self.output_size(case)  # checks the case
        if not self.transposed:
            raise ValueError(f"relationship {self.number} is about a {self.operator}; only the "
                             f"transposed convolution's (8 to 14) have an equivalent convolution")
        padding = case.k_hat - case.p - 1
        stretched = (case.o - 1) * case.s + 1 + 2 * padding + case.a
        assert stretched - case.k_hat + 1 == size  # the stride-1 convolution writes o'
        return {"input_size": case.o, "zeros_between": case.s - 1, "padding": padding,
                "extra_end": case.a, "stride": 1, "stretched_size": stretched}


def _as_case(case: object) -> Case:
    if not isinstance(case, Case):
        raise TypeError(f"case must be a tconv.course.relationships.Case, got {case!r} of type "
                        f"{type(case).__name__}")
    return case


# The settings, as named conditions (k stands for k^ when d > 1, as relationship 15 allows).
_unit_stride = {"s = 1": lambda c: c.s == 1}
_no_padding = {"p = 0": lambda c: c.p == 0}
_half = {"k odd": lambda c: c.k_hat % 2 == 1, "p = (k - 1)/2": lambda c: 2 * c.p == c.k_hat - 1}
_full = {"p = k - 1": lambda c: c.p == c.k_hat - 1}
_fits = {"s divides i + 2p - k": lambda c: c.a == 0}

RELATIONSHIPS: tuple[Relationship, ...] = (
    Relationship(1, "convolution", "no padding, unit strides", "o = (i - k) + 1",
                 Case(4, 3), _needs(**_unit_stride, **_no_padding),
                 lambda c: c.i - c.k_hat + 1),
    Relationship(2, "convolution", "zero padding, unit strides", "o = (i - k) + 2p + 1",
                 Case(5, 4, p=2), _needs(**_unit_stride),
                 lambda c: c.i - c.k_hat + 2 * c.p + 1),
    Relationship(3, "convolution", "half (same) padding, unit strides", "o = i",
                 Case(5, 3, p=1), _needs(**_unit_stride, **_half),
                 lambda c: c.i),
    Relationship(4, "convolution", "full padding, unit strides", "o = i + (k - 1)",
                 Case(5, 3, p=2), _needs(**_unit_stride, **_full),
                 lambda c: c.i + c.k_hat - 1),
    Relationship(5, "convolution", "no padding, non-unit strides", "o = floor((i - k)/s) + 1",
                 Case(5, 3, s=2), _needs(**_no_padding),
                 lambda c: (c.i - c.k_hat) // c.s + 1),
    Relationship(6, "convolution", "zero padding, non-unit strides",
                 "o = floor((i + 2p - k)/s) + 1",
                 Case(6, 3, s=2, p=1), _needs(),
                 lambda c: (c.i + 2 * c.p - c.k_hat) // c.s + 1),
    Relationship(7, "pooling", "no padding, any stride", "o = floor((i - k)/s) + 1",
                 Case(5, 3, s=2), _needs(**_no_padding),
                 lambda c: (c.i - c.k_hat) // c.s + 1),
    Relationship(8, "transposed convolution", "no padding, unit strides (transpose of 1)",
                 "o' = i' + (k - 1)",
                 Case(4, 3), _needs(**_unit_stride, **_no_padding),
                 lambda c: c.o + c.k_hat - 1),
    Relationship(9, "transposed convolution", "zero padding, unit strides (transpose of 2)",
                 "o' = i' + (k - 1) - 2p",
                 Case(5, 4, p=2), _needs(**_unit_stride),
                 lambda c: c.o + c.k_hat - 1 - 2 * c.p),
    Relationship(10, "transposed convolution", "half padding, unit strides (transpose of 3)",
                 "o' = i'",
                 Case(5, 3, p=1), _needs(**_unit_stride, **_half),
                 lambda c: c.o),
    Relationship(11, "transposed convolution", "full padding, unit strides (transpose of 4)",
                 "o' = i' - (k - 1)",
                 Case(5, 3, p=2), _needs(**_unit_stride, **_full),
                 lambda c: c.o - (c.k_hat - 1)),
    Relationship(12, "transposed convolution", "no padding, s divides i - k (transpose of 5)",
                 "o' = s(i' - 1) + k",
                 Case(5, 3, s=2), _needs(**_no_padding, **_fits),
                 lambda c: c.s * (c.o - 1) + c.k_hat),
    Relationship(13, "transposed convolution", "s divides i + 2p - k (transpose of 6)",
                 "o' = s(i' - 1) + k - 2p",
                 Case(5, 3, s=2, p=1), _needs(**_fits),
                 lambda c: c.s * (c.o - 1) + c.k_hat - 2 * c.p),
    Relationship(14, "transposed convolution", "any padding and stride (transpose of 6)",
                 "o' = s(i' - 1) + a + k - 2p",
                 Case(6, 3, s=2, p=1), _needs(),
                 lambda c: c.s * (c.o - 1) + c.a + c.k_hat - 2 * c.p),
    Relationship(15, "convolution", "dilated, any padding and stride",
                 "o = floor((i + 2p - k - (k - 1)(d - 1))/s) + 1",
                 Case(7, 3, p=0, d=2), _needs(),
                 lambda c: (c.i + 2 * c.p - c.k - (c.k - 1) * (c.d - 1)) // c.s + 1),
)


def relationship(number: int) -> Relationship:
    """The relationship with this number in the guide.

    Raises
    ------
    TypeError, ValueError
        If ``number`` is not an integer from 1 to 15.

    Examples
    --------
    >>> relationship(3).setting
    'half (same) padding, unit strides'
    """
    number = as_int(number, "number", minimum=1)
    if number > len(RELATIONSHIPS):
        raise ValueError(f"number must be between 1 and {len(RELATIONSHIPS)}, got {number}")
    return RELATIONSHIPS[number - 1]


def conv_input_sizes(output_size: int, kernel_size: int, stride: int = 1, padding: int = 0,
                     dilation: int = 1) -> range:
    """Every input size that a convolution maps to ``output_size``: the odd case of the guide.

    With stride ``s`` the last ``a < s`` input elements may lie beyond the last window, so ``s``
    consecutive input sizes give the same output size; a transposed convolution has to be told
    (with ``output_padding = a``) which of them to produce.

    Returns
    -------
    range
        The sizes ``i`` with ``conv_output_size(i, kernel_size, stride, padding, dilation) ==
        output_size``, in increasing order (empty if there are none).

    Raises
    ------
    TypeError, ValueError
        For a non-integer or out-of-range argument (sizes >= 1, padding >= 0).

    Examples
    --------
    >>> list(conv_input_sizes(3, kernel_size=3, stride=2, padding=1))
    [5, 6]
    """
    o = as_int(output_size, "output_size", minimum=1)
    k = as_int(kernel_size, "kernel_size", minimum=1)
    s = as_int(stride, "stride", minimum=1)
    p = as_int(padding, "padding", minimum=0)
    d = as_int(dilation, "dilation", minimum=1)
    # The smallest input whose last window ends at its last (padded) element.
    smallest = conv_transpose_size(o, k, s, p, p, d)
    return range(max(smallest, 1), max(smallest + s, 1))


def measure_output_size(rel: Relationship, case: Case) -> int:
    """Run the operator of ``rel`` on a square 2-D input of ``case`` and return its output size.

    The convolution is :func:`tconv.course.single_channel.conv2d_single`, the transposed convolution
    :func:`tconv.course.single_channel.conv_transpose2d_single` (on ``i' = case.o`` elements, ``output_padding = a``),
    the pooling a max over every window (NumPy). Nothing is read from the size formulas.

    Examples
    --------
    >>> measure_output_size(relationship(14), Case(i=6, k=3, s=2, p=1))
    6
    """
    from .single_channel import conv2d_single, conv_transpose2d_single

    if not isinstance(rel, Relationship):
        raise TypeError(f"rel must be a tconv.course.relationships.Relationship, got {rel!r} of type "
                        f"{type(rel).__name__}")
    case = _as_case(case)
    kernel = np.ones((case.k, case.k))
    if rel.transposed:
        # i' = case.o, measured from the convolution itself rather than from a formula.
        small = conv2d_single(np.ones((case.i, case.i)), kernel, case.s, case.p, case.d)
        out = conv_transpose2d_single(small, kernel, case.s, case.p, case.a, case.d)
    elif rel.operator == "pooling":
        out = _max_pool(np.arange(case.i * case.i, dtype=float).reshape(case.i, case.i),
                        case.k, case.s, case.d)
    else:
        out = conv2d_single(np.ones((case.i, case.i)), kernel, case.s, case.p, case.d)
    assert out.shape[0] == out.shape[1]
    return out.shape[0]


def _max_pool(image: np.ndarray, k: int, s: int, d: int) -> np.ndarray:
    span = d * (k - 1) + 1
    windows = np.lib.stride_tricks.sliding_window_view(image, (span, span))
    return windows[::s, ::s, ::d, ::d].max(axis=(2, 3))


def relationship_table(cases: dict[int, Case] | None = None) -> list[dict[str, object]]:
    """One row per relationship: its setting, a case, the size it states and the size measured.

    Parameters
    ----------
    cases : dict of int to Case, optional
        Cases to use instead of the relationships' examples, by relationship number.

    Returns
    -------
    list of dict
        Keys ``number``, ``operator``, ``setting``, ``formula``, ``case``, ``stated``
        (:meth:`Relationship.output_size`) and ``measured`` (:func:`measure_output_size`).

    Examples
    --------
    >>> rows = relationship_table()
    >>> len(rows), all(row["stated"] == row["measured"] for row in rows)
    (15, True)
    """
    cases = {} if cases is None else dict(cases)
    rows = []
    for rel in RELATIONSHIPS:
        case = cases.get(rel.number, rel.example)
        rows.append({"number": rel.number, "operator": rel.operator, "setting": rel.setting,
                     "formula": rel.formula, "case": case, "stated": rel.output_size(case),
                     "measured": measure_output_size(rel, case)})
    return rows
