"""tconv.course.recovery and tconv.course.images: the least-squares input against the
pseudo-inverse of the explicit matrix, and the photographs scikit-learn ships."""

import numpy as np
import pytest

import tconv
from tconv.course.recovery import least_squares_input


@pytest.mark.parametrize("shape,k,stride,padding", [((4, 4), 3, 1, 0), ((9, 8), 3, 2, 0),
                                                    ((8, 8), 3, 2, 1), ((10, 7), 4, 3, 2),
                                                    ((6, 6), 3, 1, 2)])
def test_least_squares_input_is_the_pseudo_inverse_of_the_matrix(shape, k, stride, padding):
    rng = np.random.default_rng(sum(shape) + k)
    kernel = rng.standard_normal((k, k))
    x = rng.standard_normal(shape)
    y = tconv.conv2d(x[None, None], kernel[None, None], stride=stride, padding=padding)[0, 0]
    x_hat = least_squares_input(y, kernel, shape, stride=stride, padding=padding)
    C = tconv.conv_matrix(kernel, shape, stride=stride, padding=padding)
    assert x_hat.shape == shape
    np.testing.assert_allclose(x_hat.ravel(), np.linalg.pinv(C) @ y.ravel(), atol=1e-7)
    if C.shape[0] < C.shape[1]:  # fewer outputs: it fits y, and is not x
        np.testing.assert_allclose(C @ x_hat.ravel(), y.ravel(), atol=1e-7)
        assert not np.allclose(x_hat, x, atol=1e-3)


def test_least_squares_input_refuses_shapes_that_do_not_fit():
    K = np.ones((3, 3))
    with pytest.raises(ValueError, match=r"y must have the shape \(2, 2\).*got \(3, 3\)"):
        least_squares_input(np.zeros((3, 3)), K, (4, 4))
    with pytest.raises(ValueError, match="input_shape must be a pair of positive integers"):
        least_squares_input(np.zeros((2, 2)), K, (4, 0))
    with pytest.raises(ValueError, match="input_shape must be a pair"):
        least_squares_input(np.zeros((2, 2)), K, 4)
    with pytest.raises(ValueError, match="kernel must be 2-D"):
        least_squares_input(np.zeros((2, 2)), np.ones(3), (4, 4))


def test_least_squares_input_says_when_it_ran_out_of_iterations():
    rng = np.random.default_rng(3)
    y = rng.standard_normal((30, 30))
    with pytest.raises(RuntimeError, match="max_iterations=2"):
        least_squares_input(y, rng.standard_normal((3, 3)), (32, 32), max_iterations=2)


def test_grey_photo_is_the_mean_of_the_colour_channels():
    from sklearn import datasets  # a requirement of the course: fail, never skip, without it

    from tconv.course.images import PHOTOS, grey_photo

    for name in PHOTOS:
        colour = datasets.load_sample_image(name)
        part = grey_photo(name, rows=slice(10, 20), cols=slice(5, 9))
        assert part.shape == (10, 4) and part.flags.c_contiguous
        np.testing.assert_allclose(part, colour[10:20, 5:9].mean(axis=2) / 255)
        assert grey_photo(name).shape == colour.shape[:2]


def test_grey_photo_refuses_bad_arguments():
    from tconv.course.images import grey_photo

    with pytest.raises(ValueError, match=r"name must be one of \('china.jpg', 'flower.jpg'\)"):
        grey_photo("lena.png")
    with pytest.raises(ValueError, match="rows must be a slice"):
        grey_photo(rows=(0, 10))
    with pytest.raises(ValueError, match="keep no pixel"):
        grey_photo(rows=slice(500, 600))
