"""The guide's relationships (tconv.course.relationships) against the general formulas and the real operators.

Every relationship is checked on every small case inside its setting: its stated size against
tconv.arithmetic and against the size the operator actually produces; a transposed convolution's
also against the explicit matrices (it is the adjoint of the convolution it transposes) and its
equivalent direct convolution against the matrix oracle.
"""

import itertools

import numpy as np
import pytest

import tconv
from tconv.course.relationships import (
    RELATIONSHIPS,
    Case,
    Relationship,
    conv_input_sizes,
    measure_output_size,
    relationship,
    relationship_table,
)


def _all_cases():
    cases = []
    for i, k, s, p, d in itertools.product(range(1, 10), range(1, 5), range(1, 4), range(0, 4),
                                           range(1, 3)):
        try:
            cases.append(Case(i, k, s, p, d))
        except ValueError:  # the convolution leaves no output
            pass
    return cases


CASES = _all_cases()


def _cases_of(rel):
    cases = [case for case in CASES if rel.applies(case)]
    assert len(cases) >= 10, f"relationship {rel.number} covers only {len(cases)} cases"
    return cases


by_number = pytest.mark.parametrize("rel", RELATIONSHIPS, ids=lambda rel: f"rel{rel.number}")


def test_fifteen_relationships_numbered_in_order():
    assert [rel.number for rel in RELATIONSHIPS] == list(range(1, 16))
    assert [relationship(n) for n in range(1, 16)] == list(RELATIONSHIPS)
    assert {rel.operator for rel in RELATIONSHIPS} == {"convolution", "pooling",
                                                      "transposed convolution"}
    assert [rel.number for rel in RELATIONSHIPS if rel.transposed] == list(range(8, 15))


@by_number
def test_stated_size_is_the_general_formula(rel):
    for case in _cases_of(rel):
        stated = rel.output_size(case)
        if rel.transposed:
            # The transposed convolution reads i' = o and, with output_padding a, gives back i.
            assert stated == case.i, case
            assert stated == tconv.conv_transpose_output_size(case.o, case.k, case.s, case.p,
                                                              case.a, case.d), case
        else:
            assert stated == tconv.conv_output_size(case.i, case.k, case.s, case.p, case.d), case


@by_number
def test_stated_size_is_what_the_operator_produces(rel):
    for case in _cases_of(rel):
        assert measure_output_size(rel, case) == rel.output_size(case), case


@pytest.mark.parametrize("rel", [rel for rel in RELATIONSHIPS if rel.transposed],
                         ids=lambda rel: f"rel{rel.number}")
def test_transposed_relationship_is_the_adjoint_of_its_convolution(rel):
    rng = np.random.default_rng(rel.number)
    for case in _cases_of(rel):
        kernel = rng.integers(-5, 6, size=case.k)
        conv = tconv.conv_matrix(kernel, (case.i,), case.s, case.p, case.d)
        transposed = tconv.conv_transpose_matrix(kernel, (case.o,), case.s, case.p, case.a, case.d)
        assert transposed.shape == (rel.output_size(case), case.o)
        np.testing.assert_array_equal(transposed, conv.T, err_msg=str(case))


def _direct(x, kernel, eq, dilation):
    """The guide's recipe, written out: stretch, pad, convolve with the flipped kernel."""
    stretched = np.zeros((len(x) - 1) * (eq["zeros_between"] + 1) + 1)
    stretched[::eq["zeros_between"] + 1] = x
    before, after = eq["padding"], eq["padding"] + eq["extra_end"]
    padded = np.concatenate([np.zeros(max(before, 0)), stretched, np.zeros(max(after, 0))])
    padded = padded[max(-before, 0): len(padded) - max(-after, 0)]
    assert len(padded) == eq["stretched_size"]
    flipped = kernel[::-1]
    span = dilation * (len(kernel) - 1) + 1
    return np.array([sum(flipped[t] * padded[j + t * dilation] for t in range(len(kernel)))
                     for j in range(len(padded) - span + 1)])


@pytest.mark.parametrize("rel", [rel for rel in RELATIONSHIPS if rel.transposed],
                         ids=lambda rel: f"rel{rel.number}")
def test_equivalent_convolution_computes_the_transposed_convolution(rel):
    rng = np.random.default_rng(100 + rel.number)
    for case in _cases_of(rel):
        eq = rel.equivalent_convolution(case)
        assert (eq["input_size"], eq["zeros_between"], eq["stride"]) == (case.o, case.s - 1, 1)
        kernel = rng.integers(-5, 6, size=case.k).astype(float)
        x = rng.integers(-5, 6, size=case.o).astype(float)
        oracle = tconv.conv_transpose_matrix(kernel, (case.o,), case.s, case.p, case.a,
                                             case.d) @ x
        np.testing.assert_array_equal(_direct(x, kernel, eq, case.d), oracle, err_msg=str(case))


def test_half_and_full_padding_are_the_guides_paddings():
    # Relationship 10: the transpose of a half-padded convolution is half-padded (p' = p);
    # relationship 11: that of a fully padded one has no padding (p' = 0), and vice versa (8).
    case = Case(7, 5, p=2)
    assert relationship(10).equivalent_convolution(case)["padding"] == case.p
    assert relationship(11).equivalent_convolution(Case(7, 5, p=4))["padding"] == 0
    assert relationship(8).equivalent_convolution(Case(7, 5))["padding"] == 4


def test_a_is_pytorchs_output_padding():
    for case in CASES:
        assert case.a == tconv.output_padding_for_size(case.o, case.i, case.k, case.s, case.p,
                                                       case.d), case


def test_dilation_is_an_effective_kernel_size():
    for case in CASES:
        assert case.k_hat == case.d * (case.k - 1) + 1
        assert relationship(15).output_size(case) == relationship(6).output_size(case)


def test_conv_input_sizes_are_all_inputs_with_that_output():
    for o, k, s, p, d in itertools.product(range(1, 5), range(1, 4), range(1, 4), range(0, 3),
                                           range(1, 3)):
        found = set()
        for i in range(1, 30):
            try:
                if tconv.conv_output_size(i, k, s, p, d) == o:
                    found.add(i)
            except ValueError:
                pass
        assert set(conv_input_sizes(o, k, s, p, d)) == found, (o, k, s, p, d)


def test_pooling_measure_takes_the_window_maximum():
    from tconv.course.relationships import _max_pool

    image = np.random.default_rng(0).normal(size=(7, 7))
    pooled = _max_pool(image, k=2, s=3, d=2)
    starts = range(0, 5, 3)
    expected = [[image[r:r + 3:2, c:c + 3:2].max() for c in starts] for r in starts]
    np.testing.assert_array_equal(pooled, expected)


def test_table_has_one_checked_row_per_relationship():
    rows = relationship_table()
    assert [row["number"] for row in rows] == list(range(1, 16))
    for row, rel in zip(rows, RELATIONSHIPS):
        assert row["case"] == rel.example
        assert row["stated"] == row["measured"] == rel.output_size(rel.example)
    other = relationship_table({6: Case(9, 3, s=3, p=1)})
    assert other[5]["case"] == Case(9, 3, s=3, p=1)
    assert other[5]["stated"] == other[5]["measured"] == 3


# --- bad input -------------------------------------------------------------------------------
def test_case_refuses_bad_values():
    with pytest.raises(TypeError, match=r"k must be an integer, got 3\.0 of type float"):
        Case(5, 3.0)
    with pytest.raises(ValueError, match=r"s must be >= 1, got 0"):
        Case(5, 3, s=0)
    with pytest.raises(ValueError, match=r"p must be >= 0, got -1"):
        Case(5, 3, p=-1)
    with pytest.raises(ValueError, match="leaves no output"):
        Case(2, 3)


def test_a_case_outside_the_setting_is_refused_with_the_rule():
    with pytest.raises(ValueError, match=r"relationship 3 .* needs p = \(k - 1\)/2"):
        relationship(3).output_size(Case(5, 3))
    with pytest.raises(ValueError, match=r"relationship 12 .* needs s divides i \+ 2p - k"):
        relationship(12).output_size(Case(6, 3, s=2))
    with pytest.raises(ValueError, match=r"relationship 1 .* needs s = 1, p = 0"):
        relationship(1).output_size(Case(6, 3, s=2, p=1))
    with pytest.raises(TypeError, match=r"case must be a tconv\.course\.relationships\.Case, got \(5, 3\)"):
        relationship(1).output_size((5, 3))
    with pytest.raises(ValueError, match=r"relationship 6 is about a convolution"):
        relationship(6).equivalent_convolution(Case(5, 3))


def test_relationship_lookup_and_construction_refuse_bad_values():
    with pytest.raises(ValueError, match=r"number must be between 1 and 15, got 16"):
        relationship(16)
    with pytest.raises(TypeError, match=r"number must be an integer"):
        relationship("3")
    rel = relationship(3)
    with pytest.raises(ValueError, match=r"example i=4, k=3, s=1, p=0 is outside the setting"):
        Relationship(3, rel.operator, rel.setting, rel.formula, Case(4, 3), rel._broken, rel._size)
    with pytest.raises(ValueError, match=r"operator must be one of"):
        Relationship(3, "deconvolution", rel.setting, rel.formula, rel.example, rel._broken,
                     rel._size)
    with pytest.raises(TypeError, match=r"rel must be a tconv\.course\.relationships\.Relationship"):
        measure_output_size(3, Case(5, 3))
    with pytest.raises(ValueError, match=r"output_size must be >= 1, got 0"):
        conv_input_sizes(0, 3)
